// The sign-in and consent steps oidc-provider hands over to the portal (`/interaction/:uid/…`):
// show the page, check the CSRF token, authenticate (with brute-force regulation and padded timing),
// ask for a second factor when the client's policy needs one, apply the consent mode, and give the
// result back to oidc-provider, which finishes the protocol.
import type { Context, Next } from 'koa';
import { addRequestedClaims, rememberGrantAudience } from '../oidc/consent-policy.ts';
import { levelFor, userForSubject } from '../oidc/context.ts';
import { grantedAudience, requestedAudience } from '../oidc/audience.ts';
import type { ClientPolicy } from '../oidc/clients.ts';
import { saveConsent } from '../storage/consent.ts';
import { subjectFor } from '../storage/subjects.ts';
import { verifyCSRF } from './csrf.ts';
import { FIELDS } from './fields.ts';
import { field, readForm } from './form.ts';
import { allowRedirectTarget, csrfFor, finishWithError, nonce, page, requestedScopes, stepURL, type Details, type InteractionOptions, type Step } from './interaction-support.ts';
import { awaitsSecondFactor, saveState, showMethods, showSecondFactor, submitReauthentication, submitTOTP, submitTOTPEnrolment, submitWebAuthn, webAuthnOptions } from './second-factor.ts';
import { renderConsent } from './views/consent.ts';
import { renderError } from './views/error.ts';
import { renderSignIn, SIGN_IN_FAILED } from './views/sign-in.ts';

export type { InteractionOptions } from './interaction-support.ts';

const PATH = /^\/interaction\/([A-Za-z0-9_-]{10,128})(\/(?:login|consent|methods|totp|totp\/enrol|webauthn|webauthn\/options|reauth))?$/;
const DENIED = 'The authorization policy of this application does not allow your account to sign in.';

function audienceOf(details: Details, policy: ClientPolicy): string[] {
  return grantedAudience(policy, requestedAudience(details.params['audience']));
}

function forcesExplicitConsent(details: Details): boolean {
  const prompt = String(details.params['prompt'] ?? '').split(' ');
  return prompt.includes('consent') || prompt.includes('login') || requestedScopes(details).includes('offline_access');
}

function rememberMeOffered(step: Step): boolean {
  return step.options.context.config.session.remember_me !== -1;
}

function showSignIn(step: Step, error?: string, username?: string): void {
  allowRedirectTarget(step);
  page(step.ctx, error ? 401 : 200, renderSignIn({ action: stepURL(step, '/login'), csrfToken: csrfFor(step), clientName: step.policy.name, username, error, rememberMe: rememberMeOffered(step), nonce: nonce(step.ctx) }));
}

async function showConsent(step: Step): Promise<void> {
  const { details, policy } = step;
  const user = details.session?.accountId ? await userForSubject(step.options.context, details.session.accountId) : undefined;
  allowRedirectTarget(step);
  page(step.ctx, 200, renderConsent({
    action: stepURL(step, '/consent'),
    csrfToken: csrfFor(step),
    clientName: policy.name,
    clientID: policy.clientID,
    scopes: requestedScopes(details),
    audience: audienceOf(details, policy),
    username: user?.username ?? '',
    displayName: user?.displayName ?? user?.username ?? '',
    showRemember: policy.consentMode === 'pre-configured' && !forcesExplicitConsent(details),
    nonce: nonce(step.ctx),
  }));
}

/** What a signed-in (or just authenticated) user needs for this client. */
async function levelOf(step: Step, subject: string): Promise<ReturnType<typeof levelFor> | undefined> {
  const user = await userForSubject(step.options.context, subject);
  return user ? levelFor(step.options.context, step.policy, user, step.ctx.ip) : undefined;
}

async function show(step: Step): Promise<void> {
  const { details } = step;
  if (details.prompt.name === 'login') {
    if (await awaitsSecondFactor(step)) return showSecondFactor(step);
    const subject = details.session?.accountId;
    // Signed in already, but the client's policy is not met: deny, or step the session up.
    if (subject && details.prompt.reasons.includes('castellan_authorization_policy')) {
      const level = await levelOf(step, subject);
      if (level === 'deny') return finishWithError(step, DENIED);
      if (level === 'two_factor') return showSecondFactor(step);
    }
    return showSignIn(step);
  }
  if (details.prompt.name === 'consent') return showConsent(step);
  page(step.ctx, 400, renderError({ status: 400, title: 'Unsupported step', message: `The sign-in step '${details.prompt.name}' is not supported.`, nonce: nonce(step.ctx) }));
}

