// What a directory is configured with, in the LDAP core's own terms (the provider maps Authelia's
// `authentication_backend.ldap` onto it, the Workspaces module Kasm's LDAP config), and the
// checked, defaulted form every lookup works from.
import type { ConnectionOptions, LDAPLogger } from './connection.ts';
import { joinDN } from './dn.ts';
import { LDAPError } from './errors.ts';
import { ATTRIBUTE_DESCRIPTION, parseDN, parseFilter, placeholdersIn, type Placeholder } from './escape.ts';
import type { PoolOptions } from './pool.ts';

/** Attribute names (Authelia's `attributes.*`). */
export interface DirectoryAttributes {
  /** `{distinguished_name_attribute}` and `{memberof:dn}` (AD: distinguishedName). */
  readonly distinguishedName?: string;
  readonly username: string;
  readonly displayName?: string;
  readonly mail?: string;
  /** The user's (and group's) back-link to its groups; needed by group_search_mode memberof. */
  readonly memberOf?: string;
  /** The group attribute that names a group (cn). */
  readonly groupName: string;
}

export interface NestedGroupOptions {
  /** Resolve groups of groups, so a member of a member counts (AD semantics). True unless set. */
  readonly enabled?: boolean;
  /** How many levels of nesting are followed (10 unless set); deeper ones are reported, not followed. */
  readonly maxDepth?: number;
  /**
   * When a filter uses LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941) and the server does
   * not support it: expand it client-side (true, the default) or fail with IN_CHAIN_UNSUPPORTED.
   */
  readonly emulateInChain?: boolean;
  /** Attributes that list a group's members (forward links): member and uniqueMember unless set. */
  readonly memberAttributes?: readonly string[];
}

export interface DirectoryOptions {
  readonly connection: ConnectionOptions;
  readonly baseDN: string;
  /** Prefixed to baseDN for user searches (Authelia additional_users_dn). */
  readonly additionalUsersDN?: string;
  /** Prefixed to baseDN for group searches (Authelia additional_groups_dn). */
  readonly additionalGroupsDN?: string;
  /** The users filter template: Authelia placeholders or Kasm's `{0}` (the login name). */
  readonly usersFilter: string;
  /** 'sub' (default) or 'one' (Kasm search_subtree: false). */
  readonly usersScope?: 'sub' | 'one';
  /** The groups filter template: `{dn}`/`{username}`/`{memberof:…}` or Kasm's `{0}` (the user's DN). None: no groups. */
  readonly groupsFilter?: string;
  readonly groupSearchMode?: 'filter' | 'memberof';
  readonly attributes: DirectoryAttributes;
  /** More user attributes to fetch (profile claims, Kasm attribute mappings). */
  readonly extraUserAttributes?: readonly string[];
  /** The account searches run as; none: anonymous (only with permitUnauthenticatedBind). */
  readonly serviceAccount?: { readonly dn: string; readonly password: string };
  /** Allows an anonymous service connection, or a service DN with an empty password. */
  readonly permitUnauthenticatedBind?: boolean;
  /** Follow search continuation references (one hop) with the service account. */
  readonly permitReferrals?: boolean;
  readonly nestedGroups?: NestedGroupOptions;
  readonly pool?: Omit<PoolOptions, 'connection' | 'bind'>;
  /** The clock of `{date-time:…}` (tests). */
  readonly now?: () => Date;
  readonly logger?: LDAPLogger;
}

export interface ResolvedAttributes {
  readonly distinguishedName: string | undefined;
  readonly username: string;
  readonly displayName: string | undefined;
  readonly mail: string | undefined;
  readonly memberOf: string | undefined;
  readonly groupName: string;
}

