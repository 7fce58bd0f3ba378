// Authelia's per-`implementation` defaults for authentication_backend.ldap (4.39,
// internal/configuration/schema/defaults: filters, group search mode, additional DNs,
// attributes, timeout, pooling), so a configuration that names an implementation needs only
// its address, base DN and service account. Keys a configuration sets override these.
import type { DirectoryAttributes } from './options.ts';

export type Implementation = 'custom' | 'activedirectory' | 'rfc2307bis' | 'freeipa' | 'lldap' | 'glauth';

export const IMPLEMENTATIONS: readonly Implementation[] = ['custom', 'activedirectory', 'rfc2307bis', 'freeipa', 'lldap', 'glauth'];

export interface ImplementationDefaults {
  /** Absent for custom, where users_filter must be configured. */
  readonly usersFilter?: string;
  readonly groupsFilter?: string;
  readonly groupSearchMode: 'filter' | 'memberof';
  readonly additionalUsersDN?: string;
  readonly additionalGroupsDN?: string;
  readonly attributes: DirectoryAttributes & {
    /** AD's profile attributes (Authelia 4.39), for the claims the wiring step maps. */
    readonly profile?: Readonly<Record<string, string>>;
  };
  readonly timeoutSeconds: number;
  readonly tlsMinimumVersion: 'TLS1.2';
  /** Authelia pooling.{count, retries, timeout}. */
  readonly pooling: { readonly count: number; readonly retries: number; readonly timeoutSeconds: number };
}

const POOLING = { count: 5, retries: 2, timeoutSeconds: 10 } as const;
const COMMON = { groupSearchMode: 'filter', timeoutSeconds: 5, tlsMinimumVersion: 'TLS1.2', pooling: POOLING } as const;

export const IMPLEMENTATION_DEFAULTS: Readonly<Record<Implementation, ImplementationDefaults>> = {
  custom: {
    ...COMMON,
    timeoutSeconds: 20,
    attributes: { username: 'uid', displayName: 'displayName', mail: 'mail', groupName: 'cn' },
  },
  activedirectory: {
    ...COMMON,
    usersFilter: '(&(|({username_attribute}={input})({mail_attribute}={input}))(sAMAccountType=805306368)(!(userAccountControl:1.2.840.113556.1.4.803:=2))(!(pwdLastSet=0))(|(!(accountExpires=*))(accountExpires=0)(accountExpires>={date-time:microsoft-nt})))',
    groupsFilter: '(&(member={dn})(|(sAMAccountType=268435456)(sAMAccountType=536870912)))',
    attributes: {
      distinguishedName: 'distinguishedName', username: 'sAMAccountName', displayName: 'displayName', mail: 'mail', memberOf: 'memberOf', groupName: 'cn',
      profile: { family_name: 'sn', given_name: 'givenName', middle_name: 'middleName', website: 'wWWHomePage', phone_number: 'telephoneNumber', street_address: 'streetAddress', locality: 'l', region: 'st', postal_code: 'postalCode', country: 'c' },
    },
  },
  rfc2307bis: {
    ...COMMON,
    usersFilter: '(&(|({username_attribute}={input})({mail_attribute}={input}))(|(objectClass=inetOrgPerson)(objectClass=organizationalPerson)))',
    groupsFilter: '(&(|(member={dn})(uniqueMember={dn}))(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=groupOfMembers))(!(pwdReset=TRUE)))',
    attributes: { username: 'uid', displayName: 'displayName', mail: 'mail', memberOf: 'memberOf', groupName: 'cn' },
  },
  freeipa: {
    ...COMMON,
    usersFilter: '(&(|({username_attribute}={input})({mail_attribute}={input}))(objectClass=person)(!(nsAccountLock=TRUE))(krbPasswordExpiration>={date-time:generalized})(|(!(krbPrincipalExpiration=*))(krbPrincipalExpiration>={date-time:generalized})))',
    groupsFilter: '(&(member={dn})(objectClass=groupOfNames))',
    attributes: { username: 'uid', displayName: 'displayName', mail: 'mail', memberOf: 'memberOf', groupName: 'cn' },
  },
  lldap: {
    ...COMMON,
    additionalUsersDN: 'OU=people',
    additionalGroupsDN: 'OU=groups',
    usersFilter: '(&(|({username_attribute}={input})({mail_attribute}={input}))(objectClass=person))',
    groupsFilter: '(&(member={dn})(objectClass=groupOfUniqueNames))',
    attributes: { username: 'uid', displayName: 'cn', mail: 'mail', memberOf: 'memberOf', groupName: 'cn' },
  },
  glauth: {
    ...COMMON,
    usersFilter: '(&(|({username_attribute}={input})({mail_attribute}={input}))(objectClass=posixAccount)(!(accountStatus=inactive)))',
    groupsFilter: '(&(uniqueMember={dn})(objectClass=posixGroup))',
    attributes: { username: 'cn', displayName: 'description', mail: 'mail', memberOf: 'memberOf', groupName: 'cn' },
  },
};
