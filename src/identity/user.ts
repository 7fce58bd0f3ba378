// What every authentication backend (file, later LDAP) hands to the rest of Castellan: a user's
// identity and profile, and the three operations the portal and the OIDC layer need. A backend
// never returns a password or a digest, and answers "no such user" the same way for every failure.

/** The postal address of OIDC Core §5.1.1, as Authelia 4.39's users file holds it. */
export interface UserAddress {
  readonly streetAddress?: string;
  readonly locality?: string;
  readonly region?: string;
  readonly postalCode?: string;
  readonly country?: string;
}

export interface User {
  /** The account's canonical name as the backend stores it (not necessarily as it was typed). */
  readonly username: string;
  readonly displayName: string;
  /** The first one is the primary address (the `email` claim); the file backend holds at most one. */
  readonly emails: readonly string[];
  readonly groups: readonly string[];
  /** Always false for users returned by authenticate and lookup (a disabled account is not found). */
  readonly disabled: boolean;
  // Optional profile attributes (Authelia 4.39, OIDC Core §5.1 standard claims).
  readonly givenName?: string;
  readonly middleName?: string;
  readonly familyName?: string;
  readonly nickname?: string;
  readonly gender?: string;
  readonly birthdate?: string;
  /** Absolute URLs. */
  readonly website?: string;
  readonly profile?: string;
  readonly picture?: string;
  readonly zoneinfo?: string;
  /** A canonical BCP 47 language tag, e.g. 'en-US'. */
  readonly locale?: string;
  readonly phoneNumber?: string;
  readonly phoneExtension?: string;
  readonly address?: UserAddress;
  /** Values of `authentication_backend.file.extra_attributes`, already type-checked. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface AuthenticationBackend {
  /**
   * The user when `password` is right for the account `username` names; undefined for an unknown
   * user, a wrong or empty password and a disabled account alike, after about the same work.
   */
  authenticate(username: string, password: string): Promise<User | undefined>;
  /** The user a login name resolves to (as authenticate resolves it), or undefined; no password check. */
  lookup(username: string): Promise<User | undefined>;
  /** Releases watchers and other resources; the backend must not be used afterwards. */
  close(): Promise<void>;
}
