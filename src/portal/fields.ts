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
} as const;

/** The value a ticked portal checkbox sends. */
export const CHECKED = 'true';
