// Authelia's `authentication_backend.ldap` in the LDAP core's terms: the keys a configuration sets
// over its implementation's defaults (IMPLEMENTATION_DEFAULTS), as DirectoryOptions, plus which
// directory attributes fill which profile fields. Pure: nothing is opened or checked here beyond
// presence; the core's resolveOptions checks the result (at config load and again at open).
import type { LDAPAttribute, LDAPBackendConfig } from '../config/types.ts';
import type { LDAPLogger, TLSOptions } from '../ldap/connection.ts';
import { LDAPError } from '../ldap/errors.ts';
import { IMPLEMENTATION_DEFAULTS } from '../ldap/implementations.ts';
import type { DirectoryOptions } from '../ldap/options.ts';
import type { User, UserAddress } from './user.ts';

/** `attributes.*` profile keys (Authelia 4.39) and the User fields they fill. */
export const PROFILE_FIELDS = {
  given_name: 'givenName', middle_name: 'middleName', family_name: 'familyName', nickname: 'nickname', gender: 'gender',
  birthdate: 'birthdate', website: 'website', profile: 'profile', picture: 'picture', zoneinfo: 'zoneinfo', locale: 'locale',
  phone_number: 'phoneNumber', phone_extension: 'phoneExtension',
} as const satisfies Partial<Record<LDAPAttribute, keyof User>>;

/** `attributes.*` address keys and the UserAddress fields they fill (OIDC Core §5.1.1). */
export const ADDRESS_FIELDS = {
  street_address: 'streetAddress', locality: 'locality', region: 'region', postal_code: 'postalCode', country: 'country',
} as const satisfies Partial<Record<LDAPAttribute, keyof UserAddress>>;

export type ProfileKey = keyof typeof PROFILE_FIELDS | keyof typeof ADDRESS_FIELDS;
const PROFILE_KEYS = [...Object.keys(PROFILE_FIELDS), ...Object.keys(ADDRESS_FIELDS)] as ProfileKey[];

/** One `attributes.extra.<attribute>` entry, defaults applied. */
export interface ExtraAttribute {
  /** The directory attribute (the map key). */
  readonly attribute: string;
  /** The name in User.extra (`name`, else the map key). */
  readonly name: string;
  readonly valueType: 'string' | 'integer' | 'boolean';
  readonly multiValued: boolean;
}

export interface LDAPBackendSettings {
  readonly directory: DirectoryOptions;
  /** Profile key → directory attribute, for the keys configured or defaulted by the implementation. */
  readonly profile: Readonly<Partial<Record<ProfileKey, string>>>;
  readonly extra: readonly ExtraAttribute[];
  /** The configuration path (under the ldap block) of each of directory.extraUserAttributes, to place its errors. */
  readonly extraPaths: readonly (readonly string[])[];
}

export interface SettingsOptions {
  readonly logger?: LDAPLogger;
  /** The clock of `{date-time:…}` (tests). */
  readonly now?: () => Date;
}

/** Authelia leaves a key written as '' at its default. */
function set(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function required(value: string | undefined, key: string, why: string): string {
  if (value === undefined) throw new LDAPError('INVALID_OPTIONS', `${key}: is required: ${why}`);
  return value;
}

function tlsOptions(tls: LDAPBackendConfig['tls']): TLSOptions | undefined {
  if (tls === undefined) return undefined;
  return {
    skipVerify: tls.skip_verify === true,
    minimumVersion: tls.minimum_version ?? 'TLS1.2',
    serverName: set(tls.server_name),
    maximumVersion: set(tls.maximum_version),
    certificateChain: set(tls.certificate_chain),
    privateKey: set(tls.private_key),
  };
}

/**
 * The directory options and profile mapping of `config`; throws INVALID_OPTIONS naming the key
 * when address, base_dn or (for custom) a filter is missing.
 */
export function ldapBackendSettings(config: LDAPBackendConfig, options: SettingsOptions = {}): LDAPBackendSettings {
  const defaults = IMPLEMENTATION_DEFAULTS[config.implementation ?? 'custom'];
  const a = config.attributes ?? {};
  const d = defaults.attributes;
  const timeoutMs = Math.round((config.timeout ?? defaults.timeoutSeconds) * 1000);
  const url = required(set(config.address), 'address', "the directory's URL, e.g. 'ldaps://ldap.example.com'");
  const baseDN = required(set(config.base_dn), 'base_dn', "the DN every search starts from, e.g. 'DC=example,DC=com'");
  const usersFilter = required(set(config.users_filter) ?? defaults.usersFilter, 'users_filter', `implementation '${config.implementation}' has no default users filter`);
  const groupsFilter = required(set(config.groups_filter) ?? defaults.groupsFilter, 'groups_filter', `implementation '${config.implementation}' has no default groups filter`);

  const profile: Partial<Record<ProfileKey, string>> = {};
  for (const key of PROFILE_KEYS) {
    const attribute = set(a[key]) ?? d.profile?.[key];
    if (attribute !== undefined) profile[key] = attribute;
  }
  const extra: ExtraAttribute[] = Object.entries(a.extra ?? {}).map(([attribute, entry]) => ({
    attribute,
    name: set(entry.name) ?? attribute,
    valueType: entry.value_type ?? 'string',
    multiValued: entry.multi_valued === true,
  }));
  const extraPaths = [...Object.keys(profile).map((key) => ['attributes', key]), ...extra.map((e) => ['attributes', 'extra', e.attribute])];

  const user = set(config.user);
  const pooling = config.pooling;
  const directory: DirectoryOptions = {
    connection: { url, startTLS: config.start_tls === true, tls: tlsOptions(config.tls), connectTimeoutMs: timeoutMs, timeoutMs },
    baseDN,
    additionalUsersDN: set(config.additional_users_dn) ?? defaults.additionalUsersDN,
    additionalGroupsDN: set(config.additional_groups_dn) ?? defaults.additionalGroupsDN,
    usersFilter,
    groupsFilter,
    groupSearchMode: config.group_search_mode ?? defaults.groupSearchMode,
    attributes: {
      username: set(a.username) ?? d.username,
      groupName: set(a.group_name) ?? d.groupName,
      distinguishedName: set(a.distinguished_name) ?? d.distinguishedName,
      displayName: set(a.display_name) ?? d.displayName,
      mail: set(a.mail) ?? d.mail,
      memberOf: set(a.member_of) ?? d.memberOf,
    },
    extraUserAttributes: [...Object.values(profile), ...extra.map((e) => e.attribute)],
    serviceAccount: user === undefined ? undefined : { dn: user, password: config.password ?? '' },
    permitUnauthenticatedBind: config.permit_unauthenticated_bind === true,
    permitReferrals: config.permit_referrals === true,
    pool: {
      size: pooling?.count ?? defaults.pooling.count,
      retries: pooling?.retries ?? defaults.pooling.retries,
      acquireTimeoutMs: Math.round((pooling?.timeout ?? defaults.pooling.timeoutSeconds) * 1000),
    },
    now: options.now,
    logger: options.logger,
  };
  return { directory, profile, extra, extraPaths };
}
