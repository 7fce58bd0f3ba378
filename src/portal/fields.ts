// The names of the portal's form fields, shared by the views that render them and the routes that parse
// them, so a rename cannot leave one side behind.

export const FIELDS = {
  /** The synchronizer token on every portal form (see csrf.ts). */
  csrf: 'csrf_token',
  username: 'username',
  password: 'password',
  /** Sign-in "Remember me"; sent as "true" when ticked, absent otherwise. */
  rememberMe: 'remember_me',
  /** Consent: "accept" or "deny" (from the button pressed). */
  decision: 'decision',
  /** Consent "Remember consent"; sent as "true" when ticked, absent otherwise. */
  remember: 'remember',
  /** oidc-provider's end-session anti-forgery field. */
  xsrf: 'xsrf',
  /** oidc-provider's end-session "sign out of everything" field, sent as "yes" by the sign-out button. */
  logout: 'logout',
  /** Second factor: the one-time code from an authenticator app (TOTP sign-in and enrolment). */
  code: 'code',
  /** WebAuthn: the PublicKeyCredential as JSON (base64url binary fields), posted by the passkey page's script. */
  credential: 'credential',
  /** WebAuthn: the name the user gives a passkey (registration and rename). */
  description: 'description',
  /** Second-factor settings: the preferred method, "totp" or "webauthn". */
  method: 'method',
} as const;

/** The longest passkey name the portal accepts; the inputs carry it as maxlength, routes pass it to field(). */
export const PASSKEY_NAME_MAX_LENGTH = 64;

/** The value a ticked portal checkbox sends. */
export const CHECKED = 'true';
