// The Workspaces demo app's direct LDAP sign-in over HTTP, against a real OpenLDAP holding the seed's
// example directory, configured with workspaces.example.yml's own ldap entry and groups (only the URL
// points at the test's slapd). Seed 002 "Verifying Configurations": test_user_1 and test_user_2 sign
// in, test_user_3 is refused (the search filter requires nested membership of all_kasm_app_users);
// test_user_1 lands in LDAP Group 1 and All Users, test_user_2 in All Users only. Then the refusals,
// which pages never tell apart, and the ldap-test command (Kasm's "Test LDAP Connection").
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parse, stringify } from 'yaml';
import { freePort } from '../helpers/castellan.ts';
import { DIRECTORY } from '../helpers/slapd.ts';
import { SKIP, useSlapd } from '../ldap/helpers.ts';
import { SESSION_SECRET, startTestWorkspaces, type TestWorkspaces } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../examples/workspaces/main.ts', import.meta.url));
const EXAMPLE = parse(readFileSync(new URL('../../examples/workspaces/workspaces.example.yml', import.meta.url), 'utf8')) as { oidc: unknown[]; ldap: Record<string, unknown>[]; groups: unknown[] };
const { users: U } = DIRECTORY;
const REFUSED = /<p id="login-error" class="alert" role="alert">Incorrect username or password.<\/p>/;

