// Every way a sign-in through a provider can fail, as one error class with a stable code: the message
// is for the person signing in (it never holds tokens or provider internals), `detail` is for the log,
// and `retry` says whether starting the sign-in again can help.
import { PUBLIC_FAILURE } from '../ldap/errors.ts';

export const ERRORS = {
  unknown_provider: { status: 404, retry: false, message: 'This sign-in method does not exist or is turned off.' },
  state_missing: { status: 400, retry: true, message: 'This sign-in was not started in this browser, or it was already used. Please start again.' },
  state_invalid: { status: 400, retry: true, message: 'The sign-in could not be verified (its browser cookie was altered). Please start again.' },
  state_expired: { status: 400, retry: true, message: 'The sign-in took too long and expired. Please start again.' },
  state_mismatch: { status: 400, retry: true, message: 'The answer from the sign-in provider does not belong to the sign-in started in this browser. Please start again.' },
  callback_replayed: { status: 400, retry: true, message: 'This sign-in answer was already used. Please start again.' },
  provider_unreachable: { status: 502, retry: true, message: 'The sign-in provider cannot be reached right now. Please try again in a moment.' },
  provider_error: { status: 502, retry: true, message: 'The sign-in provider refused the sign-in.' },
  provider_rejected_client: { status: 502, retry: true, message: 'The sign-in provider does not accept this application’s credentials. Please tell an administrator.' },
  invalid_id_token: { status: 502, retry: true, message: 'The sign-in provider sent an identity that could not be verified.' },
  invalid_userinfo: { status: 502, retry: true, message: 'The sign-in provider sent user details that could not be verified.' },
  missing_username: { status: 502, retry: true, message: 'The sign-in provider did not say who you are (no username was sent). Please tell an administrator.' },
  missing_groups: { status: 502, retry: true, message: 'The sign-in provider did not send your groups. Please tell an administrator.' },
  user_does_not_exist: { status: 403, retry: false, message: 'There is no account for you here yet, and accounts are not created automatically. Please ask an administrator.' },
  user_realm_mismatch: { status: 403, retry: false, message: 'Your account here signs in another way, not with this provider.' },
  // Whatever failed (no such user, wrong password, directory down, not provisioned): one sentence, no enumeration.
  ldap_login_failed: { status: 401, retry: false, message: PUBLIC_FAILURE },
} as const satisfies Record<string, { status: number; retry: boolean; message: string }>;

export type RelyingPartyErrorCode = keyof typeof ERRORS;

export class RelyingPartyError extends Error {
  override readonly name = 'RelyingPartyError';
  readonly code: RelyingPartyErrorCode;
  /** HTTP status the error page answers with. */
  readonly status: number;
  /** Whether a new sign-in may succeed (the page then offers it). */
  readonly retry: boolean;
  /** The provider configuration involved, when known (the retry link starts it again). */
  readonly providerID: string | undefined;
  /** For the log only: what the provider or the library said. */
  readonly detail: string | undefined;

  constructor(code: RelyingPartyErrorCode, options: { providerID?: string | undefined; detail?: string | undefined; message?: string; cause?: unknown } = {}) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.retry = ERRORS[code].retry;
    this.providerID = options.providerID;
    this.detail = options.detail;
  }

  /** Where the person can start again (Kasm's direct login link), when a retry may help. */
  get retryURL(): string | undefined {
    return this.retry && this.providerID !== undefined ? `/api/sso_login?id=${encodeURIComponent(this.providerID)}` : undefined;
  }
}
