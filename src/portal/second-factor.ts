// The second-factor steps of an interaction: after the password (or for a session that has only a
// password, which is stepped up rather than started over), a two_factor client needs a TOTP code
// or a passkey. Registering a new second factor needs a fresh password in this interaction, since
// there is no e-mail notifier to confirm it. The state between steps lives in the interaction itself.
import { authenticationOptions, registrationOptions, relyingParty, verifyAuthentication, verifyRegistration, WebAuthnError } from '../identity/webauthn.ts';
import { beginEnrolment, checkTOTPCode, confirmEnrolment, type TOTPEnrolment } from '../identity/totp.ts';
import type { Context } from 'koa';
import type { AttemptKind, Regulator } from '../identity/regulation.ts';
import type { User } from '../identity/user.ts';
import { userForSubject, type ProviderContext } from '../oidc/context.ts';
import { decrypt, encrypt } from '../storage/secrets.ts';
import { findTOTP } from '../storage/totp.ts';
import { preferredMethod, setPreferredMethod, type SecondFactorMethod } from '../storage/preferences.ts';
import { findWebAuthnCredential, listWebAuthnCredentials, recordWebAuthnCredentialUse, saveWebAuthnCredential, webAuthnUserHandle, type WebAuthnCredential } from '../storage/webauthn.ts';
import { FIELDS, PASSKEY_NAME_MAX_LENGTH } from './fields.ts';
import { field } from './form.ts';
import { allowRedirectTarget, csrfFor, nonce, page, stepURL, type InteractionOptions, type Step } from './interaction-support.ts';
import { renderError } from './views/error.ts';
import { METHOD_LABELS, renderMethodChooser } from './views/second-factor-methods.ts';
import type { MethodLink } from './views/second-factor-parts.ts';
import { renderReauthenticate } from './views/second-factor-reauthenticate.ts';
import { renderTOTPEnrolment, renderTOTPPrompt } from './views/second-factor-totp.ts';
import { DEFAULT_PASSKEY_NAME, renderWebAuthnPrompt } from './views/second-factor-webauthn.ts';
import { SIGN_IN_FAILED } from './views/sign-in.ts';

/** A password checked in this interaction is good for the second factor this long, and "fresh" for registering one this long. */
const FIRST_FACTOR_VALIDITY = 600;
export const FRESH_FIRST_FACTOR = 300;
export const CODE_FAILED = 'The code is incorrect or has already been used. Enter the current code from your app.';
export const PASSKEY_FAILED = 'The passkey could not be verified. Try again, or use another method.';
export const PASSKEY_ALREADY_REGISTERED = 'This passkey is already registered.';
const CREDENTIAL_LIMIT = 16_000;

/** What the interaction remembers between its steps (kept in oidc-provider's Interaction). */
export interface SecondFactorState {
  readonly subject: string;
  readonly username: string;
  /** When the password was checked in this interaction (epoch seconds); absent when stepping up a session. */
  readonly firstFactorAt?: number;
  readonly remember: boolean;
  /** A TOTP enrolment in progress, sealed with the storage key (base64url). */
  readonly enrolment?: string;
  readonly challenge?: { readonly value: string; readonly mode: 'register' | 'authenticate'; readonly expiresAt: number };
}

interface Person {
  readonly state: SecondFactorState;
  readonly user: User;
  /** The password was checked in this interaction recently enough to register a second factor. */
  readonly fresh: boolean;
}

function stored(step: Step): SecondFactorState | undefined {
  const state = (step.details.result as { castellan?: SecondFactorState } | undefined)?.castellan;
  if (!state || state.firstFactorAt === undefined) return state;
  return step.options.context.storage.now() - state.firstFactorAt <= FIRST_FACTOR_VALIDITY ? state : undefined;
}

export async function saveState(step: Step, state: SecondFactorState): Promise<void> {
  await step.options.provider.interactionResult(step.ctx.req, step.ctx.res, { castellan: state }, { mergeWithLastSubmission: false });
}

