// Turns a verified identity into an application user through the store the application supplies:
// find, then create (only when the source allows it), refuse users of another realm or provider (as
// Kasm does), apply attribute mappings, and sync mapped groups. Everything is checked before the
// first write, so a refused login creates nothing. OpenID and LDAP sign-ins share it.
import type { AppGroup, RelyingPartyConfig, UserField } from './config.ts';
import type { Identity } from './claims.ts';
import { RelyingPartyError } from './errors.ts';
import { CASE_INSENSITIVE, syncGroups, type GroupChange, type GroupNormalizer } from './group-mappings.ts';

type Awaitable<T> = T | Promise<T>;

/** The realm of users created by an OpenID sign-in; others (e.g. 'local', 'ldap', 'saml') are refused. */
export const OIDC_REALM = 'oidc';
/** The realm of users created by an LDAP sign-in (Kasm's name). */
export const LDAP_REALM = 'ldap';

export type ProvisionedRealm = typeof OIDC_REALM | typeof LDAP_REALM;

const REALM_LABELS: Readonly<Record<ProvisionedRealm, string>> = { oidc: 'OpenID', ldap: 'LDAP' };

export interface StoredUser {
  readonly username: string;
  /** 'local', 'oidc', 'ldap', … */
  readonly realm: string;
  /** For realms 'oidc' and 'ldap': the id of the configuration that created the user. */
  readonly providerID?: string | undefined;
  readonly groups: readonly string[];
  readonly fields?: Readonly<Partial<Record<UserField, string>>>;
}

export interface NewUser {
  readonly username: string;
  readonly realm: ProvisionedRealm;
  readonly providerID: string;
  /** The provider's `sub` (OpenID) or the user's DN (LDAP), for the application's records. */
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

/** Where an identity comes from: the realm and configuration it provisions into, and its rules. */
export interface ProvisioningSource {
  readonly realm: ProvisionedRealm;
  readonly providerID: string;
  /** Create unknown users (OpenID auto_user_provision, LDAP auto_create_app_user). */
  readonly autoCreate: boolean;
  /** The key named in the refusal's detail, e.g. 'auto_user_provision'. */
  readonly autoCreateKey: string;
  /** How the identity's groups meet the mappings' group_attribute values. */
  readonly normalizeGroups?: GroupNormalizer;
}

/** Provisions `identity` from `source`; throws user_realm_mismatch or user_does_not_exist before any write. */
export async function provision(source: ProvisioningSource, identity: Identity, store: UserStore, groups: readonly AppGroup[]): Promise<Provisioned> {
  const { realm, providerID } = source;
  const existing = await store.findUser(identity.username);
  if (existing && (existing.realm !== realm || existing.providerID !== providerID)) {
    const other = existing.realm === realm ? `the ${REALM_LABELS[realm]} configuration '${existing.providerID ?? '?'}'` : `realm '${existing.realm}'`;
    throw new RelyingPartyError('user_realm_mismatch', { providerID, detail: `user '${identity.username}' belongs to ${other}, not to '${providerID}'` });
  }
  if (!existing && !source.autoCreate) throw new RelyingPartyError('user_does_not_exist', { providerID, detail: `user '${identity.username}' does not exist and ${source.autoCreateKey} is off` });
  const current = existing?.groups ?? [];
  // Without groups the provider says nothing about them: only assign_all_users mappings apply.
  const groupChange = syncGroups(groups, providerID, current, identity.groups ?? [], source.normalizeGroups ?? CASE_INSENSITIVE);
  if (!existing) await store.createUser({ username: identity.username, realm, providerID, subject: identity.subject, fields: identity.fields });
  else if (Object.keys(identity.fields).length > 0) await store.updateUser(identity.username, identity.fields);
  if (!existing || groupChange.joined.length > 0 || groupChange.left.length > 0) await store.setGroups(identity.username, groupChange.groups);
  const user: StoredUser = { username: identity.username, realm, providerID, groups: groupChange.groups, fields: { ...existing?.fields, ...identity.fields } };
  return { user, created: !existing, groupChange };
}

/** An OpenID sign-in (realm 'oidc'). */
export function provisionUser(config: RelyingPartyConfig, identity: Identity, store: UserStore, groups: readonly AppGroup[]): Promise<Provisioned> {
  return provision({ realm: OIDC_REALM, providerID: config.id, autoCreate: config.auto_user_provision, autoCreateKey: 'auto_user_provision' }, identity, store, groups);
}
