// What the server tests with an LDAP backend share: Authelia's ldap block for the seed's directory
// (OU=MyOrg), with Kasm's AD users filter that requires nested membership of all_kasm_app_users.
import { DIRECTORY, type Slapd } from '../helpers/slapd.ts';

export const KASM_IN_CHAIN_USERS_FILTER = '(&({username_attribute}={input})(objectClass=inetOrgPerson)(memberOf:1.2.840.113556.1.4.1941:=CN=all_kasm_app_users,OU=MyOrg,DC=kasm,DC=core))';

/** `authentication_backend.ldap` for `slapd`, as an administrator would write it for Authelia. */
export function kasmLDAPBlock(slapd: Slapd): Record<string, unknown> {
  return {
    address: slapd.url,
    implementation: 'custom',
    timeout: '5s',
    base_dn: 'DC=kasm,DC=core',
    additional_users_dn: 'OU=MyOrg',
    users_filter: KASM_IN_CHAIN_USERS_FILTER,
    additional_groups_dn: 'OU=MyOrg',
    groups_filter: '(&(member={dn})(objectClass=groupOfNames))',
    user: DIRECTORY.service.dn,
    password: DIRECTORY.service.password,
    attributes: { username: 'uid', display_name: 'displayName', mail: 'mail', member_of: 'memberOf', group_name: 'cn' },
  };
}
