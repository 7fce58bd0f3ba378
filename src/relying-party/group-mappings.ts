// SSO group mappings and group priority with Kasm's semantics. At every login, for each application
// group with at least one mapping for this provider: the user joins when a mapping assigns all users or
// names one of the user's provider groups (exact match, case-insensitive), and leaves otherwise. Groups
// with no mapping for this provider are left alone. Settings come from the lowest priority number.
// An LDAP provider's groups are DNs, compared in their normal form (case and spacing do not count).
import { normalizeDN } from '../ldap/dn.ts';
import type { AppGroup, SettingValue } from './config.ts';

/** The form in which a mapping's group_attribute and the provider's groups are compared. */
export type GroupNormalizer = (group: string) => string;

/** OpenID (and Kasm's) rule: exact, case-insensitive. */
export const CASE_INSENSITIVE: GroupNormalizer = (group) => group.toLowerCase();

/** LDAP: a group attribute is the group's DN (`CN=kasm_group_1, OU=MyOrg,…` equals `cn=kasm_group_1,ou=myorg,…`). */
export const DN_NORMAL_FORM: GroupNormalizer = normalizeDN;

export interface GroupChange {
  /** The user's application groups after the login. */
  readonly groups: readonly string[];
  readonly joined: readonly string[];
  readonly left: readonly string[];
}

/** Whether the mappings of `group` for `providerID` put a user with `providerGroups` in it; undefined when it has none. */
/** `providerGroups` must already be in `normalize`'s form. */
export function mappedMembership(group: AppGroup, providerID: string, providerGroups: ReadonlySet<string>, normalize: GroupNormalizer = CASE_INSENSITIVE): boolean | undefined {
  const mappings = group.sso_mappings.filter((mapping) => mapping.provider === providerID);
  if (mappings.length === 0) return undefined;
  return mappings.some((mapping) => mapping.assign_all_users === true || providerGroups.has(normalize(mapping.group_attribute)));
}

export function syncGroups(groups: readonly AppGroup[], providerID: string, current: readonly string[], providerGroups: readonly string[], normalize: GroupNormalizer = CASE_INSENSITIVE): GroupChange {
  const normalized = new Set(providerGroups.map(normalize));
  const joined: string[] = [];
  const left: string[] = [];
  for (const group of groups) {
    const member = mappedMembership(group, providerID, normalized, normalize);
    if (member === true && !current.includes(group.name)) joined.push(group.name);
    if (member === false && current.includes(group.name)) left.push(group.name);
  }
  return { groups: [...current.filter((name) => !left.includes(name)), ...joined], joined, left };
}

export interface EffectiveSetting {
  readonly value: SettingValue;
  /** The group it comes from. */
  readonly group: string;
}

/**
 * For each setting any of the user's groups defines, the value of the group with the lowest priority
 * number; on a tie, the group listed first in the configuration.
 */
export function effectiveSettings(groups: readonly AppGroup[], memberOf: readonly string[]): Record<string, EffectiveSetting> {
  const ranked = groups
    .map((group, order) => ({ group, order }))
    .filter(({ group }) => memberOf.includes(group.name))
    .sort((a, b) => a.group.priority - b.group.priority || a.order - b.order);
  const settings: Record<string, EffectiveSetting> = {};
  for (const { group } of ranked) {
    for (const [name, value] of Object.entries(group.settings)) if (!Object.hasOwn(settings, name)) settings[name] = { value, group: group.name };
  }
  return settings;
}
