// The sign-in and consent steps oidc-provider hands over to the portal (`/interaction/:uid`):
// show the page, check the CSRF token, authenticate, apply the client's authorization policy and
// consent mode, and give the result back to oidc-provider, which finishes the protocol.
import type { Context, Next } from 'koa';
import type { Provider } from 'oidc-provider';
import { subjectFor } from '../storage/subjects.ts';
import { saveConsent } from '../storage/consent.ts';
import { addRequestedClaims, rememberGrantAudience } from '../oidc/consent-policy.ts';
import { levelFor, userForSubject, type ProviderContext } from '../oidc/context.ts';
import { grantedAudience, requestedAudience } from '../oidc/audience.ts';
import type { ClientPolicy } from '../oidc/clients.ts';
import { csrfToken, verifyCSRF } from './csrf.ts';
import { allowFormAction } from './security-headers.ts';
import { field, readForm } from './form.ts';
import { renderConsent } from './views/consent.ts';
import { renderError } from './views/error.ts';
import { renderSignIn, SIGN_IN_FAILED } from './views/sign-in.ts';

const PATH = /^\/interaction\/([A-Za-z0-9_-]{10,128})(?:\/(login|consent))?$/;

export interface InteractionOptions {
  readonly provider: Provider;
  readonly context: ProviderContext;
  readonly csrfSecret: Buffer;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

function requestedScopes(details: Details): string[] {
  return String(details.params['scope'] ?? '').split(' ').filter((s) => s !== '');
}

function audienceOf(details: Details, policy: ClientPolicy): string[] {
  return grantedAudience(policy, requestedAudience(details.params['audience']));
}

function forcesExplicitConsent(details: Details): boolean {
  const prompt = String(details.params['prompt'] ?? '').split(' ');
  return prompt.includes('consent') || prompt.includes('login') || requestedScopes(details).includes('offline_access');
}

async function finishWithError(options: InteractionOptions, ctx: Context, description: string): Promise<void> {
  await options.provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: description }, { mergeWithLastSubmission: false });
  ctx.respond = false;
}

const DENIED = 'The authorization policy of this application does not allow your account to sign in.';
const NEEDS_SECOND_FACTOR = 'This application requires two-factor authentication, which this Castellan server does not offer yet.';

/** Ends the interaction when the signed-in user may not use this client; true when it did. */
async function enforcePolicy(options: InteractionOptions, ctx: Context, policy: ClientPolicy, subject: string): Promise<boolean> {
  const user = await userForSubject(options.context, subject);
  if (!user) return false;
  const level = levelFor(options.context, policy, user, ctx.ip);
  if (level === 'deny') await finishWithError(options, ctx, DENIED);
  else if (level === 'two_factor') await finishWithError(options, ctx, NEEDS_SECOND_FACTOR);
  return level !== 'one_factor';
}

/**
 * Sign-in and consent forms end in redirects to the client's redirect URI (already verified by
 * oidc-provider); browsers apply the page's form-action to that whole chain.
 */
function allowRedirectTarget(ctx: Context, details: Details): void {
  const target = details.params['redirect_uri'];
  if (typeof target === 'string') allowFormAction(ctx, target);
}

function page(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = body;
}

function rememberMeOffered(options: InteractionOptions): boolean {
  return options.context.config.session.remember_me !== -1;
}

async function showSignIn(options: InteractionOptions, ctx: Context, details: Details, policy: ClientPolicy, error?: string, username?: string): Promise<void> {
  allowRedirectTarget(ctx, details);
  page(ctx, error ? 401 : 200, renderSignIn({
    action: `/interaction/${details.uid}/login`,
    csrfToken: csrfToken(options.csrfSecret, details.uid),
    clientName: policy.name,
    username,
    error,
    rememberMe: rememberMeOffered(options),
    nonce: ctx.state['cspNonce'] as string,
  }));
}

async function showConsent(options: InteractionOptions, ctx: Context, details: Details, policy: ClientPolicy): Promise<void> {
  const user = details.session?.accountId ? await userForSubject(options.context, details.session.accountId) : undefined;
  allowRedirectTarget(ctx, details);
  page(ctx, 200, renderConsent({
    action: `/interaction/${details.uid}/consent`,
    csrfToken: csrfToken(options.csrfSecret, details.uid),
    clientName: policy.name,
    clientID: policy.clientID,
    scopes: requestedScopes(details),
    audience: audienceOf(details, policy),
    username: user?.username ?? '',
    displayName: user?.displayName ?? user?.username ?? '',
    showRemember: policy.consentMode === 'pre-configured' && !forcesExplicitConsent(details),
    nonce: ctx.state['cspNonce'] as string,
  }));
}