/** The user this interaction's second factor is for: after the password step, or the signed-in session's. */
async function person(step: Step): Promise<Person | undefined> {
  const state = stored(step) ?? (step.details.session?.accountId ? { subject: step.details.session.accountId, username: '', remember: false } : undefined);
  if (!state) return undefined;
  const user = await userForSubject(step.options.context, state.subject);
  if (!user) return undefined;
  const now = step.options.context.storage.now();
  const fresh = state.firstFactorAt !== undefined && now - state.firstFactorAt <= FRESH_FIRST_FACTOR;
  return { state: { ...state, username: user.username }, user, fresh };
}

/** True when the interaction has a user waiting for a second factor. */
export async function awaitsSecondFactor(step: Step): Promise<boolean> {
  return stored(step) !== undefined;
}

/** The second-factor methods this server offers (those not disabled). */
export function enabledMethods(context: ProviderContext): SecondFactorMethod[] {
  const config = context.config;
  return (['totp', 'webauthn'] as const).filter((m) => !(m === 'totp' ? config.totp.disable : config.webauthn.disable));
}

/** Which methods the user has set up. */
export function enrolled(context: ProviderContext, username: string): Record<SecondFactorMethod, boolean> {
  const storage = context.storage;
  return { totp: findTOTP(storage, username) !== undefined, webauthn: listWebAuthnCredentials(storage, username).length > 0 };
}

/** The user's own preferred method, else default_2fa_method, else one they have, else the first enabled. */
export function firstMethod(context: ProviderContext, username: string): SecondFactorMethod | undefined {
  const methods = enabledMethods(context);
  const have = enrolled(context, username);
  const candidates = [preferredMethod(context.storage, username), context.config.default_2fa_method as SecondFactorMethod | undefined];
  for (const method of candidates) if (method && methods.includes(method) && have[method]) return method;
  return methods.find((m) => have[m]) ?? methods[0];
}

function otherMethods(step: Step, current: SecondFactorMethod): MethodLink[] {
  const others = enabledMethods(step.options.context).filter((m) => m !== current);
  return others.length === 0 ? [] : [{ label: 'Use another method', href: stepURL(step, '/methods') }];
}

/** Answers 429 with Retry-After (and logs the refused attempt) when the user or the client IP is banned. */
export function refuseWhenBanned(ctx: Context, regulator: Regulator, username: string): boolean {
  const status = regulator.isBanned({ username, ip: ctx.ip });
  if (!status.banned) return false;
  regulator.recordBanned({ username, ip: ctx.ip, kind: '1fa' });
  ctx.set('Retry-After', String(status.retryAfter ?? 60));
  page(ctx, 429, renderError({ status: 429, title: 'Too many attempts', message: 'There were too many failed attempts. Wait a few minutes, then try again.', nonce: nonce(ctx) }));
  return true;
}

function banned(step: Step, username: string): boolean {
  return refuseWhenBanned(step.ctx, step.options.regulator, username);
}

function failed(step: Step, username: string, kind: AttemptKind): void {
  step.options.regulator.recordFailure({ username, ip: step.ctx.ip, kind, requestURI: step.ctx.path, requestMethod: step.ctx.method });
  step.options.context.logger.info({ client_id: step.policy.clientID, ip: step.ctx.ip, kind }, 'second factor authentication failed');
}

async function finish(step: Step, who: Person, method: SecondFactorMethod, amr: readonly string[]): Promise<void> {
  const { regulator, provider, context } = step.options;
  regulator.recordSuccess({ username: who.user.username, ip: step.ctx.ip, kind: method === 'totp' ? 'totp' : 'webauthn' });
  setPreferredMethod(context.storage, who.user.username, method);
  context.logger.info({ client_id: step.policy.clientID, subject: who.state.subject, method, ip: step.ctx.ip }, 'second factor authentication succeeded');
  const methods = [...new Set(['pwd', ...amr, 'mfa'])];
  await provider.interactionFinished(step.ctx.req, step.ctx.res, { login: { accountId: who.state.subject, amr: methods, remember: who.state.remember } }, { mergeWithLastSubmission: false });
  step.ctx.respond = false;
}

