// Turns a verified identity into an application user through the store the application supplies:
// find, then create (only with auto_user_provision), refuse users of another realm or provider (as
// Kasm does), apply attribute mappings, and sync mapped groups. Everything is checked before the
// first write, so a refused login creates nothing.
import type { AppGroup, RelyingPartyConfig, UserField } from './config.ts';
import type { Identity } from './claims.ts';
import { RelyingPartyError } from './errors.ts';
import { syncGroups, type GroupChange } from './group-mappings.ts';

type Awaitable<T> = T | Promise<T>;

/** The realm of users this module creates; others (e.g. 'local', 'ldap', 'saml') are refused. */
export const OIDC_REALM = 'oidc';

export interface StoredUser {
  readonly username: string;
  /** 'local', 'oidc', … */
  readonly realm: string;
  /** For realm 'oidc': the id of the configuration that created the user. */
  readonly providerID?: string | undefined;
  readonly groups: readonly string[];
  readonly fields?: Readonly<Partial<Record<UserField, string>>>;
}

export interface NewUser {
  readonly username: string;
  readonly realm: typeof OIDC_REALM;
  readonly providerID: string;
  /** The provider's `sub`, for the application's records. */
  readonly subject: string;
  readonly fields: Readonly<Partial<Record<UserField, string>>>;
}

/** What the application implements; methods may be synchronous (better-sqlite3) or not. */
export interface UserStore {
  findUser(username: string): Awaitable<StoredUser | undefined>;
  createUser(user: NewUser): Awaitable<void>;
  updateUser(username: string, fields: Readonly<Partial<Record<UserField, string>>>): Awaitable<void>;
  setGroups(username: string, groups: readonly string[]): Awaitable<void>;
}

export interface Provisioned {
  readonly user: StoredUser;
  readonly created: boolean;
  readonly groupChange: GroupChange;
}

export async function provisionUser(config: RelyingPartyConfig, identity: Identity, store: UserStore, groups: readonly AppGroup[]): Promise<Provisioned> {
  const existing = await store.findUser(identity.username);
  if (existing && (existing.realm !== OIDC_REALM || existing.providerID !== config.id)) {
    const other = existing.realm === OIDC_REALM ? `the OpenID configuration '${existing.providerID ?? '?'}'` : `realm '${existing.realm}'`;
    throw new RelyingPartyError('user_realm_mismatch', { providerID: config.id, detail: `user '${identity.username}' belongs to ${other}, not to '${config.id}'` });
  }
  if (!existing && !config.auto_user_provision) throw new RelyingPartyError('user_does_not_exist', { providerID: config.id, detail: `user '${identity.username}' does not exist and auto_user_provision is off` });
  const current = existing?.groups ?? [];
  // Without a groups_attribute the provider says nothing about groups: only assign_all_users mappings apply.
  const groupChange = syncGroups(groups, config.id, current, identity.groups ?? []);
  if (!existing) await store.createUser({ username: identity.username, realm: OIDC_REALM, providerID: config.id, subject: identity.subject, fields: identity.fields });
  else if (Object.keys(identity.fields).length > 0) await store.updateUser(identity.username, identity.fields);
  if (!existing || groupChange.joined.length > 0 || groupChange.left.length > 0) await store.setGroups(identity.username, groupChange.groups);
  const user: StoredUser = { username: identity.username, realm: OIDC_REALM, providerID: config.id, groups: groupChange.groups, fields: { ...existing?.fields, ...identity.fields } };
  return { user, created: !existing, groupChange };
}
