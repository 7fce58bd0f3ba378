// The signed-in user's second-factor settings (`/settings`): the authenticator app (set up, remove),
// passkeys (several, each named: add, rename, remove) and the method asked for first. The user is the
// one of oidc-provider's session, from the portal's session cookie. Changing anything needs the
// password again, as there is no e-mail notifier to confirm a change: the re-entry elevates this
// session for FRESH_FIRST_FACTOR seconds, kept server-side (storage/elevations.ts) together with the
// change in progress (a sealed TOTP enrolment, a single-use passkey challenge). Every POST carries a
// CSRF token bound to the session; every completed change answers 303 to /settings.
import type { Context, Next } from 'koa';
import { beginEnrolment, confirmEnrolment, type TOTPEnrolment } from '../identity/totp.ts';
import type { User } from '../identity/user.ts';
import { WebAuthnError } from '../identity/webauthn.ts';
import { userForSubject } from '../oidc/context.ts';
import { elevate, findElevation, savePendingTOTPEnrolment, saveWebAuthnChallenge, takeWebAuthnChallenge, type Elevation } from '../storage/elevations.ts';
import { SECOND_FACTOR_METHODS, setPreferredMethod, type SecondFactorMethod } from '../storage/preferences.ts';
import { deleteTOTP, findTOTP } from '../storage/totp.ts';
import { deleteWebAuthnCredential, listWebAuthnCredentials, renameWebAuthnCredential } from '../storage/webauthn.ts';
import { csrfToken, requireCSRF } from './csrf.ts';
import { FIELDS, PASSKEY_NAME_MAX_LENGTH } from './fields.ts';
import { field, readForm } from './form.ts';
import { nonce, page, type InteractionOptions } from './interaction-support.ts';
import { currentSession } from './routes.ts';
import {
  challengeExpiry, CODE_FAILED, enabledMethods, enrolled, firstMethod, FRESH_FIRST_FACTOR, PASSKEY_ALREADY_REGISTERED, PASSKEY_FAILED,
  passkeyRegistrationOptions, passwordConfirmed, postedCredential, refuseWhenBanned, registerPasskey,
} from './second-factor.ts';
import { renderError } from './views/error.ts';
import { renderReauthenticate } from './views/second-factor-reauthenticate.ts';
import { renderSecondFactorSettings, type PasskeySummary } from './views/second-factor-settings.ts';
import { renderTOTPEnrolment } from './views/second-factor-totp.ts';
import { renderWebAuthnPrompt } from './views/second-factor-webauthn.ts';
import { SIGN_IN_FAILED } from './views/sign-in.ts';

export const SETTINGS_PATH = '/settings';

/** The form targets under /settings (besides the per-passkey ones, PASSKEY_PATH). */
export const SETTINGS_PATHS = {
  reauth: '/settings/reauth',
  addTOTP: '/settings/totp/add',
  confirmTOTP: '/settings/totp/confirm',
  removeTOTP: '/settings/totp/remove',
  /** The passkey registration page; its script fetches passkeyOptions and posts to addPasskey. */
  registerPasskey: '/settings/webauthn/register',
  passkeyOptions: '/settings/webauthn/options',
  addPasskey: '/settings/webauthn/add',
  preferred: '/settings/preferred',
} as const;

const PASSKEY_PATH = /^\/settings\/webauthn\/([1-9][0-9]{0,14})\/(rename|remove)$/;
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** One request of a signed-in user to a settings route. */
interface Visit {
  readonly options: InteractionOptions;
  readonly ctx: Context;
  /** The oidc-provider session id (jti): what CSRF tokens and the elevation are bound to. */
  readonly sessionID: string;
  readonly subject: string;
  readonly user: User;
}

/** A change to the second factors: only run with a live elevation. */
type Change = (visit: Visit, form: URLSearchParams, elevation: Elevation) => Promise<void> | void;

function csrfFor(visit: Visit): string {
  return csrfToken(visit.options.csrfSecret, visit.sessionID);
}

function day(seconds: number): string {
  return DATE.format(new Date(seconds * 1000));
}

function backToSettings(ctx: Context): void {
  ctx.status = 303;
  ctx.redirect(SETTINGS_PATH);
}

/** Logs a completed change (who, which method, from where; never a secret) and goes back to the settings. */
function changed(visit: Visit, event: string, method: SecondFactorMethod): void {
  visit.options.context.logger.info({ subject: visit.subject, method, ip: visit.ctx.ip }, event);
  backToSettings(visit.ctx);
}

