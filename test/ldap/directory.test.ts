// User search, password check and groups against a real OpenLDAP holding the seed's example
// (Kasm's LDAP guide, "Example LDAP Configuration" and "Verifying Configurations"): test_user_1
// and test_user_2 may sign in, test_user_3 may not; nesting is AD's "member of a member".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client } from 'ldapts';
import { createDirectory, type Directory } from '../../src/ldap/directory.ts';
import { LDAPError } from '../../src/ldap/errors.ts';
import type { DirectoryGroup } from '../../src/ldap/groups.ts';
import type { DirectoryOptions } from '../../src/ldap/options.ts';
import { DIRECTORY } from '../helpers/slapd.ts';
import { KASM_AD_FILTERS, kasmOptions, recorder, SKIP, useSlapd } from './helpers.ts';
import { startFakeDirectory, type FakeEntry } from './servers.ts';

const { users: U, groups: G } = DIRECTORY;

async function withDirectory<T>(options: DirectoryOptions, run: (directory: Directory) => Promise<T>): Promise<T> {
  const directory = createDirectory(options);
  try {
    return await run(directory);
  } finally {
    await directory.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<LDAPError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LDAPError) return error;
    throw error;
  }
  assert.fail('expected an LDAPError');
}

function summary(groups: readonly DirectoryGroup[]): string[] {
  return groups.map((g) => `${g.name}: ${g.reached}${g.via.length === 0 ? '' : ` via ${g.via.map((dn) => /^cn=([^,]+)/i.exec(dn)![1]).join(' > ')}`}`).sort();
}