async function submitLogin(step: Step, form: URLSearchParams): Promise<void> {
  const { options, ctx, details, policy } = step;
  if (details.prompt.name !== 'login') return show(step);
  const username = field(form, FIELDS.username, 256);
  const password = field(form, FIELDS.password, 1024);
  const attempt = { username, ip: ctx.ip, kind: '1fa' as const, requestURI: ctx.path, requestMethod: ctx.method };
  // Banned, unknown and wrong all answer alike, after the same padded delay (no enumeration).
  const user = await options.timingPad.run(async () => {
    if (username === '' || password === '') return undefined;
    if (options.regulator.isBanned(attempt).banned) {
      options.regulator.recordBanned(attempt);
      return undefined;
    }
    const found = await options.context.backend.authenticate(username, password);
    if (found) options.regulator.recordSuccess(attempt);
    else options.regulator.recordFailure(attempt);
    return found;
  });
  if (!user) {
    options.context.logger.info({ client_id: policy.clientID, ip: ctx.ip }, 'first factor authentication failed');
    return showSignIn(step, SIGN_IN_FAILED, username);
  }
  const subject = subjectFor(options.context.storage, { sector: '', username: user.username });
  options.context.logger.info({ client_id: policy.clientID, subject, ip: ctx.ip }, 'first factor authentication succeeded');
  const level = levelFor(options.context, policy, user, ctx.ip);
  if (level === 'deny') return finishWithError(step, DENIED);
  const remember = rememberMeOffered(step) && form.get(FIELDS.rememberMe) !== null;
  if (level === 'two_factor') {
    await saveState(step, { subject, username: user.username, firstFactorAt: options.context.storage.now(), remember });
    ctx.status = 303;
    ctx.redirect(stepURL(step));
    return;
  }
  await options.provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: subject, amr: ['pwd'], remember } }, { mergeWithLastSubmission: false });
  ctx.respond = false;
}

async function submitConsent(step: Step, form: URLSearchParams): Promise<void> {
  const { options, details, policy } = step;
  const subject = details.session?.accountId;
  if (details.prompt.name !== 'consent' || !subject) return show(step);
  if (field(form, FIELDS.decision) !== 'accept') return finishWithError(step, 'The user denied the request.');
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
  if (policy.consentMode === 'pre-configured' && form.get(FIELDS.remember) !== null && !forcesExplicitConsent(details)) {
    saveConsent(options.context.storage, { clientID: policy.clientID, subject, scopes: requestedScopes(details), audience, expiresAt: options.context.storage.now() + Math.round(policy.consentDuration) });
  }
  await options.provider.interactionFinished(step.ctx.req, step.ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  step.ctx.respond = false;
}

type Handler = (step: Step, form: URLSearchParams) => Promise<void>;

const GET_STEPS: Record<string, (step: Step) => Promise<void>> = {
  '': show,
  '/methods': showMethods,
  '/totp': (step) => showSecondFactor(step, 'totp'),
  '/totp/enrol': (step) => showSecondFactor(step, 'totp'),
  '/webauthn': (step) => showSecondFactor(step, 'webauthn'),
};

const POST_STEPS: Record<string, Handler> = {
  '/login': submitLogin,
  '/consent': submitConsent,
  '/totp': submitTOTP,
  '/totp/enrol': submitTOTPEnrolment,
  '/webauthn': submitWebAuthn,
  '/webauthn/options': (step) => webAuthnOptions(step),
  '/reauth': submitReauthentication,
};

/** Koa middleware for `/interaction/:uid` and its steps. */
export function interactionRoutes(options: InteractionOptions) {
  return async function interactions(ctx: Context, next: Next): Promise<void> {
    const match = PATH.exec(ctx.path);
    if (!match) return next();
    const [, uid, path = ''] = match;
    let details: Details;
    try {
      details = await options.provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      page(ctx, 400, renderError({ status: 400, title: 'Sign-in expired', message: 'This sign-in request has expired or was opened in another browser.', hint: 'Go back to the application and start signing in again.', nonce: nonce(ctx) }));
      return;
    }
    if (details.uid !== uid) {
      page(ctx, 400, renderError({ status: 400, title: 'Sign-in mismatch', message: 'This sign-in page does not belong to the current sign-in request.', hint: 'Go back to the application and start signing in again.', nonce: nonce(ctx) }));
      return;
    }
    const policy = options.context.policies.get(String(details.params['client_id']));
    if (!policy) {
      page(ctx, 400, renderError({ status: 400, title: 'Unknown application', message: 'The application that sent you here is not registered.', nonce: nonce(ctx) }));
      return;
    }
    const step: Step = { options, ctx, details, policy };
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      const handler = GET_STEPS[path];
      if (handler) return handler(step);
      ctx.status = 405;
      return;
    }
    const handler = ctx.method === 'POST' ? POST_STEPS[path] : undefined;
    if (!handler) {
      ctx.status = 405;
      return;
    }
    let form: URLSearchParams;
    try {
      form = await readForm(ctx);
    } catch (error) {
      const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 400;
      page(ctx, status, renderError({ status, title: 'Invalid form', message: 'The form could not be read.', nonce: nonce(ctx) }));
      return;
    }
    if (!verifyCSRF(options.csrfSecret, details.uid, field(form, FIELDS.csrf))) {
      page(ctx, 403, renderError({ status: 403, title: 'Form expired', message: 'This form has expired or did not come from this site.', hint: 'Reload the page and try again.', retryHref: stepURL(step), nonce: nonce(ctx) }));
      return;
    }
    await handler(step, form);
  };
}
