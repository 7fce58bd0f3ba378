// Every failure of Kasm's "Common Errors" list (seed 002), provoked for real on 127.0.0.1, gets
// its own code and an administrator's message that says what to check; the person at the sign-in
// form only ever gets the same generic sentence.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDirectory } from '../../src/ldap/directory.ts';
import { LDAPError, PUBLIC_FAILURE } from '../../src/ldap/errors.ts';
import type { DirectoryOptions } from '../../src/ldap/options.ts';
import { DIRECTORY, freePort } from '../helpers/slapd.ts';
import { kasmOptions, SKIP, useSlapd } from './helpers.ts';
import { startBlackHole, startFakeDirectory, type Listening } from './servers.ts';

const { users: U } = DIRECTORY;
const collected: LDAPError[] = [];

/** The LDAPError `run` rejects with (collected for the public-message check). */
async function failure(run: () => Promise<unknown>): Promise<LDAPError> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof LDAPError, `expected an LDAPError, got ${String(error)}`);
    collected.push(error);
    return error;
  }
  assert.fail('expected a failure');
}

async function findUser(options: DirectoryOptions, input = 'test_user_1'): Promise<LDAPError> {
  const directory = createDirectory(options);
  try {
    return await failure(() => directory.findUser(input));
  } finally {
    await directory.close();
  }
}

describe("Kasm's common LDAP errors, for real", { skip: SKIP }, () => {
  const slapd = useSlapd();
  let blackHole: Listening;
  before(async () => {
    blackHole = await startBlackHole();
  });
  after(async () => {
    await blackHole.close();
  });

  test("'socket connection error while opening: timed out': a server that never answers", async () => {
    const started = Date.now();
    for (const url of [blackHole.url, blackHole.url.replace('ldap:', 'ldaps:')]) {
      const error = await findUser(kasmOptions(slapd(), { connection: { url, connectTimeoutMs: 300, timeoutMs: 300 } }));
      assert.equal(error.code, 'CONNECTION_TIMED_OUT', url);
      assert.match(error.message, /timed out.*Verify the URL/, url);
    }
    assert.ok(Date.now() - started < 3000, 'the short timeouts were honoured');
  });

  test("'automatic bind not successful - invalid credentials': the service account's password is wrong", async () => {
    const error = await findUser(kasmOptions(slapd(), { serviceAccount: { dn: DIRECTORY.service.dn, password: 'wrong' } }));
    assert.equal(error.code, 'SERVICE_INVALID_CREDENTIALS');
    assert.equal(error.resultCode, 49);
    assert.match(error.message, /service account bind as 'cn=ldap_service_account,ou=MyOrg,dc=kasm,dc=core' was refused: invalid credentials \(result 49 InvalidCredentials\)\. Verify the service account password, that the account is not locked out, and that the service account DN is correct/);
    const wrongDN = await findUser(kasmOptions(slapd(), { serviceAccount: { dn: `cn=nobody,${DIRECTORY.base}`, password: 'x' } }));
    assert.equal(wrongDN.code, 'SERVICE_INVALID_CREDENTIALS');
  });

  test("'socket ssl wrapping error: connection reset by peer': ldaps:// against the plain LDAP port", async () => {
    const error = await findUser(kasmOptions(slapd(), { connection: { url: `ldaps://127.0.0.1:${slapd().port}` } }));
    assert.equal(error.code, 'LDAPS_TO_PLAIN_PORT');
    assert.match(error.message, /ldaps:\/\/ was specified but 127\.0\.0\.1:\d+ is not speaking TLS/);
  });

  test("'error receiving data: connection reset by peer': ldap:// against the LDAPS port", async () => {
    const error = await findUser(kasmOptions(slapd(), { connection: { url: `ldap://127.0.0.1:${slapd().ldapsPort}`, timeoutMs: 2000 } }));
    assert.equal(error.code, 'CONNECTION_RESET');
    assert.match(error.message, /closed the connection without answering.*Verify that the port in the URL is correct and that the protocol \(ldap:\/\/ or ldaps:\/\/\) matches it/);
  });

  test('a closed port: connection refused', async () => {
    const error = await findUser(kasmOptions(slapd(), { connection: { url: `ldap://127.0.0.1:${await freePort()}` } }));
    assert.equal(error.code, 'CONNECTION_REFUSED');
    assert.match(error.message, /connection refused \(nothing listens on port \d+ of 127\.0\.0\.1\)/);
  });

  test("'Unable to locate user': the filter matches no entry", async () => {
    const error = await findUser(kasmOptions(slapd()), 'nobody');
    assert.equal(error.code, 'USER_NOT_FOUND');
    assert.match(error.message, /unable to locate user 'nobody': no entry under 'ou=MyOrg,dc=kasm,dc=core' \(scope sub\) matches \(&\(objectClass=inetOrgPerson\)\(uid=nobody\)\)\. Verify the search base and the search filter/);
  });

  test("'LDAP Login failed … InvalidCredentials': the user's password is wrong", async () => {
    const directory = createDirectory(kasmOptions(slapd()));
    try {
      const error = await failure(() => directory.verifyPassword(U.test_user_1.dn, 'wrong'));
      assert.equal(error.code, 'INVALID_USER_CREDENTIALS');
      assert.equal(error.resultCode, 49);
      assert.match(error.message, /the bind as 'cn=test_user_1,ou=MyOrg,dc=kasm,dc=core' was refused: invalid credentials \(result 49 InvalidCredentials\)\. The password is wrong, or the account is locked out or disabled/);
      assert.equal((await failure(() => directory.verifyPassword(U.test_user_1.dn, ''))).code, 'EMPTY_PASSWORD');
    } finally {
      await directory.close();
    }
  });

  test('more than one entry, a missing base DN, and the username attribute missing are named', async () => {
    assert.equal((await findUser(kasmOptions(slapd(), { usersFilter: '(|(uid={input})(objectClass=inetOrgPerson))' }))).code, 'USER_AMBIGUOUS');
    const base = await findUser(kasmOptions(slapd(), { baseDN: 'ou=Nowhere,dc=kasm,dc=core' }));
    assert.equal(base.code, 'SEARCH_FAILED');
    assert.equal(base.resultCode, 32);
    assert.match(base.message, /the base DN 'ou=Nowhere,dc=kasm,dc=core' does not exist/);
    const attribute = await findUser(kasmOptions(slapd(), { attributes: { username: 'employeeNumber', groupName: 'cn' } }));
    assert.equal(attribute.code, 'USER_ATTRIBUTE_INVALID');
  });

  test('the public message is the same generic sentence for every one of them', () => {
    assert.ok(collected.length >= 10);
    assert.deepEqual(new Set(collected.map((e) => e.publicMessage)), new Set([PUBLIC_FAILURE]));
  });
});

