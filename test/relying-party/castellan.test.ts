// The relying-party module against a real Castellan: a Koa app mounts relyingPartyRoutes on 127.0.0.1
// and a scripted browser signs in on Castellan's pages. Discovery (`issuer`) and manual endpoints
// (Kasm's three URLs) both provision users with their mapped groups; every failure ends on the error
// page with a typed code and nothing written to the store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Browser, type Response } from '../helpers/browser.ts';
import { freePort, startCastellan, testClient, type TestServer, type TestUser } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';
import { parseRelyingPartySettings, type RelyingPartySettings } from '../../src/relying-party/index.ts';
import { memoryStore, startApp, type MemoryStore, type TestApp } from './helpers.ts';

const PASSWORD = 'password';
const USERS: Record<string, TestUser> = {
  john: { password: PASSWORD, displayname: 'John Doe', email: 'john.doe@example.com', groups: ['admins', 'dev'] },
  harry: { password: PASSWORD, displayname: 'Harry Potter', email: 'harry.potter@example.com', groups: [] },
  mary: { password: PASSWORD, displayname: 'Mary Major', email: 'mary@example.com', groups: ['dev'] },
  ron: { password: PASSWORD, displayname: 'Ron Weasley', email: 'ron@example.com', groups: ['admins'] },
  luna: { password: PASSWORD, displayname: 'Luna Lovegood', email: 'luna@example.com', groups: [] },
  ginny: { password: PASSWORD, displayname: 'Ginny Weasley', email: 'ginny@example.com', groups: ['dev'] },
};

let appPort: number;
let castellan: TestServer;
let app: TestApp;
let store: MemoryStore;
let settings: RelyingPartySettings;

function castellanOptions(users: Record<string, TestUser>): Parameters<typeof startCastellan>[0] {
  const origin = `http://127.0.0.1:${appPort}`;
  return {
    users,
    clients: [testClient('workspaces', `${origin}/api/oidc_callback`, { scopes: ['openid', 'profile', 'email', 'groups'], post_logout_redirect_uris: [`${origin}/`] })],
  };
}

before(async () => {
  appPort = await freePort();
  castellan = await startCastellan(castellanOptions(USERS));
  const redirect = `http://127.0.0.1:${appPort}/api/oidc_callback`;
  const common = { client_id: 'workspaces', client_secret: 'insecure_secret', redirect_url: redirect, scopes: ['openid', 'profile', 'email', 'groups'], groups_attribute: 'groups' };
  const discovery = { ...common, issuer: castellan.issuer };
  settings = parseRelyingPartySettings({
    oidc: [
      { id: 'castellan', display_name: 'Continue with Castellan', ...discovery, logout_with_provider: true, attribute_mappings: { email: 'email', name: 'notes' } },
      { id: 'manual', display_name: 'Castellan (manual)', ...common, authorization_url: `${castellan.issuer}/api/oidc/authorization`, token_url: `${castellan.issuer}/api/oidc/token`, user_info_url: `${castellan.issuer}/api/oidc/userinfo` },
      { id: 'wrong-secret', display_name: 'Wrong secret', ...discovery, client_secret: 'not_the_secret' },
      { id: 'no-provision', display_name: 'No provisioning', ...discovery, auto_user_provision: false },
      { id: 'late', display_name: 'Discovered late', ...discovery },
      { id: 'off', display_name: 'Turned off', ...discovery, enabled: false },
    ],
    groups: [
      { name: 'Administrators', priority: 1, settings: { max_sessions: 5 }, sso_mappings: [{ provider: 'castellan', group_attribute: 'admins' }, { provider: 'manual', group_attribute: 'admins' }] },
      { name: 'Developers', priority: 10, settings: { max_sessions: 2, theme: 'dark' }, sso_mappings: [{ provider: 'castellan', group_attribute: 'DEV' }] },
      { name: 'Prefix', sso_mappings: [{ provider: 'castellan', group_attribute: 'de' }] },
      { name: 'Support', sso_mappings: [{ provider: 'manual', group_attribute: 'dev' }] },
      { name: 'All Users', settings: { theme: 'light', max_sessions: 1 }, sso_mappings: [{ provider: 'castellan', assign_all_users: true }, { provider: 'manual', assign_all_users: true }] },
    ],
  });
  store = memoryStore([{ username: 'luna', realm: 'local', groups: ['All Users'] }]);
  app = await startApp(appPort, { configs: settings.oidc, groups: settings.groups, store });
});

after(async () => {
  await app.close();
  await castellan.destroy();
});

interface SignIn {
  readonly browser: Browser;
  readonly start: Response;
  /** The provider's redirect back to the app (code, state, iss). */
  readonly callback: string;
}