/** An error page (#error-message) with a way back to the settings. */
function refuse(visit: Visit, status: number, title: string, message: string): void {
  page(visit.ctx, status, renderError({ status, title, message, retryHref: SETTINGS_PATH, nonce: nonce(visit.ctx) }));
}

function notSignedIn(ctx: Context): void {
  page(ctx, 403, renderError({
    status: 403,
    title: 'Not signed in',
    message: 'Sign in through one of the applications that use this server, then come back here to manage your second factors.',
    hint: 'Your session may have ended, or you signed out.',
    nonce: nonce(ctx),
  }));
}

function unavailable(visit: Visit): void {
  refuse(visit, 403, 'Not available', 'This second-factor method is not enabled on this server.');
}

/** Registering a second factor proves possession of it: the outcome counts for regulation as a second factor does at sign-in. */
function recordRegistration(visit: Visit, kind: 'totp' | 'webauthn', successful: boolean): void {
  const { ctx, options } = visit;
  const attempt = { username: visit.user.username, ip: ctx.ip, kind, requestURI: ctx.path, requestMethod: ctx.method };
  if (successful) return options.regulator.recordSuccess(attempt);
  options.regulator.recordFailure(attempt);
  options.context.logger.info({ subject: visit.subject, ip: ctx.ip, kind }, 'second factor registration failed');
}

function reauthenticate(visit: Visit, error?: string): void {
  page(visit.ctx, error ? 401 : 200, renderReauthenticate({ action: SETTINGS_PATHS.reauth, csrfToken: csrfFor(visit), username: visit.user.username, error, nonce: nonce(visit.ctx) }));
}

function showSettings(visit: Visit): void {
  const { context } = visit.options;
  const { username, displayName } = visit.user;
  const totp = findTOTP(context.storage, username);
  const passkeys: PasskeySummary[] = listWebAuthnCredentials(context.storage, username).map((credential) => ({
    id: String(credential.id),
    description: credential.description,
    createdAt: day(credential.createdAt),
    lastUsedAt: credential.lastUsedAt === null ? undefined : day(credential.lastUsedAt),
  }));
  // The method sign-in asks for first, when it is one the user has.
  const first = firstMethod(context, username);
  const current = first !== undefined && enrolled(context, username)[first] ? first : undefined;
  page(visit.ctx, 200, renderSecondFactorSettings({
    username,
    displayName,
    totp: totp ? { enrolled: true, createdAt: day(totp.createdAt) } : { enrolled: false },
    passkeys,
    csrfToken: csrfFor(visit),
    actions: {
      addTOTP: SETTINGS_PATHS.addTOTP,
      removeTOTP: SETTINGS_PATHS.removeTOTP,
      addPasskey: SETTINGS_PATHS.registerPasskey,
      renamePasskey: (id) => `/settings/webauthn/${id}/rename`,
      removePasskey: (id) => `/settings/webauthn/${id}/remove`,
      preferred: { action: SETTINGS_PATHS.preferred, current },
    },
    nonce: nonce(visit.ctx),
  }));
}

/** GET /settings: the settings while the session is elevated, else the password re-entry. */
function show(visit: Visit): void {
  if (findElevation(visit.options.context.storage, visit.sessionID, visit.user.username)) return showSettings(visit);
  reauthenticate(visit);
}

/** POST /settings/reauth: the password again, regulated like sign-in; elevates the session. */
async function submitReauthentication(visit: Visit, form: URLSearchParams): Promise<void> {
  const { ctx, options } = visit;
  if (refuseWhenBanned(ctx, options.regulator, visit.user.username)) return;
  if (!(await passwordConfirmed(ctx, options, visit.user.username, form))) {
    options.context.logger.info({ subject: visit.subject, ip: ctx.ip }, 'settings password re-entry failed');
    return reauthenticate(visit, SIGN_IN_FAILED);
  }
  elevate(options.context.storage, visit.sessionID, visit.user.username, FRESH_FIRST_FACTOR);
  options.context.logger.info({ subject: visit.subject, ip: ctx.ip }, 'settings password re-entry succeeded');
  backToSettings(ctx);
}