describe('Workspaces: direct LDAP sign-in (seed 002)', { skip: SKIP }, () => {
  const slapd = useSlapd();
  let app: TestWorkspaces;

  /** The example file's oidc, ldap and groups, the ldap entry's keys replaced by `ldap`. */
  function config(ldap: Record<string, unknown> = {}): Record<string, unknown> {
    return { oidc: EXAMPLE.oidc, ldap: [{ ...EXAMPLE.ldap[0], url: slapd().url, ...ldap }], groups: EXAMPLE.groups };
  }

  before(async () => {
    app = await startTestWorkspaces(await freePort(), config());
  });
  after(() => app?.destroy());

  async function signIn(username: string, password: string): Promise<Response> {
    return fetch(`${app.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  }

  async function profile(username: string, password: string): Promise<string> {
    const response = await signIn(username, password);
    assert.equal(response.status, 303, username);
    assert.equal(response.headers.get('location'), '/profile');
    const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!;
    return (await fetch(`${app.url}/profile`, { headers: { cookie } })).text();
  }

  async function refused(username: string, password: string): Promise<void> {
    const response = await signIn(username, password);
    assert.equal(response.status, 401, username);
    assert.match(await response.text(), REFUSED);
    assert.deepEqual(response.headers.getSetCookie(), []);
  }

  /** The app's log entries (JSON) about `username`. */
  function logsAbout(username: string): { msg: string; detail?: string; code?: string }[] {
    return app.logs.map((line) => JSON.parse(line) as { msg: string; username?: string; detail?: string }).filter((entry) => entry.username === username);
  }

  function groupsOn(page: string): string[] {
    return [...page.matchAll(/<li data-priority="\d+">([^<]+)<\/li>/g)].map((m) => m[1]!);
  }

  test('test_user_1 (kasm_group_1, nested in all_kasm_app_users) lands in LDAP Group 1 and All Users', async () => {
    const page = await profile('test_user_1@kasm.core', U.test_user_1.password);
    assert.match(page, /id="profile-username">test_user_1@kasm.core</);
    assert.match(page, /id="profile-email">test_user_1@kasm.core</);
    assert.match(page, /id="profile-realm">ldap \(kasm\)</);
    assert.deepEqual(groupsOn(page), ['LDAP Group 1', 'All Users']);
    // LDAP Group 1 (priority 100) sets max_sessions over All Users (4095).
    assert.match(page, /data-setting="max_sessions"><th>max_sessions<\/th><td class="setting-value">2<\/td><td class="setting-group">LDAP Group 1</);
  });

  test('test_user_2 (a direct member of all_kasm_app_users) signs in, in All Users only, and logs out', async () => {
    const response = await signIn('test_user_2@kasm.core', U.test_user_2.password);
    const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!;
    assert.deepEqual(groupsOn(await (await fetch(`${app.url}/profile`, { headers: { cookie } })).text()), ['All Users']);
    // No OpenID provider to end a session at: logout ends the app's and returns to the login page.
    const logout = await fetch(`${app.url}/api/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    assert.deepEqual([logout.status, logout.headers.get('location')], [303, '/']);
    assert.equal((await fetch(`${app.url}/profile`, { headers: { cookie }, redirect: 'manual' })).status, 302);
  });

  test('test_user_3 (in neither group) is refused: the search filter finds no one; the log says so', async () => {
    await refused('test_user_3@kasm.core', U.test_user_3.password);
    const [entry] = logsAbout('test_user_3@kasm.core');
    assert.equal(entry?.msg, 'LDAP login refused');
    assert.match(entry?.detail ?? '', /^ldap 'kasm' \(test_user_3\): USER_NOT_FOUND: unable to locate user 'test_user_3'/);
    assert.deepEqual(Object.keys(app.snapshot().users), ['test_user_1@kasm.core', 'test_user_2@kasm.core']);
    assert.deepEqual(app.snapshot().users['test_user_1@kasm.core'], { realm: 'ldap', provider: 'kasm', groups: ['All Users', 'LDAP Group 1'] });
  });

  test('the attribute mapping (sn → last_name) and email_attribute (mail) fill the user fields', () => {
    const db = new Database(app.databasePath, { readonly: true });
    try {
      const fields = db.prepare('SELECT fields FROM users WHERE username = ?').pluck().get('test_user_1@kasm.core') as string;
      assert.deepEqual(JSON.parse(fields), { email: U.test_user_1.mail, last_name: 'test_user_1' });
    } finally {
      db.close();
    }
  });

  test('a wrong password and an empty one get the same page; the log has the precise reason', async () => {
    await refused('test_user_1@kasm.core', 'wrong');
    assert.match(logsAbout('test_user_1@kasm.core').at(-1)?.detail ?? '', /INVALID_USER_CREDENTIALS: the bind as 'cn=test_user_1,ou=MyOrg,dc=kasm,dc=core' was refused/);
    await refused('test_user_1@kasm.core', '');
    assert.match(logsAbout('test_user_1@kasm.core').at(-1)?.detail ?? '', /empty password was refused before any directory was asked/);
  });

  test('a domain no configuration has is never tried against the directory', async () => {
    await refused('test_user_1@kasm.com', U.test_user_1.password);
    await refused('test_user_1', U.test_user_1.password);
    for (const username of ['test_user_1@kasm.com', 'test_user_1']) assert.deepEqual(logsAbout(username).map((e) => e.msg), ['local sign-in refused']);
  });

  test('auto_create_app_user off refuses a new user but not a known one; a disabled configuration is never tried', async () => {
    await app.restart(config({ auto_create_app_user: false }));
    await refused('jdoe@kasm.core', U.jane.password);
    assert.match(logsAbout('jdoe@kasm.core').at(-1)?.detail ?? '', /user_does_not_exist: user 'jdoe@kasm.core' does not exist and auto_create_app_user is off$/);
    assert.deepEqual(groupsOn(await profile('test_user_1@kasm.core', U.test_user_1.password)), ['LDAP Group 1', 'All Users']);
    assert.equal(app.snapshot().users['jdoe@kasm.core'], undefined);

    await app.restart(config({ enabled: false }));
    const before = logsAbout('test_user_2@kasm.core').length;
    await refused('test_user_2@kasm.core', U.test_user_2.password);
    assert.deepEqual(logsAbout('test_user_2@kasm.core').slice(before).map((e) => e.msg), ['local sign-in refused']);
  });

  describe('ldap-test (Kasm\'s "Test LDAP Connection")', () => {
    let file: string;
    before(async () => {
      file = join(app.directory, 'ldap-test.yml');
      await writeFile(file, stringify({ server: { address: 'tcp://127.0.0.1:0/' }, storage: { path: join(app.directory, 'unused.sqlite3') }, session_secret: SESSION_SECRET, ...config() }));
    });

    async function ldapTest(args: string[], password?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
      const child = spawn(process.execPath, [MAIN, '--config', file, 'ldap-test', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end(password === undefined ? '' : `${password}\n`);
      const [code] = await once(child, 'exit') as [number | null];
      return { code, stdout, stderr };
    }

    test('test_user_1@kasm.core passes every step (password from a file): exit 0, nesting and app groups shown', async () => {
      const passwordFile = join(app.directory, 'password.txt');
      await writeFile(passwordFile, `${U.test_user_1.password}\n`);
      const { code, stdout } = await ldapTest(['--id', 'kasm', '--username', 'test_user_1@kasm.core', '--password-file', passwordFile]);
      assert.equal(code, 0, stdout);
      assert.match(stdout, /^LDAP configuration 'kasm' \(Kasm Test LDAP Settings\), ldap:\/\/127\.0\.0\.1:\d+\nusername 'test_user_1@kasm.core' searches with \{0\} = 'test_user_1'\n/);
      assert.match(stdout, /^\[ok\] +service bind +bound as CN=ldap_service_account,OU=MyOrg,DC=kasm,DC=core$/m);
      assert.match(stdout, /^ +filter: \(&\(objectClass=inetOrgPerson\)\(uid=test_user_1\)\(\|\(memberOf=CN=all_kasm_app_users/m);
      assert.match(stdout, /^ +all_kasm_app_users \(cn=all_kasm_app_users,ou=MyOrg,dc=kasm,dc=core\): via kasm_group_1$/m);
      assert.match(stdout, /LDAP test succeeded\.\napp groups at sign-in: LDAP Group 1, All Users\n$/);
      assert.doesNotMatch(stdout, new RegExp(U.test_user_1.password));
    });

    test('test_user_3 fails at the user search (password on stdin), a wrong password at the user bind: exit 1', async () => {
      const three = await ldapTest(['--username', 'test_user_3@kasm.core'], U.test_user_3.password);
      assert.equal(three.code, 1);
      assert.match(three.stdout, /^\[FAILED\] +user search +no usable entry for 'test_user_3'$/m);
      assert.match(three.stdout, /unable to locate user 'test_user_3'/);
      assert.match(three.stdout, /^\[skipped\] +user bind/m);
      assert.match(three.stdout, /LDAP test failed\.\n$/);
      const wrong = await ldapTest(['--username', 'test_user_2@kasm.core'], 'wrong');
      assert.equal(wrong.code, 1);
      assert.match(wrong.stdout, /^\[FAILED\] +user bind +the bind as cn=test_user_2,ou=MyOrg,dc=kasm,dc=core failed$/m);
    });

    test("a username outside the configuration's domains fails; a missing --username or unknown --id is a usage error", async () => {
      const other = await ldapTest(['--username', 'test_user_1@kasm.com'], 'x');
      assert.equal(other.code, 1);
      assert.match(other.stdout, /'test_user_1@kasm.com' does not belong to this configuration: sign in as user@kasm.core\.\nLDAP test failed\.\n$/);
      const missing = await ldapTest([]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--username is required/);
      const unknown = await ldapTest(['--id', 'nope', '--username', 'a@kasm.core']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no ldap configuration has the id 'nope' \('kasm'\)/);
    });
  });
});
