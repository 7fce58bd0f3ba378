// Starts a sign-in: the authorization request (code flow, state, nonce, PKCE S256 unless turned off)
// and the signed cookie that binds it to this browser. Kasm 1.15 sends neither nonce nor PKCE and keeps
// no state; everything the callback will check is created here.
import * as client from 'openid-client';
import type { RelyingPartyConfig } from './config.ts';
import { providerConfiguration } from './provider.ts';
import { STATE_LIFETIME_SECONDS, stateCookie, type CookieOptions, type SignInTransaction } from './state-cookie.ts';

export interface LoginRedirect {
  /** The provider's authorization URL to send the browser to. */
  readonly url: string;
  /** The Set-Cookie header value to send with the redirect. */
  readonly cookie: string;
}

export async function buildLoginRedirect(config: RelyingPartyConfig, options: CookieOptions): Promise<LoginRedirect> {
  const configuration = await providerConfiguration(config);
  const now = options.now ?? Date.now();
  const transaction: SignInTransaction = {
    providerID: config.id,
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: config.pkce ? client.randomPKCECodeVerifier() : undefined,
    expiresAt: Math.floor(now / 1000) + STATE_LIFETIME_SECONDS,
  };
  const parameters: Record<string, string> = {
    response_type: 'code',
    redirect_uri: config.redirect_url,
    scope: config.scopes.join(' '),
    state: transaction.state,
    // OpenID Connect Core §3.1.2.1: the nonce ties the ID token to this request.
    nonce: transaction.nonce,
  };
  if (transaction.codeVerifier !== undefined) {
    // RFC 7636 §4.2–4.3: only the S256 challenge leaves the application.
    parameters['code_challenge'] = await client.calculatePKCECodeChallenge(transaction.codeVerifier);
    parameters['code_challenge_method'] = 'S256';
  }
  return { url: client.buildAuthorizationUrl(configuration, parameters).href, cookie: stateCookie(transaction, config.redirect_url, { ...options, now }) };
}
