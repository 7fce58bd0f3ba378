// Direct LDAP sign-in against a real OpenLDAP (kasm-saml-ldap.md §4.2): which configurations are tried
// for a username, provisioning in realm 'ldap' with the user's DN, nested groups as DN-matched SSO
// group mappings, Kasm's search subtree and alternate username domains, and refusals that tell the
// person nothing (the same message) but tell the log everything. The demo app over HTTP, with the
// seed's walk-through: test/workspaces/ldap-login.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLDAPLogin, parseRelyingPartySettings, RelyingPartyError, type LDAPLogin, type RelyingPartySettings } from '../../src/relying-party/index.ts';
import { DIRECTORY, freePort } from '../helpers/slapd.ts';
import { KASM_AD_FILTERS, SKIP, useSlapd } from '../ldap/helpers.ts';
import { memoryStore, type MemoryStore } from './helpers.ts';

const { users: U, groups: G } = DIRECTORY;

describe('LDAP login with Kasm fields', { skip: SKIP }, () => {
  const slapd = useSlapd();

  function entry(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: 'kasm', name: 'Kasm Test LDAP Settings', url: slapd().url, search_base: DIRECTORY.base,
      search_filter: KASM_AD_FILTERS.usersFilter, group_membership_filter: KASM_AD_FILTERS.groupsFilter,
      email_attribute: 'mail', service_account_dn: DIRECTORY.service.dn, service_account_password: DIRECTORY.service.password,
      connection_timeout: 2, ...extra,
    };
  }

  function settings(ldap: Record<string, unknown>[], mapping = 'CN=Kasm_Group_1, OU=MyOrg, DC=kasm, DC=core'): RelyingPartySettings {
    return parseRelyingPartySettings({ ldap, groups: [{ name: 'LDAP Group 1', sso_mappings: [{ provider: String(ldap[0]!['id']), group_attribute: mapping }] }] });
  }

  async function withLogin(ldap: Record<string, unknown>[], run: (login: LDAPLogin, store: MemoryStore) => Promise<void>, store = memoryStore()): Promise<void> {
    const { ldap: configs, groups } = settings(ldap);
    const login = createLDAPLogin({ configs, groups, store });
    try {
      await run(login, store);
    } finally {
      await login.close();
    }
  }

  /** The refusal's detail (for the log); the message is always the same sentence. */
  async function refusal(run: Promise<unknown>): Promise<string> {
    return run.then(() => assert.fail('expected a refusal'), (error: unknown) => {
      assert.ok(error instanceof RelyingPartyError, String(error));
      assert.equal(error.code, 'ldap_login_failed');
      assert.equal(error.message, 'Incorrect username or password.');
      return error.detail ?? '';
    });
  }

  test('a user of a nested group is created in realm ldap with its DN, mapped groups (DNs compared as DNs) and e-mail', async () => {
    await withLogin([entry({ attribute_mappings: { sn: 'last_name', displayName: 'notes' } })], async (login, store) => {
      const result = await login.login(' Test_User_1@KASM.core ', U.test_user_1.password);
      assert.equal(result.providerID, 'kasm');
      assert.equal(result.created, true);
      assert.deepEqual(result.directoryGroups.map((g) => `${g.name}:${g.reached}`), ['kasm_group_1:direct', 'all_kasm_app_users:nested']);
      assert.deepEqual(store.users.get('test_user_1@kasm.core'), {
        username: 'test_user_1@kasm.core', realm: 'ldap', providerID: 'kasm', subject: U.test_user_1.dn, groups: ['LDAP Group 1'],
        fields: { email: U.test_user_1.mail, last_name: 'test_user_1', notes: 'test_user_1' },
      });
      // The next login re-checks the directory and changes only what changed.
      await login.login('test_user_1@kasm.core', U.test_user_1.password);
      assert.deepEqual(store.writes, ['createUser test_user_1@kasm.core', 'setGroups test_user_1@kasm.core', 'updateUser test_user_1@kasm.core']);
    });
  });

  test('empty passwords and injection strings never authenticate, and nothing is written', async () => {
    await withLogin([entry()], async (login, store) => {
      assert.match(await refusal(login.login('test_user_1@kasm.core', '')), /empty password was refused before any directory was asked/);
      assert.match(await refusal(login.login('   ', 'x')), /empty username/);
      for (const name of ['*', 'test_user_*', 'test_user_1)(uid=*', '*)(|(uid=*', 'test_user_1\u0000', 'test_user_1)(|(objectClass=*']) {
        const detail = await refusal(login.login(`${name}@kasm.core`, U.test_user_1.password));
        // RFC 4515 §3: the value reaches the server escaped, as one assertion value.
        const value = /matches \(&\(objectClass=inetOrgPerson\)\(uid=([^)]*)\)\(\|/.exec(detail)?.[1];
        assert.ok(value !== undefined && !/[*()\u0000]/.test(value), `${name}: ${detail}`);
      }
      assert.deepEqual(store.writes, []);
    });
  });

  test('a wrong password, a user outside all_kasm_app_users, or a service account that cannot bind: the same refusal, precise detail', async () => {
    await withLogin([entry()], async (login) => {
      assert.match(await refusal(login.login('test_user_1@kasm.core', 'wrong')), /^ldap 'kasm' \(test_user_1\): INVALID_USER_CREDENTIALS: the bind as 'cn=test_user_1,ou=MyOrg,dc=kasm,dc=core' was refused/);
      assert.match(await refusal(login.login('test_user_3@kasm.core', U.test_user_3.password)), /USER_NOT_FOUND: unable to locate user 'test_user_3'/);
    });
    await withLogin([entry({ service_account_password: 'wrong' })], async (login) => {
      assert.match(await refusal(login.login('test_user_1@kasm.core', U.test_user_1.password)), /SERVICE_INVALID_CREDENTIALS/);
    });
  });

  test('enabled configurations of the domain are tried in turn; disabled ones and other domains never', async () => {
    const closed = `ldap://127.0.0.1:${await freePort()}`;
    await withLogin([entry({ id: 'down', url: closed }), entry({ id: 'off', enabled: false, service_account_password: 'wrong' }), entry({ id: 'up' })], async (login) => {
      const result = await login.login('test_user_2@kasm.core', U.test_user_2.password);
      assert.equal(result.providerID, 'up');
      // A user provisioned from 'up' is checked against 'up' only.
      assert.match(await refusal(login.login('test_user_2@kasm.core', 'wrong')), /^ldap 'up' \(test_user_2\): INVALID_USER_CREDENTIALS/);
      const detail = await refusal(login.login('test_user_3@kasm.core', U.test_user_3.password));
      assert.match(detail, /^ldap 'down' \(test_user_3\): CONNECTION_REFUSED: .*; ldap 'up' \(test_user_3\): USER_NOT_FOUND/);
      assert.doesNotMatch(detail, /'off'/);
      assert.equal(login.accepts('test_user_1@kasm.com'), false);
      assert.match(await refusal(login.login('test_user_1@kasm.com', U.test_user_1.password)), /no enabled LDAP configuration accepts 'test_user_1@kasm.com'/);
    });
    await withLogin([entry({ enabled: false })], async (login) => {
      assert.equal(login.accepts('test_user_1@kasm.core'), false);
      assert.match(await refusal(login.login('test_user_1@kasm.core', U.test_user_1.password)), /no enabled LDAP configuration accepts/);
    });
  });

  test('auto_create_app_user off refuses unknown users; users of another realm or configuration are refused without asking the directory', async () => {
    const store = memoryStore([
      { username: 'test_user_2@kasm.core', realm: 'ldap', providerID: 'kasm', groups: [] },
      { username: 'test_user_1@kasm.core', realm: 'local', groups: [] },
      { username: 'jdoe@kasm.core', realm: 'ldap', providerID: 'retired', groups: [] },
    ]);
    await withLogin([entry({ auto_create_app_user: false })], async (login) => {
      assert.match(await refusal(login.login('test_user_3@kasm.core', U.test_user_3.password)), /USER_NOT_FOUND/);
      assert.equal((await login.login('test_user_2@kasm.core', U.test_user_2.password)).created, false);
      assert.match(await refusal(login.login('test_user_1@kasm.core', U.test_user_1.password)), /belongs to realm 'local', not to LDAP: no directory was asked/);
      assert.match(await refusal(login.login('jdoe@kasm.core', U.jane.password)), /belongs to the LDAP configuration 'retired', which is disabled, not configured/);
      store.users.delete('jdoe@kasm.core');
      assert.match(await refusal(login.login('jdoe@kasm.core', U.jane.password)), /^ldap 'kasm' verified cn=Doe\\2C Jane \(ops\),ou=MyOrg,dc=kasm,dc=core, but user_does_not_exist: user 'jdoe@kasm.core' does not exist and auto_create_app_user is off$/);
      assert.deepEqual(store.writes, ['updateUser test_user_2@kasm.core']);
    }, store);
  });

  test("search_subtree and Kasm's alternate username domains ('*': a bare username)", async () => {
    const base = { search_base: DIRECTORY.suffix, search_filter: '(&(objectClass=inetOrgPerson)(uid={0}))', group_membership_filter: '(&(objectClass=groupOfNames)(member={0}))' };
    await withLogin([entry({ ...base, search_subtree: false })], async (login) => {
      assert.match(await refusal(login.login('test_user_1@kasm.core', U.test_user_1.password)), /USER_NOT_FOUND: .*\(scope one\)/);
    });
    await withLogin([entry({ ...base, username_domain_match: 'corp.example,*' })], async (login, store) => {
      assert.equal((await login.login('test_user_1@corp.example', U.test_user_1.password)).user.username, 'test_user_1@corp.example');
      assert.equal((await login.login('test_user_1', U.test_user_1.password)).user.username, 'test_user_1');
      assert.equal((await login.login('test_user_1@kasm.core', U.test_user_1.password)).user.groups.join(), 'LDAP Group 1');
      assert.deepEqual([...store.users.keys()], ['test_user_1@corp.example', 'test_user_1', 'test_user_1@kasm.core']);
      // Without the search filter's group condition, test_user_3 signs in, in no mapped group.
      assert.deepEqual((await login.login('test_user_3@kasm.core', U.test_user_3.password)).user.groups, []);
    });
  });

  test('a group mapped to a DN the user is not in is left at the next login; a nested group counts', async () => {
    const store = memoryStore([{ username: 'test_user_1@kasm.core', realm: 'ldap', providerID: 'kasm', groups: ['LDAP Group 1', 'Hand-picked'] }]);
    const { ldap: configs, groups } = parseRelyingPartySettings({ ldap: [entry()], groups: [
      { name: 'LDAP Group 1', sso_mappings: [{ provider: 'kasm', group_attribute: G.n1 }] },
      { name: 'App Users', sso_mappings: [{ provider: 'kasm', group_attribute: G.all_kasm_app_users.toUpperCase() }] },
    ] });
    const login = createLDAPLogin({ configs, groups, store });
    try {
      const result = await login.login('test_user_1@kasm.core', U.test_user_1.password);
      assert.deepEqual(result.groupChange, { groups: ['Hand-picked', 'App Users'], joined: ['App Users'], left: ['LDAP Group 1'] });
    } finally {
      await login.close();
    }
  });
});
