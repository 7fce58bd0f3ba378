// Direct LDAP sign-in with Kasm's LDAP configurations (kasm-saml-ldap.md §4.2): the enabled
// configurations the username's domain belongs to are tried in turn (a user already provisioned
// from one is checked against that one only); each searches for the login name, binds as the
// found entry with the password and reads its groups (nested ones included). The first that
// succeeds provisions the user (realm 'ldap') and syncs the SSO group mappings, whose
// group_attribute is a group's DN. Every refusal is the same RelyingPartyError ldap_login_failed
// ("Incorrect username or password."); its detail, for the log, says what each configuration found.
import { createDirectory, type Directory } from '../ldap/directory.ts';
import { LDAPError } from '../ldap/errors.ts';
import type { DirectoryGroup } from '../ldap/groups.ts';
import type { DirectoryUser } from '../ldap/users.ts';
import type { RelyingPartyLogger } from './callback.ts';
import type { AppGroup, UserField } from './config.ts';
import { RelyingPartyError } from './errors.ts';
import { DN_NORMAL_FORM } from './group-mappings.ts';
import { directoryOptions, type LDAPConfig } from './ldap-config.ts';
import { loginNameFor, normalizeUsername } from './ldap-username.ts';
import { LDAP_REALM, provision, type Provisioned, type UserStore } from './provisioning.ts';

export interface LDAPLoginOptions {
  /** Every LDAP configuration (disabled ones are never tried). */
  readonly configs: readonly LDAPConfig[];
  /** Application groups with their SSO mappings. */
  readonly groups?: readonly AppGroup[];
  readonly store: UserStore;
  readonly logger?: RelyingPartyLogger;
}

export interface LDAPLoginResult extends Provisioned {
  /** The id of the configuration that signed the user in. */
  readonly providerID: string;
  /** The user's entry in the directory. */
  readonly dn: string;
  /** The user's directory groups, nested ones included. */
  readonly directoryGroups: readonly DirectoryGroup[];
}

export interface LDAPLogin {
  /** Whether some enabled configuration accepts the username's form (its domain); no directory is asked. */
  accepts(username: string): boolean;
  /** Signs `username` in with `password`; throws RelyingPartyError ldap_login_failed. */
  login(username: string, password: string): Promise<LDAPLoginResult>;
  /** Closes every directory's connections. */
  close(): Promise<void>;
}

/** The first value of `attribute` in the entry (attribute names compare case-insensitively). */
function firstValue(user: DirectoryUser, attribute: string): string | undefined {
  const wanted = attribute.toLowerCase();
  const found = Object.entries(user.attributes).find(([name]) => name.toLowerCase() === wanted)?.[1][0];
  return found === '' ? undefined : found;
}

/** The user fields the configuration fills: email from email_attribute, then the attribute mappings. */
export function userFields(config: LDAPConfig, user: DirectoryUser): Partial<Record<UserField, string>> {
  const fields: Partial<Record<UserField, string>> = {};
  const email = user.emails[0];
  if (config.email_attribute !== undefined && email !== undefined && email !== '') fields.email = email;
  for (const [attribute, field] of Object.entries(config.attribute_mappings)) {
    const value = firstValue(user, attribute);
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

function refused(detail: string, cause?: unknown): RelyingPartyError {
  return new RelyingPartyError('ldap_login_failed', { detail, cause });
}

export function createLDAPLogin(options: LDAPLoginOptions): LDAPLogin {
  const enabled = options.configs.filter((config) => config.enabled);
  const directories = new Map<string, Directory>();
  const logger = options.logger;

  /** Opened at first use, then kept: its pool of service-bound connections serves every later sign-in. */
  function directory(config: LDAPConfig): Directory {
    let found = directories.get(config.id);
    if (found === undefined) {
      found = createDirectory(directoryOptions(config, { warn: (message) => logger?.warn({ provider: config.id }, message) }));
      directories.set(config.id, found);
    }
    return found;
  }

  /** The configurations to try, with the login name each searches for. */
  function candidates(username: string, providerID?: string): { config: LDAPConfig; loginName: string }[] {
    return enabled.flatMap((config) => {
      if (providerID !== undefined && config.id !== providerID) return [];
      const loginName = loginNameFor(config, username);
      return loginName === undefined ? [] : [{ config, loginName }];
    });
  }

  async function attempt(username: string, password: string): Promise<LDAPLoginResult> {
    if (username === '' || password === '') throw refused(`an empty ${username === '' ? 'username' : 'password'} was refused before any directory was asked`);
    const existing = await options.store.findUser(username);
    if (existing !== undefined && existing.realm !== LDAP_REALM) throw refused(`user '${username}' belongs to realm '${existing.realm}', not to LDAP: no directory was asked`);
    const tried = candidates(username, existing?.providerID);
    if (tried.length === 0) {
      throw refused(existing === undefined
        ? `no enabled LDAP configuration accepts '${username}' (its domain matches neither a search base's DC= parts nor a username_domain_match)`
        : `user '${username}' belongs to the LDAP configuration '${existing.providerID ?? '?'}', which is disabled, not configured, or no longer accepts this username`);
    }
    const failures: string[] = [];
    for (const { config, loginName } of tried) {
      let found: { user: DirectoryUser; groups: DirectoryGroup[] };
      try {
        found = await directory(config).authenticate(loginName, password);
      } catch (error) {
        if (!(error instanceof LDAPError)) throw error;
        failures.push(`ldap '${config.id}' (${loginName}): ${error.code}: ${error.message}`);
        continue;
      }
      const identity = { subject: found.user.dn, username, groups: found.groups.map((group) => group.dn), fields: userFields(config, found.user) };
      let provisioned: Provisioned;
      try {
        provisioned = await provision({ realm: LDAP_REALM, providerID: config.id, autoCreate: config.auto_create_app_user, autoCreateKey: 'auto_create_app_user', normalizeGroups: DN_NORMAL_FORM }, identity, options.store, options.groups ?? []);
      } catch (error) {
        if (!(error instanceof RelyingPartyError)) throw error;
        throw refused(`ldap '${config.id}' verified ${found.user.dn}, but ${error.code}: ${error.detail ?? error.message}`, error);
      }
      logger?.info({ provider: config.id, username, dn: found.user.dn, created: provisioned.created, joined: provisioned.groupChange.joined, left: provisioned.groupChange.left }, 'LDAP login');
      return { ...provisioned, providerID: config.id, dn: found.user.dn, directoryGroups: found.groups };
    }
    throw refused(failures.join('; '));
  }

  /** Refusals are logged here, with the precise reason, so every application gets them. */
  async function login(typed: string, password: string): Promise<LDAPLoginResult> {
    const username = normalizeUsername(typed);
    try {
      return await attempt(username, password);
    } catch (error) {
      if (error instanceof RelyingPartyError) logger?.warn({ code: error.code, username, detail: error.detail }, 'LDAP login refused');
      throw error;
    }
  }

  return {
    accepts: (typed) => candidates(normalizeUsername(typed)).length > 0,
    login,
    async close() {
      const open = [...directories.values()];
      directories.clear();
      await Promise.all(open.map((d) => d.close()));
    },
  };
}
