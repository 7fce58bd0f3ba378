// Fields every parsed digest has; each algorithm module extends this with its own parameters.

export interface DigestBase<A extends string, V extends string> {
  readonly algorithm: A;
  readonly variant: V;
  /** The digest as stored, after LDAP-style prefixes such as `{CRYPT}` are removed. */
  readonly encoded: string;
}