describe('directory lookups against OpenLDAP', { skip: SKIP }, () => {
  const slapd = useSlapd();

  test("OpenLDAP itself silently matches nothing for AD's IN_CHAIN rule (why the diagnostic exists)", async () => {
    const client = new Client({ url: slapd().url });
    await client.bind(DIRECTORY.service.dn, DIRECTORY.service.password);
    const result = await client.search(DIRECTORY.base, { filter: `(memberOf:1.2.840.113556.1.4.1941:=${G.all_kasm_app_users})` });
    await client.unbind();
    assert.equal(result.searchEntries.length, 0);
  });

  test("the seed's AD filters work on OpenLDAP: nested membership of all_kasm_app_users is required, and the emulation is reported", async () => {
    await withDirectory(kasmOptions(slapd(), KASM_AD_FILTERS), async (directory) => {
      assert.equal(await directory.supportsInChain(), false);
      const seen = recorder();
      assert.equal((await directory.findUser('test_user_1', seen.observer)).dn, U.test_user_1.dn);
      assert.equal((await directory.findUser('test_user_2')).dn, U.test_user_2.dn);
      const refused = await rejection(directory.findUser('test_user_3'));
      assert.equal(refused.code, 'USER_NOT_FOUND');
      assert.match(refused.message, /unable to locate user 'test_user_3'/);
      assert.deepEqual(seen.diagnostics.map((d) => d.code), ['IN_CHAIN_EMULATED']);
      assert.match(seen.diagnostics[0]!.message, /1\.2\.840\.113556\.1\.4\.1941.*does not support.*silently match nothing.*kasm_group_1/);
      const userSearch = seen.searches.find((s) => s.purpose === 'user')!;
      assert.match(userSearch.filter, /\(\|\(memberof=CN=all_kasm_app_users,OU=MyOrg,DC=kasm,DC=core\)\(memberof=cn=kasm_group_1,ou=MyOrg,dc=kasm,dc=core\)\)/);
    });
  });

  test('without emulation an IN_CHAIN filter on OpenLDAP is an error that says why, not an empty result', async () => {
    await withDirectory(kasmOptions(slapd(), { ...KASM_AD_FILTERS, nestedGroups: { emulateInChain: false } }), async (directory) => {
      const error = await rejection(directory.findUser('test_user_1'));
      assert.equal(error.code, 'IN_CHAIN_UNSUPPORTED');
      assert.match(error.message, /LDAP_MATCHING_RULE_IN_CHAIN \(1\.2\.840\.113556\.1\.4\.1941\), which this server does not support: it would silently match nothing/);
    });
  });

  test("test_user_1 is in kasm_group_1 directly and in all_kasm_app_users via kasm_group_1; test_user_2 only directly in all_kasm_app_users", async () => {
    for (const filters of [KASM_AD_FILTERS, {}]) {
      await withDirectory(kasmOptions(slapd(), filters), async (directory) => {
        const one = await directory.findUser('test_user_1');
        assert.deepEqual(summary(await directory.groupsOf(one)), ['all_kasm_app_users: nested via kasm_group_1', 'kasm_group_1: direct']);
        const groups = await directory.groupsOf(one);
        assert.deepEqual(groups.find((g) => g.name === 'all_kasm_app_users')!.via, [G.kasm_group_1]);
        assert.deepEqual(summary(await directory.groupsOf(await directory.findUser('test_user_2'))), ['all_kasm_app_users: direct']);
      });
    }
  });

  test("Authelia's filter placeholders: login by username or e-mail, groups by {dn}, and memberof search mode", async () => {
    const authelia = {
      usersFilter: '(&(|({username_attribute}={input})({mail_attribute}={input}))(objectClass=inetOrgPerson))',
      groupsFilter: '(&(member={dn})(objectClass=groupOfNames))',
    };
    await withDirectory(kasmOptions(slapd(), authelia), async (directory) => {
      const byMail = await directory.findUser('test_user_1@kasm.core');
      assert.equal(byMail.username, 'test_user_1');
      assert.deepEqual(byMail.emails, ['test_user_1@kasm.core']);
      assert.deepEqual(summary(await directory.groupsOf(byMail)), ['all_kasm_app_users: nested via kasm_group_1', 'kasm_group_1: direct']);
    });
    await withDirectory(kasmOptions(slapd(), { usersFilter: authelia.usersFilter, groupsFilter: '(&(|{memberof:rdn})(objectClass=groupOfNames))', groupSearchMode: 'memberof' }), async (directory) => {
      const user = await directory.findUser('test_user_1');
      assert.deepEqual(user.memberOf.map((dn) => dn.toLowerCase()), [G.kasm_group_1.toLowerCase()]);
      assert.deepEqual(summary(await directory.groupsOf(user)), ['all_kasm_app_users: nested via kasm_group_1', 'kasm_group_1: direct']);
      assert.deepEqual(await directory.groupsOf(await directory.findUser('test_user_3')), []);
    });
  });

  test('nested groups: a cycle is walked once, the depth bound is reported, nesting can be turned off', async () => {
    const base = { baseDN: DIRECTORY.nesting };
    await withDirectory(kasmOptions(slapd(), base), async (directory) => {
      assert.deepEqual(summary(await directory.groupsOf(await directory.findUser('nest_user'))), ['n1: direct', 'n2: nested via n1', 'n3: nested via n1 > n2']);
    });
    await withDirectory(kasmOptions(slapd(), { ...base, nestedGroups: { maxDepth: 1 } }), async (directory) => {
      const seen = recorder();
      assert.deepEqual(summary(await directory.groupsOf(await directory.findUser('nest_user'), seen.observer)), ['n1: direct', 'n2: nested via n1']);
      assert.deepEqual(seen.diagnostics.map((d) => d.code), ['NESTED_DEPTH_LIMIT']);
    });
    await withDirectory(kasmOptions(slapd(), { ...base, nestedGroups: { enabled: false } }), async (directory) => {
      assert.deepEqual(summary(await directory.groupsOf(await directory.findUser('nest_user'))), ['n1: direct']);
    });
  });

  test('a DN that needs escaping (cn=Doe\\, Jane (ops)) is searched and walked correctly', async () => {
    await withDirectory(kasmOptions(slapd(), KASM_AD_FILTERS), async (directory) => {
      const jane = await directory.findUser('jdoe');
      assert.equal(jane.displayName, 'Doe, Jane (ops)');
      await directory.verifyPassword(jane.dn, U.jane.password);
      assert.deepEqual(summary(await directory.groupsOf(jane)), ['all_kasm_app_users: nested via kasm_group_1', 'kasm_group_1: direct']);
    });
  });

  test('injection strings find nothing and bind nothing', async () => {
    await withDirectory(kasmOptions(slapd()), async (directory) => {
      for (const input of ['*', 'test_user_*', ')(', 'uid=*)(|(uid=*', 'test_user_1)(uid=*', '*)(objectClass=*', 'test_user_1\0', '\\2a', 'test_user_1)(|(objectClass=*)']) {
        const error = await rejection(directory.findUser(input));
        assert.equal(error.code, 'USER_NOT_FOUND', input);
        const login = await rejection(directory.authenticate(input, U.test_user_1.password));
        assert.equal(login.code, 'USER_NOT_FOUND', input);
      }
      // A wildcard password is a literal password, not a match.
      assert.equal((await rejection(directory.verifyPassword(U.test_user_1.dn, '*'))).code, 'INVALID_USER_CREDENTIALS');
    });
  });

  test('authenticate: the right password returns the profile and groups; wrong and empty passwords fail', async () => {
    await withDirectory(kasmOptions(slapd(), KASM_AD_FILTERS), async (directory) => {
      const { user, groups } = await directory.authenticate('test_user_1', U.test_user_1.password);
      assert.deepEqual({ username: user.username, displayName: user.displayName, emails: user.emails }, { username: 'test_user_1', displayName: 'test_user_1', emails: ['test_user_1@kasm.core'] });
      assert.deepEqual(groups.map((g) => g.name).sort(), ['all_kasm_app_users', 'kasm_group_1']);
      assert.equal((await rejection(directory.authenticate('test_user_1', 'wrong'))).code, 'INVALID_USER_CREDENTIALS');
      assert.equal((await rejection(directory.authenticate('test_user_1', ''))).code, 'EMPTY_PASSWORD');
      assert.equal((await rejection(directory.authenticate('test_user_3', U.test_user_3.password))).code, 'USER_NOT_FOUND');
    });
  });

  test('an empty password is refused before any bind or connection', async () => {
    const fake = await startFakeDirectory({ bind: () => ({ code: 0 }), search: () => [] });
    try {
      await withDirectory(kasmOptions(slapd(), { connection: { url: fake.url } }), async (directory) => {
        const error = await rejection(directory.verifyPassword(U.test_user_1.dn, ''));
        assert.equal(error.code, 'EMPTY_PASSWORD');
        assert.match(error.message, /without contacting the server/);
      });
      assert.deepEqual(fake.requests, []);
    } finally {
      await fake.close();
    }
  });

  test('referrals: reported and not followed by default, followed one hop with permit_referrals', async () => {
    const base = { baseDN: DIRECTORY.branch, usersFilter: '(uid={input})' };
    await withDirectory(kasmOptions(slapd(), base), async (directory) => {
      const seen = recorder();
      assert.equal((await rejection(directory.findUser('partner_user', seen.observer))).code, 'USER_NOT_FOUND');
      assert.deepEqual(seen.diagnostics.map((d) => d.code), ['REFERRALS_IGNORED']);
      assert.match(seen.diagnostics[0]!.message, /permit_referrals/);
    });
    await withDirectory(kasmOptions(slapd(), { ...base, permitReferrals: true }), async (directory) => {
      const seen = recorder();
      assert.equal((await directory.findUser('partner_user', seen.observer)).dn, U.partner_user.dn);
      assert.deepEqual(seen.searches.map((s) => s.purpose), ['user', 'referral']);
    });
  });

  test("Kasm's search subtree off searches one level; an anonymous directory binds nothing (and this ACL hides the base from it)", async () => {
    await withDirectory(kasmOptions(slapd(), { baseDN: DIRECTORY.suffix, usersScope: 'one' }), async (directory) => {
      assert.equal((await rejection(directory.findUser('test_user_1'))).code, 'USER_NOT_FOUND');
    });
    await withDirectory(kasmOptions(slapd(), { baseDN: DIRECTORY.suffix }), async (directory) => {
      assert.equal((await directory.findUser('test_user_1')).dn, U.test_user_1.dn);
    });
    const { serviceAccount: _, ...anonymous } = kasmOptions(slapd(), { permitUnauthenticatedBind: true });
    await withDirectory(anonymous, async (directory) => {
      const hidden = await rejection(directory.findUser('test_user_1'));
      assert.deepEqual([hidden.code, hidden.resultCode], ['SEARCH_FAILED', 32]);
      assert.match(hidden.message, /does not exist, or the bound account may not see it/);
      assert.deepEqual({ connects: directory.stats().connects, binds: directory.stats().binds }, { connects: 1, binds: 0 });
    });
  });

  test('options are checked before any connection (INVALID_OPTIONS naming the key)', () => {
    const cases: [Partial<DirectoryOptions>, RegExp][] = [
      [{ usersFilter: '(uid=fixed)' }, /users_filter: must contain \{input\}/],
      [{ usersFilter: '(&(uid={input})' }, /users_filter: must be a valid LDAP filter/],
      [{ groupsFilter: '(member={dn})', groupSearchMode: 'memberof' }, /groups_filter: must contain \{memberof:dn\} or \{memberof:rdn\}/],
      [{ serviceAccount: { dn: DIRECTORY.service.dn, password: '' } }, /password: must be set .*permit_unauthenticated_bind/],
      [{ baseDN: 'not a dn' }, /base_dn: /],
      [{ attributes: { username: 'uid)(', groupName: 'cn' } }, /attributes\.username: must be an attribute name/],
      [{ usersFilter: '(&(uid={input})(member={dn}))' }, /users_filter: cannot use \{dn\}/],
      [{ usersFilter: '({mail_attribute}={input})', attributes: { username: 'uid', groupName: 'cn' } }, /users_filter: uses \{mail_attribute\}, so attributes\.mail must be set/],
      [{ groupsFilter: '(&(|{memberof:dn})(objectClass=groupOfNames))', groupSearchMode: 'memberof' }, /groups_filter: uses \{memberof:dn\}, so attributes\.distinguished_name must be set/],
    ];
    for (const [overrides, message] of cases) {
      assert.throws(() => createDirectory(kasmOptions(slapd(), overrides)), (error: unknown) => error instanceof LDAPError && error.code === 'INVALID_OPTIONS' && message.test(error.message), String(message));
    }
  });
});