/** Starts at the app's direct login link and signs in on Castellan, stopping before the callback. */
async function signIn(id: string, username: string): Promise<SignIn> {
  const browser = new Browser();
  const start = await browser.get(`${app.url}/api/sso_login?id=${id}`);
  assert.equal(start.status, 302, start.body);
  const flow = await authorize(browser, start.location!, { redirectURI: app.redirectURI, username, password: PASSWORD });
  assert.ok(flow.callback, `expected a redirect to the app, got ${flow.last.status}`);
  return { browser, start, callback: flow.callback };
}

function stateCookie(start: Response): string {
  const line = start.headers.getSetCookie().find((c) => c.startsWith('workspaces_oidc_state='));
  assert.ok(line, 'the login redirect sets the state cookie');
  return line.split(';')[0]!;
}

/** A request outside any browser, with exactly the Cookie header given. */
async function send(url: string, cookie?: string): Promise<Response> {
  const response = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  return { status: response.status, url, location: undefined, headers: response.headers, body: await response.text() };
}

function errorCode(response: Response): string | undefined {
  return /data-error-code="([a-z_]+)"/.exec(response.body)?.[1];
}

async function login(id: string, username: string): Promise<{ username: string; groups: string[]; created: boolean; fields: Record<string, string> }> {
  const { browser, callback } = await signIn(id, username);
  const response = await browser.get(callback);
  assert.equal(response.status, 200, response.body);
  return JSON.parse(response.body) as { username: string; groups: string[]; created: boolean; fields: Record<string, string> };
}

/** Signs in, calls back, and expects the error page with `code`; asserts nothing was written. */
async function refused(id: string, username: string, status: number, code: string): Promise<Response> {
  return writesNothing(async () => {
    const { browser, callback } = await signIn(id, username);
    const response = await browser.get(callback);
    assert.equal(response.status, status, response.body);
    assert.equal(errorCode(response), code);
    assert.match(response.body, /id="error-message"/);
    return response;
  });
}

/** Asserts the store was not written while `run` ran. */
async function writesNothing<T>(run: () => Promise<T>): Promise<T> {
  const before = [...store.writes];
  const users = store.users.size;
  const result = await run();
  assert.deepEqual(store.writes, before);
  assert.equal(store.users.size, users);
  return result;
}

test('discovery: the login redirect carries state, nonce and PKCE S256 bound to an HttpOnly cookie', async () => {
  const browser = new Browser();
  const start = await browser.get(`${app.url}/api/sso_login?id=castellan`);
  const location = new URL(start.location!);
  assert.equal(location.origin, castellan.issuer);
  assert.equal(location.searchParams.get('response_type'), 'code');
  assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(location.searchParams.get('nonce'));
  assert.ok(location.searchParams.get('state'));
  const line = start.headers.getSetCookie().find((c) => c.startsWith('workspaces_oidc_state='))!;
  assert.match(line, /; HttpOnly/);
  assert.match(line, /; SameSite=Lax/);
  assert.match(line, /Path=\/api\/oidc_callback/);
  assert.equal(start.headers.get('cache-control'), 'no-store');
});

test('discovery: first login provisions the user with the mapped groups and attribute mappings', async () => {
  const user = await login('castellan', 'john');
  assert.equal(user.created, true);
  assert.equal(user.username, 'john');
  // admins → Administrators, dev → Developers (mapping 'DEV', case-insensitive), all users; 'de' is not a prefix match.
  assert.deepEqual(user.groups, ['Administrators', 'Developers', 'All Users']);
  assert.deepEqual(user.fields, { email: 'john.doe@example.com', notes: 'John Doe' });
  const stored = store.users.get('john')!;
  assert.equal(stored.realm, 'oidc');
  assert.equal(stored.providerID, 'castellan');
  assert.match(stored.subject ?? '', /^[0-9a-f-]{36}$/);
});

test('discovery: a second login after leaving a provider group leaves the app group; unmapped groups stay', async () => {
  await store.setGroups('john', [...store.users.get('john')!.groups, 'Support']);
  await castellan.close();
  castellan = await startCastellan({ ...castellanOptions({ ...USERS, john: { ...USERS['john']!, groups: ['dev'] } }), directory: castellan.directory, port: castellan.port });
  const user = await login('castellan', 'john');
  assert.equal(user.created, false);
  // Support has mappings only for 'manual': untouched by a 'castellan' login.
  assert.deepEqual(user.groups, ['Developers', 'All Users', 'Support']);
});

test('manual endpoints (Kasm 1.15 style): login provisions with the RFC 9207 iss as the expected issuer', async () => {
  const user = await login('manual', 'harry');
  assert.equal(user.created, true);
  assert.deepEqual(user.groups, ['All Users']);
});

test('manual endpoints without the iss response parameter: the issuer is learnt from the ID token', async () => {
  const { browser, callback } = await signIn('manual', 'ron');
  const url = new URL(callback);
  assert.ok(url.searchParams.has('iss'));
  url.searchParams.delete('iss');
  const response = await browser.get(url.href);
  assert.equal(response.status, 200, response.body);
  assert.deepEqual(JSON.parse(response.body).groups, ['Administrators', 'All Users']);
});