function totpEnrolment(visit: Visit, enrolment: TOTPEnrolment, error?: string): void {
  page(visit.ctx, error ? 401 : 200, renderTOTPEnrolment({
    action: SETTINGS_PATHS.confirmTOTP, csrfToken: csrfFor(visit), secret: enrolment.secret, otpauthURI: enrolment.uri, qrSVG: enrolment.svg, error, nonce: nonce(visit.ctx),
  }));
}

async function addTOTP(visit: Visit): Promise<void> {
  const { config, storage } = visit.options.context;
  if (config.totp.disable) return unavailable(visit);
  const enrolment = await beginEnrolment(config.totp, visit.user.username);
  savePendingTOTPEnrolment(storage, visit.sessionID, JSON.stringify(enrolment));
  totpEnrolment(visit, enrolment);
}

async function confirmTOTP(visit: Visit, form: URLSearchParams, elevation: Elevation): Promise<void> {
  const { config, storage } = visit.options.context;
  if (config.totp.disable) return unavailable(visit);
  if (elevation.totpEnrolment === undefined) return backToSettings(visit.ctx);
  if (refuseWhenBanned(visit.ctx, visit.options.regulator, visit.user.username)) return;
  const enrolment = JSON.parse(elevation.totpEnrolment) as TOTPEnrolment;
  if (!confirmEnrolment(storage, config.totp, enrolment, field(form, FIELDS.code, 16))) {
    recordRegistration(visit, 'totp', false);
    return totpEnrolment(visit, enrolment, CODE_FAILED);
  }
  recordRegistration(visit, 'totp', true);
  savePendingTOTPEnrolment(storage, visit.sessionID, undefined);
  changed(visit, 'second factor added', 'totp');
}

function removeTOTP(visit: Visit): void {
  deleteTOTP(visit.options.context.storage, visit.user.username);
  changed(visit, 'second factor removed', 'totp');
}

function passkeyPage(visit: Visit, error?: string): void {
  page(visit.ctx, error ? 401 : 200, renderWebAuthnPrompt({
    optionsURL: SETTINGS_PATHS.passkeyOptions, verifyAction: SETTINGS_PATHS.addPasskey, csrfToken: csrfFor(visit), mode: 'register', error, otherMethods: [], nonce: nonce(visit.ctx),
  }));
}

function registerPasskeyPage(visit: Visit): void {
  if (visit.options.context.config.webauthn.disable) return unavailable(visit);
  passkeyPage(visit);
}

/** POST …/webauthn/options: registration options (the user's passkeys excluded); the challenge is kept for one use. */
async function passkeyOptions(visit: Visit): Promise<void> {
  const { context } = visit.options;
  if (context.config.webauthn.disable) {
    visit.ctx.status = 403;
    visit.ctx.body = { error: 'webauthn_disabled' };
    return;
  }
  const credentials = listWebAuthnCredentials(context.storage, visit.user.username);
  const { options, challenge } = await passkeyRegistrationOptions(context, visit.user, credentials);
  saveWebAuthnChallenge(context.storage, visit.sessionID, challenge, challengeExpiry(context));
  visit.ctx.body = options;
}

/** POST …/webauthn/add: verifies the new passkey against the session's challenge (taken, so used once) and stores it. */
async function addPasskey(visit: Visit, form: URLSearchParams): Promise<void> {
  const { context, regulator } = visit.options;
  if (context.config.webauthn.disable) return unavailable(visit);
  if (refuseWhenBanned(visit.ctx, regulator, visit.user.username)) return;
  const challenge = takeWebAuthnChallenge(context.storage, visit.sessionID);
  const response = postedCredential(form);
  const retry = (error: string): void => {
    recordRegistration(visit, 'webauthn', false);
    passkeyPage(visit, error);
  };
  if (challenge === undefined || response === undefined) return retry(PASSKEY_FAILED);
  try {
    if (!(await registerPasskey(context, visit.user.username, form, response, challenge))) return retry(PASSKEY_ALREADY_REGISTERED);
  } catch (error) {
    if (error instanceof WebAuthnError) return retry(PASSKEY_FAILED);
    throw error;
  }
  recordRegistration(visit, 'webauthn', true);
  changed(visit, 'second factor added', 'webauthn');
}

function noSuchPasskey(visit: Visit): void {
  refuse(visit, 404, 'Passkey not found', 'You have no passkey like this. It may have been removed already.');
}

