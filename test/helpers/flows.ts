// Drives the portal through an authorization request as a user would: sign in, then consent.
import assert from 'node:assert/strict';
import { Browser, formAction, inputValue, type Response } from './browser.ts';
import type { TOTPDevice } from './totp.ts';

export interface SignInOptions {
  readonly username?: string;
  readonly password?: string;
  readonly consent?: 'accept' | 'deny';
  readonly remember?: boolean;
  readonly rememberConsent?: boolean;
  /** The redirect URI prefix; following stops there. */
  readonly redirectURI: string;
  /** Answers second-factor pages: enrolment stores the secret shown, prompts get its codes. */
  readonly totp?: TOTPDevice;
}

export interface FlowResult {
  /** The final response: the redirect to the client, or the page where the flow stopped. */
  readonly last: Response;
  /** The URL the provider sent the browser back to (the client's redirect URI with code or error), if any. */
  readonly callback: string | undefined;
  /** Pages seen on the way: 'sign-in', 'consent'. */
  readonly pages: string[];
}

export async function authorize(browser: Browser, authorizationURL: string, options: SignInOptions): Promise<FlowResult> {
  const stop = (url: string): boolean => url.startsWith(options.redirectURI);
  const pages: string[] = [];
  let response = await browser.follow(await browser.get(authorizationURL), stop);
  for (let step = 0; step < 6; step++) {
    if (response.location && stop(response.location)) return { last: response, callback: response.location, pages };
    if (response.body.includes('id="sign-in-button"') && response.body.includes('id="username-textfield"')) {
      pages.push('sign-in');
      const action = formAction(response.body, 'sign-in-button');
      assert.ok(action, 'sign-in form has an action');
      const fields: Record<string, string> = { csrf_token: inputValue(response.body, 'csrf_token') ?? '', username: options.username ?? 'john', password: options.password ?? 'password' };
      if (options.remember) fields['remember_me'] = 'true';
      response = await browser.post(new URL(action, response.url).href, fields);
      if (response.status === 401) return { last: response, callback: undefined, pages };
      response = await browser.follow(response, stop);
      continue;
    }
    if (options.totp && response.body.includes('id="one-time-password"')) {
      const enrolling = response.body.includes('id="totp-secret"');
      pages.push(enrolling ? 'totp-enrolment' : 'totp');
      if (enrolling) options.totp.secret = /data-secret="([A-Z2-7]+)"/.exec(response.body)?.[1] ?? /id="totp-secret"[^>]*>([A-Z2-7 ]+)</.exec(response.body)?.[1]?.replace(/ /g, '');
      const action = formAction(response.body, 'one-time-password');
      assert.ok(action, 'the code form has an action');
      response = await browser.post(new URL(action, response.url).href, { csrf_token: inputValue(response.body, 'csrf_token') ?? '', code: options.totp.code() });
      if (response.status === 401) return { last: response, callback: undefined, pages };
      response = await browser.follow(response, stop);
      continue;
    }
    if (response.body.includes('id="openid-consent-accept"')) {
      pages.push('consent');
      const action = formAction(response.body, 'openid-consent-accept');
      assert.ok(action, 'consent form has an action');
      const fields: Record<string, string> = { csrf_token: inputValue(response.body, 'csrf_token') ?? '', decision: options.consent ?? 'accept' };
      if (options.rememberConsent) fields['remember'] = 'true';
      response = await browser.follow(await browser.post(new URL(action, response.url).href, fields), stop);
      continue;
    }
    break;
  }
  return { last: response, callback: response.location && stop(response.location) ? response.location : undefined, pages };
}

/** The OAuth error code of an openid-client failure (response body or WWW-Authenticate challenge). */
export function oauthError(error: unknown): string | undefined {
  const e = error as { error?: string; cause?: unknown };
  if (typeof e.error === 'string') return e.error;
  if (Array.isArray(e.cause)) return (e.cause[0] as { parameters?: { error?: string } } | undefined)?.parameters?.error;
  return (e.cause as { error?: string } | undefined)?.error;
}

/**
 * The parameters the authorization endpoint sends straight back to `redirectURI` (query or
 * fragment) for a request made without a browser session, or undefined when it does not redirect
 * there (an error page, or the sign-in step).
 */
export async function authorizationResponse(url: URL | string, redirectURI: string): Promise<URLSearchParams | undefined> {
  const response = await new Browser().get(url.toString());
  if (!response.location?.startsWith(redirectURI)) return undefined;
  const location = new URL(response.location);
  return location.hash.length > 1 ? new URLSearchParams(location.hash.slice(1)) : location.searchParams;
}
