// The LDAP authentication backend (authentication_backend.ldap) against a real OpenLDAP holding the
// seed's example directory: sign-in by username or e-mail as the users filter allows, users built
// from the directory (claims preferred_username, name, email, groups, profile), the Kasm in-chain
// filter, injection strings and empty passwords that never authenticate, and every failure logged
// precisely (never the password) while the caller only learns "no such user".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LDAPBackendConfig } from '../../src/config/types.ts';
import { openLDAPBackend, type LDAPBackend } from '../../src/identity/ldap-backend.ts';
import { DIRECTORY, freePort, type Slapd } from '../helpers/slapd.ts';
import { SKIP, useSlapd } from '../ldap/helpers.ts';

const { users: U } = DIRECTORY;
const PASSWORD_1 = U.test_user_1.password;

/** Authelia's custom implementation for the seed's directory (usernames in uid, e-mail in mail). */
function ldapConfig(slapd: Slapd, overrides: Partial<LDAPBackendConfig> = {}): LDAPBackendConfig {
  return {
    address: slapd.url,
    implementation: 'custom',
    timeout: 2,
    start_tls: false,
    base_dn: DIRECTORY.suffix,
    additional_users_dn: 'ou=MyOrg',
    users_filter: '(&({username_attribute}={input})(objectClass=inetOrgPerson))',
    groups_filter: '(&(member={dn})(objectClass=groupOfNames))',
    group_search_mode: 'filter',
    permit_referrals: false,
    permit_unauthenticated_bind: false,
    user: DIRECTORY.service.dn,
    password: DIRECTORY.service.password,
    ...overrides,
  };
}

/** Kasm's AD-style users filter: only (nested) members of all_kasm_app_users exist. */
const IN_CHAIN_USERS = `(&({username_attribute}={input})(objectClass=inetOrgPerson)(memberOf:1.2.840.113556.1.4.1941:=${DIRECTORY.groups.all_kasm_app_users}))`;

function logged(): { lines: string[]; logger: { info(m: string): void; warn(m: string): void; error(m: string): void } } {
  const lines: string[] = [];
  const push = (level: string) => (message: string): void => void lines.push(`${level} ${message}`);
  return { lines, logger: { info: push('info'), warn: push('warn'), error: push('error') } };
}

async function withBackend<T>(config: LDAPBackendConfig, run: (backend: LDAPBackend, lines: string[]) => Promise<T>): Promise<T> {
  const { lines, logger } = logged();
  const backend = openLDAPBackend(config, { logger });
  try {
    return await run(backend, lines);
  } finally {
    await backend.close();
  }
}