describe("Active Directory's bind sub-codes (data XXX of error 49)", () => {
  const AD = (code: string): string => `80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data ${code}, v3839`;
  const CASES: [string, string, RegExp][] = [
    ['52e', 'INVALID_USER_CREDENTIALS', /the password is wrong \(AD data 52e\)/],
    ['525', 'INVALID_USER_CREDENTIALS', /the account does not exist \(AD data 525\)/],
    ['530', 'ACCOUNT_LOGON_HOURS', /not permitted to log on during these hours/],
    ['531', 'ACCOUNT_WORKSTATION', /not permitted to log on at this workstation/],
    ['532', 'PASSWORD_EXPIRED', /password has expired/],
    ['533', 'ACCOUNT_DISABLED', /account is disabled/],
    ['701', 'ACCOUNT_EXPIRED', /account has expired/],
    ['773', 'PASSWORD_MUST_RESET', /must be reset before the next logon/],
    ['775', 'ACCOUNT_LOCKED', /account is locked out/],
  ];
  let fake: Listening & { readonly requests: string[] };
  before(async () => {
    fake = await startFakeDirectory({
      bind: (dn) => {
        const code = /^CN=user_(\w+),/.exec(dn)?.[1];
        return code === undefined ? { code: 0 } : { code: 49, message: AD(code) };
      },
      search: () => [],
    });
  });
  after(async () => {
    await fake.close();
  });

  test('each sub-code becomes its own code and message, parsed from the server diagnostic', async () => {
    const directory = createDirectory({ connection: { url: fake.url }, baseDN: 'DC=kasm,DC=core', usersFilter: '(sAMAccountName={0})', attributes: { username: 'sAMAccountName', groupName: 'cn' }, serviceAccount: { dn: 'CN=svc,DC=kasm,DC=core', password: 'x' } });
    try {
      for (const [adCode, code, message] of CASES) {
        const error = await failure(() => directory.verifyPassword(`CN=user_${adCode},DC=kasm,DC=core`, 'secret'));
        assert.equal(error.code, code, adCode);
        assert.equal(error.adCode, adCode);
        assert.match(error.message, message, adCode);
        assert.match(error.message, new RegExp(`result 49 InvalidCredentials: 80090308: LdapErr: .*data ${adCode}`));
        assert.equal(error.publicMessage, PUBLIC_FAILURE);
      }
    } finally {
      await directory.close();
    }
  });

  test('a server that refuses StartTLS', async () => {
    const directory = createDirectory({ connection: { url: fake.url, startTLS: true }, baseDN: 'DC=kasm,DC=core', usersFilter: '(sAMAccountName={0})', attributes: { username: 'sAMAccountName', groupName: 'cn' }, serviceAccount: { dn: 'CN=svc,DC=kasm,DC=core', password: 'x' } });
    try {
      const error = await failure(() => directory.findUser('u'));
      assert.equal(error.code, 'STARTTLS_FAILED');
      assert.match(error.message, /refused StartTLS/);
    } finally {
      await directory.close();
    }
  });
});
