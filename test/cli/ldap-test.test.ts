// `castellan ldap test` as a child process against a real OpenLDAP, with the configuration a
// Castellan server would load: every step with the DN, groups and nested path on success (exit 0),
// the precise error of the failing step otherwise (exit 1), the password from a file or stdin, and
// configuration errors reported as validate-config reports them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { testClient, writeCastellanFiles, type TestFiles } from '../helpers/castellan.ts';
import { BIN, cleanEnvironment } from '../helpers/child.ts';
import { DIRECTORY, slapdSkipReason, startSlapd, type Slapd } from '../helpers/slapd.ts';
import { kasmLDAPBlock } from '../server/ldap-helpers.ts';

const SKIP = slapdSkipReason();
const { users: U } = DIRECTORY;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function castellan(args: readonly string[], stdin = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: cleanEnvironment() }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin);
  });
}

/** The line of a step: `[ok]       user bind     …`. */
function step(stdout: string, name: string): string {
  const line = stdout.split('\n').find((l) => new RegExp(`^\\[[a-zA-Z]+\\]\\s+${name}\\s`).test(l));
  assert.ok(line, `no '${name}' step in:\n${stdout}`);
  return line;
}

describe('castellan ldap test', { skip: SKIP }, () => {
  let slapd: Slapd;
  let files: TestFiles;
  let passwordFile: string;

  before(async () => {
    slapd = await startSlapd();
    files = await writeCastellanFiles({ clients: [testClient('app', 'https://app.example.com/callback')], extra: { authentication_backend: { ldap: kasmLDAPBlock(slapd) } } });
    passwordFile = join(files.directory, 'password');
    await writeFile(passwordFile, `${U.test_user_1.password}\n`);
  });
  after(async () => {
    await slapd?.stop();
  });

  test('test_user_1: every step, the DN, the in-chain filter as run, the groups and how the nested one was reached', async () => {
    const result = await castellan(['ldap', 'test', '--config', files.configFile, '--username', 'test_user_1', '--password-file', passwordFile]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const out = result.stdout;
    assert.match(step(out, 'connect'), /^\[ok\].*connected to ldap:\/\/127\.0\.0\.1:\d+$/);
    assert.match(step(out, 'service bind'), /bound as cn=ldap_service_account,ou=MyOrg,dc=kasm,dc=core$/);
    assert.match(step(out, 'user search'), /found cn=test_user_1,ou=MyOrg,dc=kasm,dc=core$/);
    assert.match(out, /filter: \(&\(uid=test_user_1\)\(objectClass=inetOrgPerson\)\(\|\(memberOf=CN=all_kasm_app_users,OU=MyOrg,DC=kasm,DC=core\)\(memberOf=cn=kasm_group_1,ou=MyOrg,dc=kasm,dc=core\)\)\) → 1 entry/);
    assert.match(out, /note: the users filter .* uses LDAP_MATCHING_RULE_IN_CHAIN .* which this server does not support \(it would silently match nothing\); Castellan resolved the nesting client-side/);
    assert.match(step(out, 'user bind'), /^\[ok\].*bound as cn=test_user_1,ou=MyOrg,dc=kasm,dc=core with the given password$/);
    assert.match(step(out, 'group search'), /^\[ok\].*2 groups found$/);
    assert.match(out, /kasm_group_1 \(cn=kasm_group_1,ou=MyOrg,dc=kasm,dc=core\): direct member/);
    assert.match(out, /all_kasm_app_users \(cn=all_kasm_app_users,ou=MyOrg,dc=kasm,dc=core\): via kasm_group_1/);
    assert.match(out, /LDAP test succeeded\.\nClaims on sign-in:\n {2}preferred_username: 'test_user_1'\n {2}name: 'test_user_1'\n {2}email: 'test_user_1@kasm\.core'\n {2}groups: 'kasm_group_1', 'all_kasm_app_users'\n$/);
    assert.doesNotMatch(out + result.stderr, new RegExp(U.test_user_1.password));
  });

  test('a wrong password (from stdin): the user bind fails with the precise message, exit 1', async () => {
    const result = await castellan(['ldap', 'test', '-c', files.configFile, '-u', 'test_user_1'], 'Not-The-Password\n');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(step(result.stdout, 'user search'), /found cn=test_user_1/);
    assert.match(step(result.stdout, 'user bind'), /^\[FAILED\]/);
    assert.match(result.stdout, /the bind as 'cn=test_user_1,ou=MyOrg,dc=kasm,dc=core' was refused: invalid credentials \(result 49 InvalidCredentials\)\. The password is wrong, or the account is locked out or disabled/);
    assert.match(step(result.stdout, 'group search'), /^\[skipped\]/);
    assert.match(result.stdout, /LDAP test failed\.\n$/);
    assert.doesNotMatch(result.stdout + result.stderr, /Not-The-Password/);
  });

  test('test_user_3, outside all_kasm_app_users: the user search says no entry matches, exit 1', async () => {
    const result = await castellan(['ldap', 'test', '-c', files.configFile, '-u', 'test_user_3'], `${U.test_user_3.password}\n`);
    assert.equal(result.code, 1);
    assert.match(step(result.stdout, 'user search'), /^\[FAILED\].*no usable entry for 'test_user_3'$/);
    assert.match(result.stdout, /unable to locate user 'test_user_3': no entry under 'OU=MyOrg,DC=kasm,DC=core' \(scope sub\) matches/);
  });

  test('a configuration with errors is reported like validate-config and nothing is tested', async () => {
    const broken = join(files.directory, 'broken.yml');
    await writeFile(broken, stringify({ authentication_backend: { ldap: { base_dn: '', password: '' } } }));
    const result = await castellan(['ldap', 'test', '-c', files.configFile, '-c', broken, '-u', 'test_user_1'], 'x\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^error: ${broken}:3:14 authentication_backend.ldap.base_dn: is required`, 'm'));
    assert.match(result.stderr, new RegExp(`^error: ${broken}:4:15 authentication_backend.ldap.password: is required`, 'm'));
    assert.match(result.stderr, /nothing was tested/);
    assert.equal(result.stdout, '');
  });

  test('a configuration without authentication_backend.ldap, and a missing --username', async () => {
    const fileOnly = await writeCastellanFiles({ clients: [testClient('app', 'https://app.example.com/callback')] });
    const result = await castellan(['ldap', 'test', '-c', fileOnly.configFile, '-u', 'john'], 'x\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /has no authentication_backend\.ldap/);
    const usage = await castellan(['ldap', 'test', '-c', files.configFile]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--username is required/);
  });
});
