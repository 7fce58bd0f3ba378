// Shared setup of the LDAP tests: one throwaway slapd per test file, and directory options for
// the seed's example (Kasm's LDAP guide: OU=MyOrg, all_kasm_app_users, kasm_group_1, …).
import { after, before } from 'node:test';
import type { DirectoryOptions } from '../../src/ldap/options.ts';
import type { Diagnostic, Observer, SearchRecord } from '../../src/ldap/search.ts';
import { DIRECTORY, slapdSkipReason, startSlapd, type Slapd } from '../helpers/slapd.ts';

/** `describe(…, { skip: SKIP })`: false where slapd is installed (and in CI, where it must be). */
export const SKIP = slapdSkipReason();

/** Starts slapd before the file's tests and stops it after; `server()` is valid inside tests. */
export function useSlapd(): () => Slapd {
  let slapd: Slapd | undefined;
  before(async () => {
    if (SKIP === false) slapd = await startSlapd();
  });
  after(async () => {
    await slapd?.stop();
  });
  return () => slapd!;
}

/** Kasm's AD example filters (seed 002), with IN_CHAIN, that OpenLDAP cannot evaluate. */
export const KASM_AD_FILTERS = {
  usersFilter: '&(objectClass=inetOrgPerson)(uid={0})(memberof:1.2.840.113556.1.4.1941:=CN=all_kasm_app_users,OU=MyOrg,DC=kasm,DC=core)',
  groupsFilter: '&(objectClass=groupOfNames)(member:1.2.840.113556.1.4.1941:={0})',
} as const;

/** Kasm's OpenLDAP example filters (groupOfNames, `{0}`), without any nesting in the filter. */
export const KASM_OPENLDAP_FILTERS = {
  usersFilter: '(&(objectClass=inetOrgPerson)(uid={0}))',
  groupsFilter: '(&(objectClass=groupOfNames)(member={0}))',
} as const;

/** The seed's example directory as a DirectoryOptions; `overrides` replace top-level keys. */
export function kasmOptions(slapd: Slapd, overrides: Partial<DirectoryOptions> = {}): DirectoryOptions {
  return {
    connection: { url: slapd.url, connectTimeoutMs: 2000, timeoutMs: 2000 },
    baseDN: DIRECTORY.base,
    ...KASM_OPENLDAP_FILTERS,
    attributes: { username: 'uid', displayName: 'displayName', mail: 'mail', memberOf: 'memberOf', groupName: 'cn' },
    serviceAccount: DIRECTORY.service,
    ...overrides,
  };
}

/** Collects what a lookup reports. */
export function recorder(): { searches: SearchRecord[]; diagnostics: Diagnostic[]; observer: Observer } {
  const searches: SearchRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  return { searches, diagnostics, observer: { search: (r) => searches.push(r), diagnostic: (d) => diagnostics.push(d) } };
}
