// Reads who signed in from the verified ID token, then userinfo (Kasm's order, without its unverified
// access-token peek): the username (trimmed and lower-cased, as Kasm does), the groups, and the user
// fields named by attribute mappings. A list value counts by its first element, as in Kasm.
import type { RelyingPartyConfig, UserField } from './config.ts';
import { RelyingPartyError } from './errors.ts';

export type Claims = Readonly<Record<string, unknown>>;

export interface Identity {
  /** The ID token's `sub`. */
  readonly subject: string;
  readonly username: string;
  /** The provider groups; undefined when the configuration names no groups_attribute. */
  readonly groups: readonly string[] | undefined;
  readonly fields: Readonly<Partial<Record<UserField, string>>>;
}

function claim(name: string, idToken: Claims, userinfo: Claims | undefined): unknown {
  return idToken[name] !== undefined ? idToken[name] : userinfo?.[name];
}

function scalar(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' || typeof first === 'number' || typeof first === 'boolean' ? String(first) : undefined;
}

export function readIdentity(config: RelyingPartyConfig, idToken: Claims & { sub: string }, userinfo: Claims | undefined): Identity {
  const username = scalar(claim(config.username_attribute, idToken, userinfo))?.trim().toLowerCase();
  if (!username) throw new RelyingPartyError('missing_username', { providerID: config.id, detail: `neither the ID token nor userinfo has a usable '${config.username_attribute}' claim` });
  let groups: string[] | undefined;
  if (config.groups_attribute !== undefined) {
    const value = claim(config.groups_attribute, idToken, userinfo);
    if (value === undefined || value === null) throw new RelyingPartyError('missing_groups', { providerID: config.id, detail: `neither the ID token nor userinfo has the '${config.groups_attribute}' claim (is the scope that grants it requested?)` });
    groups = (Array.isArray(value) ? value : [value]).map(scalar).filter((group): group is string => group !== undefined && group !== '');
  }
  const fields: Partial<Record<UserField, string>> = {};
  for (const [name, field] of Object.entries(config.attribute_mappings)) {
    const value = scalar(claim(name, idToken, userinfo));
    if (value !== undefined) fields[field] = value;
  }
  return { subject: idToken.sub, username, groups, fields };
}