test('a user of another realm or another OpenID configuration is refused', async () => {
  await refused('castellan', 'luna', 403, 'user_realm_mismatch');
  await refused('manual', 'john', 403, 'user_realm_mismatch');
});

test('auto_user_provision off: an unknown user is refused with "user does not exist"', async () => {
  const response = await refused('no-provision', 'mary', 403, 'user_does_not_exist');
  assert.doesNotMatch(response.body, /id="error-retry"/);
});

test('state problems: a missing, tampered or foreign state ends on the error page with a retry link', async () => {
  await writesNothing(async () => {
    const { start, callback } = await signIn('castellan', 'mary');
    const cookie = stateCookie(start);
    const missing = await send(callback);
    assert.equal(errorCode(missing), 'state_missing');
    const [name, value] = cookie.split('=') as [string, string];
    const [payload, signature] = value.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), e: 9999999999 })).toString('base64url');
    assert.equal(errorCode(await send(callback, `${name}=${forged}.${signature}`)), 'state_invalid');
    const otherState = new URL(callback);
    otherState.searchParams.set('state', 'not-the-state');
    const mismatch = await send(otherState.href, cookie);
    assert.equal(errorCode(mismatch), 'state_mismatch');
    assert.match(mismatch.body, /id="error-retry" href="\/api\/sso_login\?id=castellan"/);
    // Each answer removes the state cookie.
    assert.ok(mismatch.headers.getSetCookie().some((c) => /^workspaces_oidc_state=;.*Max-Age=0/.test(c)));
  });
});

test('a replayed callback URL is refused, in the same browser and with the old cookie', async () => {
  const { browser, start, callback } = await signIn('castellan', 'ginny');
  const cookie = stateCookie(start);
  assert.equal((await browser.get(callback)).status, 200);
  await writesNothing(async () => {
    assert.equal(errorCode(await browser.get(callback)), 'state_missing');
    const again = await send(callback, cookie);
    assert.equal(again.status, 400);
    assert.equal(errorCode(again), 'callback_replayed');
  });
});

test('a wrong client secret is a typed error and creates nothing', async () => {
  await refused('wrong-secret', 'mary', 502, 'provider_rejected_client');
  const logged = app.logs.find((l) => l.object['code'] === 'provider_rejected_client');
  assert.match(String(logged?.object['detail']), /invalid_client/);
});

test('an unknown or disabled configuration is refused at sso_login', async () => {
  for (const id of ['nope', 'off']) {
    const response = await new Browser().get(`${app.url}/api/sso_login?id=${id}`);
    assert.equal(response.status, 404);
    assert.equal(errorCode(response), 'unknown_provider');
  }
});

test('POST /api/login_settings lists the enabled configurations', async () => {
  const response = await fetch(`${app.url}/api/login_settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const body = await response.json() as { oidc: { oidc_configs: { id: string; login_url: string }[] } };
  assert.deepEqual(body.oidc.oidc_configs.map((c) => c.id), ['castellan', 'manual', 'wrong-secret', 'no-provision', 'late']);
  assert.equal(body.oidc.oidc_configs[0]!.login_url, '/api/sso_login?id=castellan');
});

test('logout with logout_with_provider redirects to the discovered end_session_endpoint', async () => {
  const { browser, callback } = await signIn('castellan', 'john');
  assert.equal((await browser.get(callback)).status, 200);
  const response = await browser.post(`${app.url}/api/logout`, {});
  assert.equal(response.status, 303);
  const target = new URL(response.location!);
  assert.equal(`${target.origin}${target.pathname}`, `${castellan.issuer}/api/oidc/end-session`);
  assert.ok(target.searchParams.get('id_token_hint'));
  assert.equal(target.searchParams.get('post_logout_redirect_uri'), `${app.url}/`);
  // RP-Initiated Logout 1.0 §2: the provider accepts the hint and the registered URI (it asks to confirm).
  assert.equal((await browser.get(target.href)).status, 200);
  const local = await new Browser().post(`${app.url}/api/logout`, {});
  assert.equal(local.location, `${app.url}/`);
});

test('provider down: the callback and a first discovery are typed errors and create nothing', async () => {
  const { browser, callback } = await signIn('castellan', 'mary');
  await castellan.close();
  await writesNothing(async () => {
    const response = await browser.get(callback);
    assert.equal(response.status, 502);
    assert.equal(errorCode(response), 'provider_unreachable');
    assert.match(response.body, /id="error-retry"/);
    const late = await new Browser().get(`${app.url}/api/sso_login?id=late`);
    assert.equal(errorCode(late), 'provider_unreachable');
  });
});