/** The checked form of DirectoryOptions, plus the state lookups share (feature detection). */
export interface DirectoryContext {
  readonly connection: ConnectionOptions;
  readonly bind: { readonly dn: string; readonly password: string } | undefined;
  readonly baseDN: string;
  readonly usersBase: string;
  readonly groupsBase: string;
  readonly usersScope: 'sub' | 'one';
  readonly usersFilter: string;
  readonly groupsFilter: string | undefined;
  readonly groupSearchMode: 'filter' | 'memberof';
  readonly attributes: ResolvedAttributes;
  /** What a user search asks for. */
  readonly userAttributes: readonly string[];
  /** What a group search asks for. */
  readonly groupAttributes: readonly string[];
  readonly nested: { readonly enabled: boolean; readonly maxDepth: number; readonly emulateInChain: boolean; readonly memberAttributes: readonly string[] };
  readonly permitReferrals: boolean;
  readonly now: () => Date;
  readonly logger: LDAPLogger | undefined;
  /** Whether the server evaluates LDAP_MATCHING_RULE_IN_CHAIN; detected once, on first need. */
  inChain?: Promise<boolean>;
  /** Diagnostics already logged (each is logged once). */
  readonly logged: Set<string>;
}

function attribute(name: string | undefined, key: string, required: boolean): string | undefined {
  if (name === undefined || name === '') {
    if (required) throw new LDAPError('INVALID_OPTIONS', `attributes.${key}: must be set`);
    return undefined;
  }
  if (!ATTRIBUTE_DESCRIPTION.test(name)) throw new LDAPError('INVALID_OPTIONS', `attributes.${key}: must be an attribute name but is configured as '${name}'`);
  return name;
}

