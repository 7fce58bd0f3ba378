// The Workspaces demo app over HTTP, without a provider: the login page and auto login, local password
// sign-in and its session cookie, realms kept apart, the admin page for Administrators only, cross-origin
// forms refused, logout, local users following the configuration, and main.ts as a process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { openDatabase } from '../../examples/workspaces/database.ts';
import { generateDigest } from '../../src/crypto/digest.ts';
import { freePort } from '../helpers/castellan.ts';
import { SESSION_SECRET, startTestWorkspaces, type TestWorkspaces } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../examples/workspaces/main.ts', import.meta.url));
const PROVIDER = 'http://127.0.0.1:9';

let app: TestWorkspaces;
let appURL: string;
let config: Record<string, unknown>;

function provider(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, display_name: `Continue with ${id}`, client_id: 'kasm', client_secret: 'insecure_secret', redirect_url: `${appURL}/api/oidc_callback`,
    authorization_url: `${PROVIDER}/authorize`, token_url: `${PROVIDER}/token`, user_info_url: `${PROVIDER}/userinfo`, ...extra,
  };
}

before(async () => {
  const port = await freePort();
  appURL = `http://127.0.0.1:${port}`;
  const digest = await generateDigest({ algorithm: 'argon2', memory: 1024, iterations: 1, parallelism: 1 }, 'password');
  config = {
    local_users: [
      { username: 'admin', password: digest, email: 'admin@workspaces.local', groups: ['Administrators'] },
      { username: 'mary', password: digest },
    ],
    oidc: [provider('castellan'), provider('off', { enabled: false })],
  };
  app = await startTestWorkspaces(port, config);
  const db = openDatabase(app.databasePath);
  db.createUser({ username: 'john', realm: 'oidc', providerID: 'castellan', subject: 'sub-john', fields: {} });
  db.close();
});
after(() => app.destroy());

async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', body: new URLSearchParams(form), headers, redirect: 'manual' });
}

async function get(path: string, cookie?: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
}

async function signIn(username: string, password = 'password'): Promise<string> {
  const response = await post('/login', { username, password });
  assert.equal(response.status, 303);
  return response.headers.getSetCookie()[0]!.split(';')[0]!;
}

test('the login page has the local form and one button per enabled provider', async () => {
  const body = await (await get('/')).text();
  for (const id of ['username-textfield', 'password-textfield', 'sign-in-button']) assert.match(body, new RegExp(`id="${id}"`));
  assert.match(body, /data-sso-id="castellan" href="\/api\/sso_login\?id=castellan"/);
  assert.doesNotMatch(body, /data-sso-id="off"/);
});

test('a local user signs in with the password; the session cookie is HttpOnly, SameSite=Lax and named apart', async () => {
  const response = await post('/login', { username: ' Admin ', password: 'password' });
  assert.equal(response.status, 303);
  assert.equal(response.headers.get('location'), '/profile');
  const cookie = response.headers.getSetCookie()[0]!;
  assert.match(cookie, /^workspaces_session=[\w-]{43}; path=\/; expires=[^;]+; samesite=lax; httponly$/);
  const profile = await (await get('/profile', cookie.split(';')[0])).text();
  assert.match(profile, /id="profile-username">admin</);
  assert.match(profile, /id="profile-email">admin@workspaces.local</);
  assert.match(profile, /<li data-priority="4095">All Users<\/li><li data-priority="4095">Administrators<\/li>/);
});

test('a wrong password, an unknown user and an OpenID user all get the same refusal', async () => {
  for (const username of ['admin', 'nobody', 'john']) {
    const response = await post('/login', { username, password: username === 'admin' ? 'wrong' : 'password' });
    assert.equal(response.status, 401, username);
    assert.match(await response.text(), /id="login-error"[^>]*>Incorrect username or password.</);
    assert.deepEqual(response.headers.getSetCookie(), []);
  }
});

test('the admin page is for Administrators only', async () => {
  assert.equal((await get('/admin')).status, 302);
  assert.equal((await get('/admin', await signIn('mary'))).status, 403);
  const page = await (await get('/admin', await signIn('admin'))).text();
  assert.match(page, /data-username="john"><td>john<\/td><td>oidc \(castellan\)/);
  assert.match(page, /data-group="Administrators"><td>Administrators<\/td><td>4095<\/td><td><\/td><td><\/td><td>1<\/td>/);
});

test('a form posted from another origin, or from Castellan on another port, is refused', async () => {
  assert.equal((await post('/login', { username: 'admin', password: 'password' }, { origin: 'http://evil.example' })).status, 403);
  assert.equal((await post('/login', { username: 'admin', password: 'password' }, { 'sec-fetch-site': 'same-site' })).status, 403);
  assert.equal((await post('/login', { username: 'admin', password: 'password' }, { 'sec-fetch-site': 'same-origin', origin: 'null' })).status, 303);
});

test('logout ends the session in the database', async () => {
  const cookie = await signIn('mary');
  const sessions = app.snapshot().sessions;
  const response = await fetch(`${app.url}/api/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
  assert.equal(response.status, 303);
  assert.equal(app.snapshot().sessions, sessions - 1);
  assert.equal((await get('/profile', cookie)).status, 302);
});

test('auto login sends / to the provider; /staticlogin still shows the form', async () => {
  await app.restart({ ...config, oidc: [provider('castellan', { auto_login: true })] });
  const response = await get('/');
  assert.equal(response.status, 302);
  assert.equal(response.headers.get('location'), '/api/sso_login?id=castellan');
  assert.equal((await get('/staticlogin')).status, 200);
});

test('local users follow the configuration: one removed from the file is removed from the database', async () => {
  await app.restart({ ...config, local_users: [(config['local_users'] as unknown[])[0]] });
  assert.deepEqual(Object.keys(app.snapshot().users), ['admin', 'john']);
});

test('main.ts: a bad file exits 1 naming FILE:LINE:COLUMN; a good one listens until SIGTERM', async () => {
  const file = join(app.directory, 'main.yml');
  await writeFile(file, 'server:\n  address: 8080\n');
  const bad = spawn(process.execPath, [MAIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  bad.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  assert.deepEqual(await once(bad, 'exit'), [1, null]);
  assert.match(stderr, new RegExp(`${file}:2:12 server.address: must be string`));
  assert.match(stderr, new RegExp(`${file}:1:1 storage: is required but is not set`));

  const port = await freePort();
  await writeFile(file, stringify({ server: { address: `tcp://127.0.0.1:${port}/` }, storage: { path: join(app.directory, 'main.sqlite3') }, session_secret: SESSION_SECRET, ldap: [] }));
  const good = spawn(process.execPath, [MAIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    good.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Workspaces listening')) resolve();
    });
    good.once('exit', () => reject(new Error(`main.ts exited: ${stdout}`)));
  });
  assert.equal((await fetch(`http://127.0.0.1:${port}/staticlogin`)).status, 200);
  good.kill('SIGTERM');
  assert.deepEqual(await once(good, 'exit'), [0, null]);
});
