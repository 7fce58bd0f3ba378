// Claims per scope (Authelia's table, reference §5.3) and a user's claims. With
// conformIdTokenClaims off, the claims of granted scopes go in the ID token and in userinfo,
// which is what Kasm, Grafana and MinIO expect (Authelia 4.38 behaviour).
import type { User } from '../identity/user.ts';

export const SCOPE_CLAIMS = {
  // amr comes from the sign-in (RFC 8176), not the account: listed here so ID tokens carry it.
  openid: ['sub', 'amr'],
  profile: ['name', 'preferred_username', 'given_name', 'family_name', 'middle_name', 'nickname', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified', 'alt_emails'],
  groups: ['groups'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

type Claims = Record<string, unknown> & { sub: string };

function defined(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined && v !== ''));
}

export function accountClaims(subject: string, user: User): Claims {
  const [email, ...altEmails] = user.emails;
  const address = user.address
    ? defined({ street_address: user.address.streetAddress, locality: user.address.locality, region: user.address.region, postal_code: user.address.postalCode, country: user.address.country })
    : undefined;
  const phone = user.phoneNumber ? (user.phoneExtension ? `${user.phoneNumber} ext. ${user.phoneExtension}` : user.phoneNumber) : undefined;
  return {
    sub: subject,
    ...defined({
      name: user.displayName,
      preferred_username: user.username,
      given_name: user.givenName,
      family_name: user.familyName,
      middle_name: user.middleName,
      nickname: user.nickname,
      profile: user.profile,
      picture: user.picture,
      website: user.website,
      gender: user.gender,
      birthdate: user.birthdate,
      zoneinfo: user.zoneinfo,
      locale: user.locale,
      email,
      email_verified: email === undefined ? undefined : true,
      alt_emails: altEmails.length > 0 ? altEmails : undefined,
      address: address && Object.keys(address).length > 0 ? address : undefined,
      phone_number: phone,
      phone_number_verified: phone === undefined ? undefined : true,
    }),
    groups: [...user.groups],
  };
}

// Claims about the authentication itself, never gated by a scope (OIDC Core §2, §5.5.1).
const PROTOCOL_CLAIMS = new Set(['sub', 'auth_time', 'acr', 'amr', 'sid', 'iss']);

/**
 * Splits claims asked for with the `claims` parameter into those the granted scopes allow and the
 * rest: the parameter may pick claims within the consented scopes, never widen them.
 */
export function claimsWithinScopes(requested: readonly string[], scopes: readonly string[]): { allowed: string[]; rejected: string[] } {
  const permitted = new Set<string>([...PROTOCOL_CLAIMS, ...scopes.flatMap((s) => (SCOPE_CLAIMS as Record<string, readonly string[]>)[s] ?? [])]);
  const unique = [...new Set(requested)];
  return { allowed: unique.filter((c) => permitted.has(c)), rejected: unique.filter((c) => !permitted.has(c)) };
}