async function show(options: InteractionOptions, ctx: Context, details: Details, policy: ClientPolicy): Promise<void> {
  if (details.prompt.name === 'login') {
    const subject = details.session?.accountId;
    // Signed in already, but the client's policy is not met: deny, or (for now) no second factor.
    if (subject && details.prompt.reasons.includes('castellan_authorization_policy') && (await enforcePolicy(options, ctx, policy, subject))) return;
    await showSignIn(options, ctx, details, policy);
    return;
  }
  if (details.prompt.name === 'consent') {
    await showConsent(options, ctx, details, policy);
    return;
  }
  page(ctx, 400, renderError({ status: 400, title: 'Unsupported step', message: `The sign-in step '${details.prompt.name}' is not supported.`, nonce: ctx.state['cspNonce'] as string }));
}

async function submitLogin(options: InteractionOptions, ctx: Context, details: Details, policy: ClientPolicy, form: URLSearchParams): Promise<void> {
  if (details.prompt.name !== 'login') {
    await show(options, ctx, details, policy);
    return;
  }
  const username = field(form, 'username', 256);
  const password = field(form, 'password', 1024);
  const user = username !== '' && password !== '' ? await options.context.backend.authenticate(username, password) : undefined;
  if (!user) {
    options.context.logger.info({ client_id: policy.clientID, ip: ctx.ip }, 'first factor authentication failed');
    await showSignIn(options, ctx, details, policy, SIGN_IN_FAILED, username);
    return;
  }
  const subject = subjectFor(options.context.storage, { sector: '', username: user.username });
  options.context.logger.info({ client_id: policy.clientID, subject, ip: ctx.ip }, 'first factor authentication succeeded');
  if (await enforcePolicy(options, ctx, policy, subject)) return;
  const remember = rememberMeOffered(options) && form.get('remember_me') !== null;
  await options.provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: subject, amr: ['pwd'], remember } }, { mergeWithLastSubmission: false });
  ctx.respond = false;
}

async function submitConsent(options: InteractionOptions, ctx: Context, details: Details, policy: ClientPolicy, form: URLSearchParams): Promise<void> {
  const subject = details.session?.accountId;
  if (details.prompt.name !== 'consent' || !subject) {
    await show(options, ctx, details, policy);
    return;
  }
  if (field(form, 'decision') !== 'accept') {
    await finishWithError(options, ctx, 'The user denied the request.');
    return;
  }
  const { Grant } = options.provider;
  const grant = details.grantId ? await Grant.find(details.grantId) : new Grant({ accountId: subject, clientId: policy.clientID });
  if (!grant) throw new Error('grant not found');
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) addRequestedClaims(grant, missing.missingOIDCClaims, requestedScopes(details));
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  const audience = audienceOf(details, policy);
  rememberGrantAudience(options.context, grantId, audience);
  if (policy.consentMode === 'pre-configured' && form.get('remember') !== null && !forcesExplicitConsent(details)) {
    saveConsent(options.context.storage, { clientID: policy.clientID, subject, scopes: requestedScopes(details), audience, expiresAt: options.context.storage.now() + Math.round(policy.consentDuration) });
  }
  await options.provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  ctx.respond = false;
}

/** Koa middleware for `/interaction/:uid` (GET) and `/interaction/:uid/{login,consent}` (POST). */
export function interactionRoutes(options: InteractionOptions) {
  return async function interactions(ctx: Context, next: Next): Promise<void> {
    const match = PATH.exec(ctx.path);
    if (!match) return next();
    const [, uid, step] = match;
    const nonce = ctx.state['cspNonce'] as string;
    let details: Details;
    try {
      details = await options.provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      page(ctx, 400, renderError({ status: 400, title: 'Sign-in expired', message: 'This sign-in request has expired or was opened in another browser.', hint: 'Go back to the application and start signing in again.', nonce }));
      return;
    }
    if (details.uid !== uid) {
      page(ctx, 400, renderError({ status: 400, title: 'Sign-in mismatch', message: 'This sign-in page does not belong to the current sign-in request.', hint: 'Go back to the application and start signing in again.', nonce }));
      return;
    }
    const policy = options.context.policies.get(String(details.params['client_id']));
    if (!policy) {
      page(ctx, 400, renderError({ status: 400, title: 'Unknown application', message: 'The application that sent you here is not registered.', nonce }));
      return;
    }
    if (ctx.method === 'GET' && !step) {
      await show(options, ctx, details, policy);
      return;
    }
    if (ctx.method !== 'POST' || !step) {
      ctx.status = 405;
      return;
    }
    let form: URLSearchParams;
    try {
      form = await readForm(ctx);
    } catch (error) {
      const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 400;
      page(ctx, status, renderError({ status, title: 'Invalid form', message: 'The form could not be read.', nonce }));
      return;
    }
    if (!verifyCSRF(options.csrfSecret, details.uid, field(form, 'csrf_token'))) {
      page(ctx, 403, renderError({ status: 403, title: 'Form expired', message: 'This form has expired or did not come from this site.', hint: 'Reload the page and try again.', retryHref: `/interaction/${details.uid}`, nonce }));
      return;
    }
    if (step === 'login') await submitLogin(options, ctx, details, policy, form);
    else await submitConsent(options, ctx, details, policy, form);
  };
}