function notSignedIn(step: Step): void {
  page(step.ctx, 400, renderError({ status: 400, title: 'Sign-in expired', message: 'Sign in with your password first.', hint: 'Go back to the application and start signing in again.', nonce: nonce(step.ctx) }));
}

function reauthenticate(step: Step, who: Person, error?: string): void {
  page(step.ctx, error ? 401 : 200, renderReauthenticate({ action: stepURL(step, '/reauth'), csrfToken: csrfFor(step), username: who.user.username, error, nonce: nonce(step.ctx) }));
}

/** Shows the page of `method` (sign-in with it, or set it up) for the interaction's user. */
export async function showSecondFactor(step: Step, method?: SecondFactorMethod): Promise<void> {
  const who = await person(step);
  if (!who) return notSignedIn(step);
  const chosen = method ?? firstMethod(step.options.context, who.user.username);
  if (!chosen || !enabledMethods(step.options.context).includes(chosen)) {
    page(step.ctx, 403, renderError({ status: 403, title: 'No second factor available', message: 'This application requires a second factor, but none is enabled on this server.', nonce: nonce(step.ctx) }));
    return;
  }
  allowRedirectTarget(step);
  const have = enrolled(step.options.context, who.user.username)[chosen];
  if (!have && !who.fresh) return reauthenticate(step, who);
  if (chosen === 'totp') return have ? totpPrompt(step, who) : totpEnrolment(step, who);
  page(step.ctx, 200, renderWebAuthnPrompt({ optionsURL: stepURL(step, '/webauthn/options'), verifyAction: stepURL(step, '/webauthn'), csrfToken: csrfFor(step), mode: have ? 'authenticate' : 'register', otherMethods: otherMethods(step, 'webauthn'), nonce: nonce(step.ctx) }));
}

export async function showMethods(step: Step): Promise<void> {
  const who = await person(step);
  if (!who) return notSignedIn(step);
  const have = enrolled(step.options.context, who.user.username);
  const methods = enabledMethods(step.options.context).map((id) => ({ id, label: METHOD_LABELS[id], href: stepURL(step, `/${id}`), enrolled: have[id] }));
  page(step.ctx, 200, renderMethodChooser({ methods, nonce: nonce(step.ctx) }));
}

function totpPrompt(step: Step, who: Person, error?: string): void {
  allowRedirectTarget(step);
  page(step.ctx, error ? 401 : 200, renderTOTPPrompt({ action: stepURL(step, '/totp'), csrfToken: csrfFor(step), username: who.user.username, displayName: who.user.displayName, error, otherMethods: otherMethods(step, 'totp'), nonce: nonce(step.ctx) }));
}

async function totpEnrolment(step: Step, who: Person, error?: string): Promise<void> {
  const storage = step.options.context.storage;
  let enrolment: TOTPEnrolment;
  if (who.state.enrolment) {
    enrolment = JSON.parse(decrypt(storage, Buffer.from(who.state.enrolment, 'base64url')).toString('utf8')) as TOTPEnrolment;
  } else {
    enrolment = await beginEnrolment(step.options.context.config.totp, who.user.username);
    await saveState(step, { ...who.state, enrolment: encrypt(storage, JSON.stringify(enrolment)).toString('base64url') });
  }
  allowRedirectTarget(step);
  page(step.ctx, error ? 401 : 200, renderTOTPEnrolment({ action: stepURL(step, '/totp/enrol'), csrfToken: csrfFor(step), secret: enrolment.secret, otpauthURI: enrolment.uri, qrSVG: enrolment.svg, error, otherMethods: otherMethods(step, 'totp'), nonce: nonce(step.ctx) }));
}