describe('authentication_backend.ldap against OpenLDAP', { skip: SKIP }, () => {
  const slapd = useSlapd();

  test('a sign-in by username gives the user from the directory, nested groups included', async () => {
    await withBackend(ldapConfig(slapd()), async (backend) => {
      const user = await backend.authenticate('test_user_1', PASSWORD_1);
      assert.deepEqual(user, { username: 'test_user_1', displayName: 'test_user_1', emails: ['test_user_1@kasm.core'], groups: ['kasm_group_1', 'all_kasm_app_users'], disabled: false });
      const jane = await backend.authenticate('jdoe', U.jane.password);
      assert.equal(jane?.displayName, 'Doe, Jane (ops)');
      assert.deepEqual(jane?.groups, ['kasm_group_1', 'all_kasm_app_users']);
    });
  });

  test('the name comes from the directory: a login in another case signs in as the stored username', async () => {
    await withBackend(ldapConfig(slapd()), async (backend) => {
      assert.equal((await backend.authenticate('TEST_USER_2', U.test_user_2.password))?.username, 'test_user_2');
    });
  });

  test('sign-in by e-mail works where the users filter allows it, and not where it does not', async () => {
    const byMail = ldapConfig(slapd(), { users_filter: '(&(|({username_attribute}={input})({mail_attribute}={input}))(objectClass=inetOrgPerson))' });
    await withBackend(byMail, async (backend) => {
      assert.equal((await backend.authenticate('test_user_1@kasm.core', PASSWORD_1))?.username, 'test_user_1');
      assert.equal((await backend.authenticate('test_user_1', PASSWORD_1))?.username, 'test_user_1');
    });
    await withBackend(ldapConfig(slapd()), async (backend, lines) => {
      assert.equal(await backend.authenticate('test_user_1@kasm.core', PASSWORD_1), undefined);
      assert.match(lines.join('\n'), /USER_NOT_FOUND/);
    });
  });

  test('a wrong password is logged precisely, never with the password, and answered as "no such user"', async () => {
    await withBackend(ldapConfig(slapd()), async (backend, lines) => {
      assert.equal(await backend.authenticate('test_user_1', 'Wrong-Password-42'), undefined);
      assert.equal(await backend.authenticate('nobody', 'Wrong-Password-42'), undefined);
      const text = lines.join('\n');
      assert.match(text, /^warn LDAP sign-in of 'test_user_1' failed \(INVALID_USER_CREDENTIALS\): the bind as 'cn=test_user_1,ou=MyOrg,dc=kasm,dc=core' was refused: invalid credentials/m);
      assert.match(text, /^warn LDAP sign-in of 'nobody' failed \(USER_NOT_FOUND\): unable to locate user 'nobody'/m);
      assert.doesNotMatch(text, /Wrong-Password-42/);
      assert.doesNotMatch(text, new RegExp(DIRECTORY.service.password));
    });
  });

  test('an empty password is refused before any connection is opened', async () => {
    await withBackend(ldapConfig(slapd()), async (backend) => {
      assert.equal(await backend.authenticate('test_user_1', ''), undefined);
      assert.equal(backend.directory.stats().connects, 0);
    });
  });

  test('injection strings find nothing and bind nothing, as login names and as passwords', async () => {
    await withBackend(ldapConfig(slapd()), async (backend, lines) => {
      for (const input of ['*', 'test_user_*', ')(', '*)(uid=*', 'test_user_1)(|(uid=*', 'uid=*)(|(uid=*', '\\00', '\0', 'test_user_1\0', '*)(objectClass=*))(|(uid=*', 'x\nwarn forged']) {
        assert.equal(await backend.authenticate(input, PASSWORD_1), undefined, JSON.stringify(input));
        assert.equal(await backend.lookup(input), undefined, JSON.stringify(input));
      }
      for (const password of ['*', ')(', '\\00', '*)(|(userPassword=*']) assert.equal(await backend.authenticate('test_user_1', password), undefined, password);
      assert.doesNotMatch(lines.join('\n'), /USER_AMBIGUOUS|FILTER_INVALID|unexpectedly/);
      // Control characters are escaped in the log: a login name cannot forge a line.
      assert.ok(lines.every((line) => !/[\u0000-\u001f]/.test(line)), lines.join('\n'));
      assert.ok(lines.some((line) => line.includes("of 'x\\u000awarn forged'")));
    });
  });

  test('spellings the directory would treat as the same name (spaces around or doubled) are refused', async () => {
    await withBackend(ldapConfig(slapd()), async (backend) => {
      for (const input of [' test_user_1', 'test_user_1 ', 'test_user_1\t']) assert.equal(await backend.authenticate(input, PASSWORD_1), undefined, JSON.stringify(input));
    });
  });

  test("Kasm's in-chain users filter: nested and direct members sign in, test_user_3 does not exist", async () => {
    await withBackend(ldapConfig(slapd(), { users_filter: IN_CHAIN_USERS, attributes: { member_of: 'memberOf' } }), async (backend, lines) => {
      assert.deepEqual((await backend.authenticate('test_user_1', PASSWORD_1))?.groups, ['kasm_group_1', 'all_kasm_app_users']);
      assert.deepEqual((await backend.authenticate('test_user_2', U.test_user_2.password))?.groups, ['all_kasm_app_users']);
      assert.equal(await backend.authenticate('test_user_3', U.test_user_3.password), undefined);
      assert.match(lines.join('\n'), /LDAP sign-in of 'test_user_3' failed \(USER_NOT_FOUND\)/);
      // OpenLDAP has no IN_CHAIN: the emulation is said once, not left to match nothing.
      assert.match(lines.join('\n'), /does not support \(it would silently match nothing\); Castellan resolved the nesting client-side/);
    });
  });

  test('lookup re-reads a user and its groups without a password; an unknown user is undefined', async () => {
    await withBackend(ldapConfig(slapd()), async (backend) => {
      assert.deepEqual((await backend.lookup('test_user_2'))?.groups, ['all_kasm_app_users']);
      assert.equal(await backend.lookup('nobody'), undefined);
      assert.equal(await backend.lookup(''), undefined);
    });
  });

  test('profile and extra attributes are read as configured', async () => {
    const config = ldapConfig(slapd(), { attributes: { family_name: 'sn', given_name: 'cn', extra: { mail: { name: 'addresses', multi_valued: true }, uid: { value_type: 'string' } } } });
    await withBackend(config, async (backend) => {
      const user = await backend.authenticate('test_user_1', PASSWORD_1);
      assert.equal(user?.familyName, 'test_user_1');
      assert.equal(user?.givenName, 'test_user_1');
      assert.deepEqual(user?.extra, { addresses: ['test_user_1@kasm.core'], uid: 'test_user_1' });
    });
  });

  test('a directory that cannot be reached is logged with its cause; the caller gets undefined', async () => {
    const port = await freePort();
    await withBackend(ldapConfig(slapd(), { address: `ldap://127.0.0.1:${port}` }), async (backend, lines) => {
      assert.equal(await backend.authenticate('test_user_1', PASSWORD_1), undefined);
      assert.equal(await backend.lookup('test_user_1'), undefined);
      assert.match(lines.join('\n'), /\(CONNECTION_REFUSED\): could not connect to ldap:\/\/127\.0\.0\.1:\d+: connection refused/);
    });
  });
});