describe('directory lookups against an Active Directory stand-in', () => {
  test('IN_CHAIN is left to a server that announces AD, and each nested group still says how it was reached', async () => {
    const dn = (cn: string): string => `CN=${cn},OU=MyOrg,DC=kasm,DC=core`;
    const fake = await startFakeDirectory({
      bind: () => ({ code: 0 }),
      search: ({ base, filter }) => {
        if (base === '') return [{ dn: '', attributes: { supportedCapabilities: ['1.2.840.113556.1.4.800'] } }];
        if (filter.includes('samaccountname=')) return [{ dn: dn('test_user_1'), attributes: { sAMAccountName: ['test_user_1'], memberOf: [dn('kasm_group_1')] } }];
        const groups: FakeEntry[] = [{ dn: dn('kasm_group_1'), attributes: { cn: ['kasm_group_1'], memberOf: [dn('all_kasm_app_users')] } }, { dn: dn('all_kasm_app_users'), attributes: { cn: ['all_kasm_app_users'] } }];
        return filter.includes('1.2.840.113556.1.4.1941') ? groups : groups.slice(0, 1);
      },
    });
    try {
      await withDirectory({ connection: { url: fake.url }, baseDN: 'OU=MyOrg,DC=kasm,DC=core', usersFilter: '&(objectClass=user)(sAMAccountName={0})(memberof:1.2.840.113556.1.4.1941:=CN=all_kasm_app_users,OU=MyOrg,DC=kasm,DC=core)', groupsFilter: '&(objectClass=group)(member:1.2.840.113556.1.4.1941:={0})', attributes: { username: 'sAMAccountName', memberOf: 'memberOf', groupName: 'cn' }, serviceAccount: { dn: 'CN=ldap_service_account,OU=MyOrg,DC=kasm,DC=core', password: 'x' } }, async (directory) => {
        const seen = recorder();
        const user = await directory.findUser('test_user_1', seen.observer);
        assert.deepEqual(seen.diagnostics, []);
        assert.match(seen.searches.find((s) => s.purpose === 'user')!.filter, /memberof:1\.2\.840\.113556\.1\.4\.1941:=/);
        assert.deepEqual(summary(await directory.groupsOf(user)), ['all_kasm_app_users: nested via kasm_group_1', 'kasm_group_1: direct']);
      });
    } finally {
      await fake.close();
    }
  });
});