export async function submitTOTP(step: Step, form: URLSearchParams): Promise<void> {
  const who = await person(step);
  if (!who) return notSignedIn(step);
  if (banned(step, who.user.username)) return;
  const result = checkTOTPCode(step.options.context.storage, step.options.context.config.totp, who.user.username, field(form, FIELDS.code, 16));
  if (result === 'unenrolled') return showSecondFactor(step, 'totp');
  if (result !== 'accepted') {
    failed(step, who.user.username, 'totp');
    return totpPrompt(step, who, CODE_FAILED);
  }
  await finish(step, who, 'totp', ['otp']);
}

export async function submitTOTPEnrolment(step: Step, form: URLSearchParams): Promise<void> {
  const who = await person(step);
  if (!who) return notSignedIn(step);
  if (!who.fresh || !who.state.enrolment) return showSecondFactor(step, 'totp');
  if (banned(step, who.user.username)) return;
  const storage = step.options.context.storage;
  const enrolment = JSON.parse(decrypt(storage, Buffer.from(who.state.enrolment, 'base64url')).toString('utf8')) as TOTPEnrolment;
  if (!confirmEnrolment(storage, step.options.context.config.totp, enrolment, field(form, FIELDS.code, 16))) {
    failed(step, who.user.username, 'totp');
    return totpEnrolment(step, who, CODE_FAILED);
  }
  await finish(step, who, 'totp', ['otp']);
}

/** POST …/webauthn/options: the options for navigator.credentials.get (or .create when setting up). */
export async function webAuthnOptions(step: Step): Promise<void> {
  const who = await person(step);
  if (!who) return notSignedIn(step);
  const { storage, config, issuer } = step.options.context;
  const rp = relyingParty(issuer, config.webauthn);
  const credentials = listWebAuthnCredentials(storage, who.user.username);
  const register = credentials.length === 0;
  if (register && !who.fresh) {
    step.ctx.status = 403;
    step.ctx.body = { error: 'reauthentication_required' };
    return;
  }
  const { options, challenge } = register
    ? await passkeyRegistrationOptions(step.options.context, who.user, credentials)
    : await authenticationOptions({ config: config.webauthn, rpID: rp.rpID, credentials });
  await saveState(step, { ...who.state, challenge: { value: challenge, mode: register ? 'register' : 'authenticate', expiresAt: challengeExpiry(step.options.context) } });
  step.ctx.body = options;
}

/** The options for registering another passkey of `user` (their credentials are excluded). */
export function passkeyRegistrationOptions(context: ProviderContext, user: User, credentials: readonly WebAuthnCredential[]): ReturnType<typeof registrationOptions> {
  const { storage, config, issuer } = context;
  const handle = webAuthnUserHandle(storage, user.username);
  return registrationOptions({ config: config.webauthn, ...relyingParty(issuer, config.webauthn), user: { username: user.username, displayName: user.displayName, handle }, credentials });
}

/** When a challenge given now stops being accepted (epoch seconds): webauthn.timeout, at least a minute. */
export function challengeExpiry(context: ProviderContext): number {
  return context.storage.now() + Math.max(60, Math.round(context.config.webauthn.timeout));
}

