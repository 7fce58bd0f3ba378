// Which LDAP configurations a typed username belongs to, and the login name each searches for, as
// Kasm decides it: the username is trimmed and lower-cased; `user@domain` belongs to a configuration
// whose search base spells that domain in its DC= parts (DC=kasm,DC=core → kasm.core) or whose
// username_domain_match lists it, and {0} is then `user` (sAMAccountName has no domain); a username
// without a domain belongs only where username_domain_match has '*', and {0} is all of it.
import { domainOfDN } from '../ldap/dn.ts';
import type { LDAPConfig } from './ldap-config.ts';

/** Kasm's username rule, for every realm. */
export function normalizeUsername(typed: string): string {
  return typed.trim().toLowerCase();
}

/** The domains `user@domain` may use with this configuration: the search base's, then the alternate ones. */
export function loginDomains(config: LDAPConfig): string[] {
  const own = domainOfDN(config.search_base);
  return [...new Set([...(own === '' ? [] : [own]), ...config.username_domain_match.filter((domain) => domain !== '*')])];
}

/** The login name ({0}) `username` (already normalized) searches for in `config`, or undefined when it does not belong there. */
export function loginNameFor(config: LDAPConfig, username: string): string | undefined {
  const at = username.lastIndexOf('@');
  if (at < 0) return username !== '' && config.username_domain_match.includes('*') ? username : undefined;
  const local = username.slice(0, at);
  return local !== '' && loginDomains(config).includes(username.slice(at + 1)) ? local : undefined;
}

/** How to sign in with `config`, for messages: `user@kasm.core`, `user@other.com` or `user`. */
export function loginForms(config: LDAPConfig): string[] {
  return [...loginDomains(config).map((domain) => `user@${domain}`), ...(config.username_domain_match.includes('*') ? ['user'] : [])];
}