function checkDN(dn: string, key: string): void {
  try {
    parseDN(dn);
  } catch (error) {
    throw new LDAPError('INVALID_OPTIONS', `${key}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A template must parse once its placeholders hold harmless sample values. */
function checkTemplate(template: string, key: string): void {
  const sample = template.replace(/\{[a-z_:-]*\d?\}/g, (token) => (token.endsWith('_attribute}') ? 'cn' : token === '{memberof:dn}' || token === '{memberof:rdn}' ? '(cn=x)' : 'x'));
  try {
    parseFilter(sample.trim().startsWith('(') ? sample : `(${sample})`);
  } catch (error) {
    throw new LDAPError('INVALID_OPTIONS', `${key}: must be a valid LDAP filter but is configured as '${template}' (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The attribute each `{…_attribute}` placeholder (and `{memberof:dn}`) needs configured. */
const PLACEHOLDER_ATTRIBUTES: Readonly<Partial<Record<Placeholder, keyof ResolvedAttributes>>> = {
  username_attribute: 'username', mail_attribute: 'mail', display_name_attribute: 'displayName',
  member_of_attribute: 'memberOf', distinguished_name_attribute: 'distinguishedName', 'memberof:dn': 'distinguishedName',
};

/** Placeholders a users filter cannot have a value for (they describe a found user). */
const USER_ONLY: readonly Placeholder[] = ['username', 'dn', 'memberof:dn', 'memberof:rdn'];

const ATTRIBUTE_KEYS: Readonly<Record<keyof ResolvedAttributes, string>> = {
  distinguishedName: 'distinguished_name', username: 'username', displayName: 'display_name', mail: 'mail', memberOf: 'member_of', groupName: 'group_name',
};

/** Every placeholder of `template` must have a value where it is used, and its attribute configured. */
function checkPlaceholders(template: string, key: string, attributes: ResolvedAttributes, unavailable: readonly Placeholder[]): void {
  for (const placeholder of placeholdersIn(template)) {
    if (unavailable.includes(placeholder)) throw new LDAPError('INVALID_OPTIONS', `${key}: cannot use {${placeholder}} (it has no value there) but is configured as '${template}'`);
    const needed = PLACEHOLDER_ATTRIBUTES[placeholder];
    if (needed !== undefined && attributes[needed] === undefined) throw new LDAPError('INVALID_OPTIONS', `${key}: uses {${placeholder}}, so attributes.${ATTRIBUTE_KEYS[needed]} must be set`);
  }
}

/** Checks the options and fills in defaults; throws INVALID_OPTIONS naming the first bad key. */
export function resolveOptions(options: DirectoryOptions): DirectoryContext {
  checkDN(options.baseDN, 'base_dn');
  const usersBase = joinDN(options.additionalUsersDN, options.baseDN);
  const groupsBase = joinDN(options.additionalGroupsDN, options.baseDN);
  checkDN(usersBase, 'additional_users_dn');
  checkDN(groupsBase, 'additional_groups_dn');
  const mode = options.groupSearchMode ?? 'filter';
  const a = options.attributes;
  const attributes: ResolvedAttributes = {
    distinguishedName: attribute(a.distinguishedName, 'distinguished_name', false),
    username: attribute(a.username, 'username', true)!,
    displayName: attribute(a.displayName, 'display_name', false),
    mail: attribute(a.mail, 'mail', false),
    memberOf: attribute(a.memberOf, 'member_of', mode === 'memberof'),
    groupName: attribute(a.groupName, 'group_name', true)!,
  };
  checkTemplate(options.usersFilter, 'users_filter');
  checkPlaceholders(options.usersFilter, 'users_filter', attributes, USER_ONLY);
  if (![...placeholdersIn(options.usersFilter)].some((p) => p === 'input' || p === '0')) {
    throw new LDAPError('INVALID_OPTIONS', `users_filter: must contain {input} (or Kasm's {0}) but is configured as '${options.usersFilter}'`);
  }
  if (options.groupsFilter !== undefined) {
    checkTemplate(options.groupsFilter, 'groups_filter');
    checkPlaceholders(options.groupsFilter, 'groups_filter', attributes, []);
    const used = placeholdersIn(options.groupsFilter);
    if (mode === 'memberof' && !used.has('memberof:dn') && !used.has('memberof:rdn')) {
      throw new LDAPError('INVALID_OPTIONS', `groups_filter: must contain {memberof:dn} or {memberof:rdn} when group_search_mode is 'memberof' but is configured as '${options.groupsFilter}'`);
    }
  }
  const extra = (options.extraUserAttributes ?? []).map((name, i) => attribute(name, `extra[${i}]`, true)!);
  const service = options.serviceAccount;
  if (service !== undefined) checkDN(service.dn, 'user');
  if ((service === undefined || service.password === '') && options.permitUnauthenticatedBind !== true) {
    throw new LDAPError('INVALID_OPTIONS', service === undefined
      ? 'user: must be set (the service account), or permit_unauthenticated_bind must be true for anonymous searches'
      : `password: must be set for the service account '${service.dn}', or permit_unauthenticated_bind must be true`);
  }
  const memberAttributes = (options.nestedGroups?.memberAttributes ?? ['member', 'uniqueMember']).map((name, i) => attribute(name, `member_attributes[${i}]`, true)!);
  const unique = (names: (string | undefined)[]): string[] => [...new Map(names.filter((n): n is string => n !== undefined).map((n) => [n.toLowerCase(), n])).values()];
  return {
    // The directory's logger also carries the connection's warnings (skip verify) unless it has its own.
    connection: options.connection.logger === undefined && options.logger !== undefined ? { ...options.connection, logger: options.logger } : options.connection,
    bind: service === undefined || service.dn === '' ? undefined : service,
    baseDN: options.baseDN,
    usersBase,
    groupsBase,
    usersScope: options.usersScope ?? 'sub',
    usersFilter: options.usersFilter,
    groupsFilter: options.groupsFilter,
    groupSearchMode: mode,
    attributes,
    userAttributes: unique([attributes.username, attributes.displayName, attributes.mail, attributes.memberOf, attributes.distinguishedName, ...extra]),
    groupAttributes: unique([attributes.groupName, attributes.memberOf]),
    nested: {
      enabled: options.nestedGroups?.enabled ?? true,
      maxDepth: Math.max(1, options.nestedGroups?.maxDepth ?? 10),
      emulateInChain: options.nestedGroups?.emulateInChain ?? true,
      memberAttributes,
    },
    permitReferrals: options.permitReferrals === true,
    now: options.now ?? (() => new Date()),
    logger: options.logger,
    logged: new Set(),
  };
}