/** The credential JSON the passkey page's script posted, or undefined when it is missing or not JSON. */
export function postedCredential(form: URLSearchParams): unknown {
  try {
    return JSON.parse(field(form, FIELDS.credential, CREDENTIAL_LIMIT)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a registration ceremony for `challenge` and stores the passkey of `username` under the
 * posted description; false when the credential is already registered. Throws WebAuthnError.
 */
export async function registerPasskey(context: ProviderContext, username: string, form: URLSearchParams, response: unknown, challenge: string): Promise<boolean> {
  const { storage, config, issuer } = context;
  const rp = relyingParty(issuer, config.webauthn);
  const requireUserVerification = config.webauthn.selection_criteria.user_verification === 'required';
  const data = await verifyRegistration({ response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, requireUserVerification });
  const description = field(form, FIELDS.description, PASSKEY_NAME_MAX_LENGTH).trim() || DEFAULT_PASSKEY_NAME;
  return saveWebAuthnCredential(storage, { username, description, ...data }) !== undefined;
}

/** POST …/webauthn: verifies the passkey the page's script posted, and registers it when setting up. */
export async function submitWebAuthn(step: Step, form: URLSearchParams): Promise<void> {
  const who = await person(step);
  if (!who) return notSignedIn(step);
  if (banned(step, who.user.username)) return;
  const { storage, config, issuer } = step.options.context;
  const challenge = who.state.challenge;
  // A challenge is good for one verification, whatever its outcome.
  await saveState(step, { ...who.state, challenge: undefined });
  const rp = relyingParty(issuer, config.webauthn);
  const requireUserVerification = config.webauthn.selection_criteria.user_verification === 'required';
  const retry = (error: string): void => {
    failed(step, who.user.username, 'webauthn');
    allowRedirectTarget(step);
    page(step.ctx, 401, renderWebAuthnPrompt({ optionsURL: stepURL(step, '/webauthn/options'), verifyAction: stepURL(step, '/webauthn'), csrfToken: csrfFor(step), mode: challenge?.mode ?? 'authenticate', error, otherMethods: otherMethods(step, 'webauthn'), nonce: nonce(step.ctx) }));
  };
  const response = postedCredential(form);
  // The response must answer this challenge (checked in verify*); an expired one is refused here.
  if (response === undefined || !challenge || challenge.expiresAt < storage.now()) return retry(PASSKEY_FAILED);
  try {
    if (challenge.mode === 'register') {
      if (!who.fresh) return reauthenticate(step, who);
      if (!(await registerPasskey(step.options.context, who.user.username, form, response, challenge.value))) return retry(PASSKEY_ALREADY_REGISTERED);
      await finish(step, who, 'webauthn', ['hwk']);
      return;
    }
    const posted = response as { id?: unknown };
    const credential = typeof posted.id === 'string' ? findWebAuthnCredential(storage, { username: who.user.username, credentialID: posted.id }) : undefined;
    const assertion = await verifyAuthentication({ response, expectedChallenge: challenge.value, expectedOrigin: rp.origin, expectedRPID: rp.rpID, credential, userHandle: webAuthnUserHandle(storage, who.user.username), requireUserVerification });
    if (!credential || !recordWebAuthnCredentialUse(storage, { id: credential.id, signCount: assertion.signCount, backupState: assertion.backupState })) return retry(PASSKEY_FAILED);
    await finish(step, who, 'webauthn', assertion.amr);
  } catch (error) {
    if (error instanceof WebAuthnError) return retry(PASSKEY_FAILED);
    throw error;
  }
}

/** POST …/reauth: the password again, so the user may register a second factor. */
export async function submitReauthentication(step: Step, form: URLSearchParams): Promise<void> {
  const who = await person(step);
  if (!who) return notSignedIn(step);
  if (banned(step, who.user.username)) return;
  if (!(await passwordConfirmed(step.ctx, step.options, who.user.username, form))) return reauthenticate(step, who, SIGN_IN_FAILED);
  await saveState(step, { ...who.state, firstFactorAt: step.options.context.storage.now() });
  step.ctx.redirect(stepURL(step));
}


/**
 * Checks the posted password of `username` again (padded like sign-in) and records the attempt for
 * regulation; true when it is right. The caller checks for a ban first (refuseWhenBanned).
 */
export async function passwordConfirmed(ctx: Context, options: Pick<InteractionOptions, 'context' | 'regulator' | 'timingPad'>, username: string, form: URLSearchParams): Promise<boolean> {
  const password = field(form, FIELDS.password, 1024);
  const user = password === '' ? undefined : await options.timingPad.run(() => options.context.backend.authenticate(username, password));
  const attempt = { username, ip: ctx.ip, kind: '1fa' as const, requestURI: ctx.path, requestMethod: ctx.method };
  if (!user || user.username !== username) {
    options.regulator.recordFailure(attempt);
    return false;
  }
  options.regulator.recordSuccess(attempt);
  return true;
}
