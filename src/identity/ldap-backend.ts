// `authentication_backend.ldap`: users from a directory through the LDAP core (src/ldap). A sign-in
// is a user search with the configured filter, a bind as the found DN with the password, and a group
// search; every failure is logged with the core's precise message (never the password) and answered
// as "no such user", so the portal shows its one generic failure. lookup re-reads the user and its
// groups without a password, for the refresh of live sessions.
import { LDAPError } from '../ldap/errors.ts';
import { createDirectory, type Directory } from '../ldap/directory.ts';
import type { DirectoryGroup } from '../ldap/groups.ts';
import type { DirectoryUser } from '../ldap/users.ts';
import type { LDAPBackendConfig } from '../config/types.ts';
import type { BackendLogger } from './file-backend.ts';
import { ADDRESS_FIELDS, ldapBackendSettings, PROFILE_FIELDS, type ExtraAttribute, type LDAPBackendSettings, type ProfileKey } from './ldap-options.ts';
import type { AuthenticationBackend, User, UserAddress } from './user.ts';

export interface LDAPBackendOptions {
  readonly logger?: BackendLogger;
  /** The clock of `{date-time:…}` in filters (tests). */
  readonly now?: () => Date;
}

export interface LDAPBackend extends AuthenticationBackend {
  readonly directory: Directory;
}

/** Longer inputs are refused before any search: no directory holds such names or passwords. */
const MAX_INPUT_LENGTH = 1024;
const SILENT: BackendLogger = { info() {}, warn() {}, error() {} };

/**
 * Directories compare names ignoring case and insignificant spaces (RFC 4518), so `alice ` would
 * find alice under a regulation bucket of its own; such spellings are refused instead.
 */
function insignificantSpaces(input: string): boolean {
  return /^\s|\s$|\s{2}/.test(input);
}

/** Control characters shown escaped, so a login name with a line break cannot forge a log line. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The values of `attribute` in a found user (attribute names compare case-insensitively). */
function valuesOf(user: DirectoryUser, attribute: string): readonly string[] {
  const wanted = attribute.toLowerCase();
  for (const [name, values] of Object.entries(user.attributes)) if (name.toLowerCase() === wanted) return values;
  return [];
}

function typed(values: readonly string[], type: ExtraAttribute['valueType']): unknown[] {
  if (type === 'string') return [...values];
  if (type === 'integer') return values.filter((v) => /^-?\d+$/.test(v.trim())).map((v) => Number(v.trim()));
  // LDAP's Boolean syntax is TRUE or FALSE (RFC 4517 §3.3.3).
  return values.map((v) => v.trim().toUpperCase()).filter((v) => v === 'TRUE' || v === 'FALSE').map((v) => v === 'TRUE');
}

/** Unique group names in the order found (direct groups first). */
function groupNames(groups: readonly DirectoryGroup[]): string[] {
  return [...new Set(groups.map((group) => group.name))];
}

/** The User a directory entry and its groups make: claims preferred_username, name, email, groups and the profile. */
export function userFromDirectory(settings: Pick<LDAPBackendSettings, 'profile' | 'extra'>, user: DirectoryUser, groups: readonly DirectoryGroup[]): User {
  const first = (key: ProfileKey): string | undefined => {
    const attribute = settings.profile[key];
    const value = attribute === undefined ? undefined : valuesOf(user, attribute)[0];
    return value === undefined || value === '' ? undefined : value;
  };
  const profile: Record<string, string> = {};
  for (const [key, field] of Object.entries(PROFILE_FIELDS)) {
    const value = first(key as ProfileKey);
    if (value !== undefined) profile[field] = value;
  }
  const address: Record<string, string> = {};
  for (const [key, field] of Object.entries(ADDRESS_FIELDS)) {
    const value = first(key as ProfileKey);
    if (value !== undefined) address[field] = value;
  }
  const extra: Record<string, unknown> = {};
  for (const e of settings.extra) {
    const values = typed(valuesOf(user, e.attribute), e.valueType);
    if (e.multiValued) extra[e.name] = values;
    else if (values.length > 0) extra[e.name] = values[0];
  }
  return {
    username: user.username,
    displayName: user.displayName,
    emails: user.emails.filter((email) => email !== ''),
    groups: groupNames(groups),
    disabled: false,
    ...profile,
    ...(Object.keys(address).length > 0 ? { address: address as UserAddress } : {}),
    ...(Object.keys(extra).length > 0 ? { extra: Object.freeze(extra) } : {}),
  };
}

/** Opens the directory's pool (no connection yet); throws an INVALID_OPTIONS LDAPError for unusable options. */
export function openLDAPBackend(config: LDAPBackendConfig, options: LDAPBackendOptions = {}): LDAPBackend {
  const logger = options.logger ?? SILENT;
  const settings = ldapBackendSettings(config, { logger, now: options.now });
  const directory = createDirectory(settings.directory);

  /** Runs a directory operation; a failure is logged precisely and becomes undefined. */
  async function attempt(what: string, input: string, work: () => Promise<User>): Promise<User | undefined> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof LDAPError) {
        // USER_NOT_FOUND on a lookup is a session whose user left the directory (or its filter).
        logger.warn(printable(`LDAP ${what} of '${input}' failed (${error.code}): ${error.message}`));
      } else {
        logger.error(printable(`LDAP ${what} of '${input}' failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`));
      }
      return undefined;
    }
  }

  return {
    directory,
    async authenticate(username, password) {
      if (typeof username !== 'string' || typeof password !== 'string') return undefined;
      if (username === '' || password === '' || username.length > MAX_INPUT_LENGTH || password.length > MAX_INPUT_LENGTH) return undefined;
      if (insignificantSpaces(username)) {
        logger.warn(printable(`LDAP sign-in of '${username}' refused: leading, trailing or repeated spaces (the directory would ignore them)`));
        return undefined;
      }
      return attempt('sign-in', username, async () => {
        const found = await directory.authenticate(username, password);
        return userFromDirectory(settings, found.user, found.groups);
      });
    },
    async lookup(username) {
      if (typeof username !== 'string' || username === '' || username.length > MAX_INPUT_LENGTH || insignificantSpaces(username)) return undefined;
      return attempt('lookup', username, async () => {
        const user = await directory.findUser(username);
        return userFromDirectory(settings, user, await directory.groupsOf(user));
      });
    },
    close: () => directory.close(),
  };
}