function renamePasskey(visit: Visit, form: URLSearchParams, id: number): void {
  const description = field(form, FIELDS.description, PASSKEY_NAME_MAX_LENGTH).trim();
  if (description === '') return refuse(visit, 400, 'Invalid passkey name', `A passkey name has 1 to ${PASSKEY_NAME_MAX_LENGTH} characters.`);
  if (!renameWebAuthnCredential(visit.options.context.storage, { username: visit.user.username, id, description })) return noSuchPasskey(visit);
  changed(visit, 'passkey renamed', 'webauthn');
}

function removePasskey(visit: Visit, id: number): void {
  if (!deleteWebAuthnCredential(visit.options.context.storage, { username: visit.user.username, id })) return noSuchPasskey(visit);
  changed(visit, 'second factor removed', 'webauthn');
}

/** POST /settings/preferred: one of the enabled methods the user has set up. */
function choosePreferred(visit: Visit, form: URLSearchParams): void {
  const { context } = visit.options;
  const posted = field(form, FIELDS.method);
  const method = SECOND_FACTOR_METHODS.find((m) => m === posted);
  if (!method || !enabledMethods(context).includes(method) || !enrolled(context, visit.user.username)[method]) {
    return refuse(visit, 400, 'Method not set up', 'Choose a second-factor method you have set up.');
  }
  setPreferredMethod(context.storage, visit.user.username, method);
  changed(visit, 'preferred second factor changed', method);
}

const CHANGES: Readonly<Record<string, Change>> = {
  [SETTINGS_PATHS.addTOTP]: addTOTP,
  [SETTINGS_PATHS.confirmTOTP]: confirmTOTP,
  [SETTINGS_PATHS.removeTOTP]: removeTOTP,
  [SETTINGS_PATHS.registerPasskey]: registerPasskeyPage,
  [SETTINGS_PATHS.passkeyOptions]: passkeyOptions,
  [SETTINGS_PATHS.addPasskey]: addPasskey,
  [SETTINGS_PATHS.preferred]: choosePreferred,
};

/** The change a POST path names, or undefined when the path is not a settings route. */
function changeFor(path: string): Change | undefined {
  if (Object.hasOwn(CHANGES, path)) return CHANGES[path];
  const passkey = PASSKEY_PATH.exec(path);
  if (!passkey) return undefined;
  const id = Number(passkey[1]);
  return passkey[2] === 'rename' ? (visit, form) => renamePasskey(visit, form, id) : (visit) => removePasskey(visit, id);
}

/** A change without a live elevation: the options fetch gets JSON, forms go back to the password re-entry. */
function elevationRequired(visit: Visit): void {
  if (visit.ctx.path !== SETTINGS_PATHS.passkeyOptions) return backToSettings(visit.ctx);
  visit.ctx.status = 403;
  visit.ctx.body = { error: 'reauthentication_required' };
}

async function submit(visit: Visit, change: Change | undefined): Promise<void> {
  const form = await readForm(visit.ctx);
  if (visit.ctx.path === SETTINGS_PATHS.reauth) return submitReauthentication(visit, form);
  const elevation = findElevation(visit.options.context.storage, visit.sessionID, visit.user.username);
  if (!elevation) return elevationRequired(visit);
  await change?.(visit, form, elevation);
}

/**
 * Koa middleware for `/settings` and the forms under it; mount after securityHeaders (it reads the CSP
 * nonce), next to portalRoutes. Takes the same options as the interaction routes.
 */
export function settingsRoutes(options: InteractionOptions): (ctx: Context, next: Next) => Promise<void> {
  return async function settings(ctx: Context, next: Next): Promise<void> {
    const change = changeFor(ctx.path);
    if (ctx.path !== SETTINGS_PATH && ctx.path !== SETTINGS_PATHS.reauth && !change) return next();
    const session = await currentSession(options.provider, ctx);
    const user = session?.accountId ? await userForSubject(options.context, session.accountId) : undefined;
    if (!session?.accountId || !user) return notSignedIn(ctx);
    const visit: Visit = { options, ctx, sessionID: session.jti, subject: session.accountId, user };
    if (ctx.path === SETTINGS_PATH) {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') return show(visit);
      ctx.set('Allow', 'GET, HEAD');
      ctx.status = 405;
      return;
    }
    if (ctx.method !== 'POST') {
      ctx.set('Allow', 'POST');
      ctx.status = 405;
      return;
    }
    await requireCSRF({ secret: options.csrfSecret, binding: () => visit.sessionID })(ctx, () => submit(visit, change));
  };
}
