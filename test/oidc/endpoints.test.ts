// Endpoints and the HTTP surface: discovery (both well-known paths, what it advertises, ETags),
// Authelia's endpoint paths, the health check, the issuer host check and proxy trust, security
// headers and cookies, RP-initiated logout, the portal's own sign-out, and CSRF on sign-in forms.
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { generateDigest } from '../../src/crypto/digest.ts';
import { Browser, formAction, inputValue, type Response } from '../helpers/browser.ts';
import { freePort, startCastellan, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7781/callback';
const POST_LOGOUT = 'http://127.0.0.1:7781/logged-out';
const SECRET = 'insecure_secret';
let castellan: TestServer;
/** Trusts only 10.0.0.0/8, so this test's 127.0.0.1 connections are an untrusted peer. */
let untrusted: TestServer;

/** Remembers every Set-Cookie line and every response, for header checks. */
class RecordingBrowser extends Browser {
  readonly setCookies: string[] = [];
  readonly responses: Response[] = [];

  override async request(method: string, target: string, body?: URLSearchParams): Promise<Response> {
    const response = await super.request(method, target, body);
    this.setCookies.push(...response.headers.getSetCookie());
    this.responses.push(response);
    return response;
  }
}

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A request with exactly the headers given (fetch would not let a test set Host). */
function raw(port: number, path: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  const digest = await generateDigest({ algorithm: 'argon2', memory: 1024, iterations: 1, parallelism: 1 }, SECRET);
  const app = {
    client_id: 'app',
    client_name: 'Endpoint App',
    client_secret: digest,
    authorization_policy: 'one_factor',
    redirect_uris: [REDIRECT],
    post_logout_redirect_uris: [POST_LOGOUT],
    scopes: ['openid', 'profile', 'offline_access'],
    grant_types: ['authorization_code', 'refresh_token'],
  };
  castellan = await startCastellan({ clients: [app] });
  const port = await freePort();
  untrusted = await startCastellan({ clients: [app], port, extra: { server: { address: `tcp://127.0.0.1:${port}/`, trusted_proxies: ['10.0.0.0/8'] } } });
});

after(async () => {
  await castellan.destroy();
  await untrusted.destroy();
});

async function discover(server: TestServer = castellan): Promise<client.Configuration> {
  return client.discovery(new URL(server.issuer), 'app', undefined, client.ClientSecretBasic(SECRET), { execute: [client.allowInsecureRequests] });
}

async function signIn(browser: Browser, config: client.Configuration, extra: Record<string, string> = {}) {
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile', state, nonce, ...extra });
  const flow = await authorize(browser, url.href, { redirectURI: REDIRECT });
  assert.ok(flow.callback, `expected a redirect to the client, got ${flow.last.status}`);
  return { ...flow, state, nonce, callback: new URL(flow.callback) };
}

test('discovery is served at both well-known paths, with the same document', async () => {
  const openid = await fetch(`${castellan.issuer}/.well-known/openid-configuration`);
  const oauth = await fetch(`${castellan.issuer}/.well-known/oauth-authorization-server`);
  assert.equal(openid.status, 200);
  assert.equal(oauth.status, 200);
  // OIDC Discovery §4 and RFC 8414 §3: JSON metadata; Authelia serves the same document at both.
  assert.match(openid.headers.get('content-type') ?? '', /^application\/json/);
  const document = await openid.json() as Record<string, unknown>;
  assert.deepEqual(await oauth.json(), document);
  // OIDC Discovery §4.3: issuer equals the URL the document was fetched from, minus the suffix.
  assert.equal(document['issuer'], castellan.issuer);
});

test("every endpoint is at Authelia's path and answers", async () => {
  const document = await (await fetch(`${castellan.issuer}/.well-known/openid-configuration`)).json() as Record<string, string>;
  const expected: Record<string, string> = {
    authorization_endpoint: '/api/oidc/authorization',
    token_endpoint: '/api/oidc/token',
    userinfo_endpoint: '/api/oidc/userinfo',
    introspection_endpoint: '/api/oidc/introspection',
    revocation_endpoint: '/api/oidc/revocation',
    pushed_authorization_request_endpoint: '/api/oidc/pushed-authorization-request',
    end_session_endpoint: '/api/oidc/end-session',
    jwks_uri: '/jwks.json',
  };
  // Authelia reference §5.1: the endpoint paths relying parties are configured with.
  for (const [name, path] of Object.entries(expected)) assert.equal(document[name], `${castellan.issuer}${path}`, name);
  const post = (path: string): Promise<globalThis.Response> => fetch(`${castellan.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  // Each answers as that endpoint does when a request lacks its parameters (never 404).
  const authorization = await fetch(`${castellan.issuer}/api/oidc/authorization`, { redirect: 'manual' });
  assert.equal(authorization.status, 400);
  assert.match(await authorization.text(), /<html/);
  for (const path of ['/api/oidc/token', '/api/oidc/introspection', '/api/oidc/revocation', '/api/oidc/pushed-authorization-request']) {
    const response = await post(path);
    // RFC 6749 §5.2: a JSON error, invalid_request (no parameters) or invalid_client (no client).
    assert.ok(response.status === 400 || response.status === 401, `${path}: ${response.status}`);
    assert.match(String(((await response.json()) as { error?: string }).error), /^invalid_(request|client)$/, path);
  }
  const userinfo = await fetch(`${castellan.issuer}/api/oidc/userinfo`);
  // RFC 6750 §3.1: no token → 401 with a Bearer challenge.
  assert.equal(userinfo.status, 401);
  assert.match(userinfo.headers.get('www-authenticate') ?? '', /^Bearer /);
  const endSession = await fetch(`${castellan.issuer}/api/oidc/end-session`, { redirect: 'manual' });
  assert.equal(endSession.status, 200);
  const jwks = await (await fetch(`${castellan.issuer}/jwks.json`)).json() as { keys: Record<string, unknown>[] };
  assert.ok(jwks.keys.length >= 1);
  // RFC 7517 §4 / conformance EnsureJwksHasNoPrivateOrSymmetricKeyMaterial.
  for (const key of jwks.keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(key[member], undefined, member);
});

test('pushed authorization requests work end to end at their endpoint', async () => {
  const config = await discover();
  const state = client.randomState();
  // RFC 9126 §2: the client pushes the parameters and gets a request_uri to send the browser with.
  const url = await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT, scope: 'openid', state });
  assert.match(url.searchParams.get('request_uri') ?? '', /^urn:ietf:params:oauth:request_uri:/);
  const flow = await authorize(new Browser(), url.href, { redirectURI: REDIRECT });
  assert.ok(flow.callback);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state });
  assert.ok(tokens.access_token);
});

test('discovery advertises exactly what is enabled', async () => {
  const document = await (await fetch(`${castellan.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  // Authelia reference §5.2: public and pairwise subjects.
  assert.deepEqual(document['subject_types_supported'], ['public', 'pairwise']);
  // RFC 9700 §2.1.1: S256 only while enable_pkce_plain_challenge is off.
  assert.deepEqual(document['code_challenge_methods_supported'], ['S256']);
  // RFC 8414 §2: the grants the token endpoint accepts; ROPC is never offered (RFC 9700 §2.4).
  assert.deepEqual(new Set(document['grant_types_supported'] as string[]), new Set(['authorization_code', 'implicit', 'refresh_token', 'client_credentials']));
  assert.deepEqual(new Set(document['response_types_supported'] as string[]), new Set(['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'none']));
  assert.deepEqual(new Set(document['response_modes_supported'] as string[]), new Set(['query', 'fragment', 'form_post']));
  // RFC 9207 §3: iss in authorization responses.
  assert.equal(document['authorization_response_iss_parameter_supported'], true);
  // OIDC Discovery §3: scopes including offline_access; RS256 for ID tokens.
  assert.ok((document['scopes_supported'] as string[]).includes('offline_access'));
  assert.ok((document['id_token_signing_alg_values_supported'] as string[]).includes('RS256'));
  // RP-Initiated Logout §2.1: Castellan offers end_session; it has no dynamic registration.
  assert.equal(typeof document['end_session_endpoint'], 'string');
  assert.equal(document['registration_endpoint'], undefined);
  assert.equal(document['check_session_iframe'], undefined);
  assert.equal(document['device_authorization_endpoint'], undefined);
  assert.equal(document['require_pushed_authorization_requests'] ?? false, false);
});

test('discovery and JWKS carry an ETag and answer a conditional GET with 304', async () => {
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/jwks.json']) {
    const first = await fetch(`${castellan.issuer}${path}`);
    const etag = first.headers.get('etag');
    // RFC 9110 §8.8.3: a strong validator for the representation.
    assert.match(etag ?? '', /^"[^"]+"$/, path);
    await first.arrayBuffer();
    // RFC 9110 §13.1.2: If-None-Match with the current ETag → 304 without a body.
    const again = await fetch(`${castellan.issuer}${path}`, { headers: { 'if-none-match': etag! } });
    assert.equal(again.status, 304, path);
    assert.equal(await again.text(), '');
    assert.equal(again.headers.get('etag'), etag);
    const stale = await fetch(`${castellan.issuer}${path}`, { headers: { 'if-none-match': '"stale"' } });
    assert.equal(stale.status, 200, path);
    await stale.arrayBuffer();
  }
});

test('the health check answers UP', async () => {
  const response = await fetch(`${castellan.issuer}/api/health`);
  // Authelia's /api/health: 200 {"status":"UP"} while the server can serve.
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'UP' });
});

test('a request for a host that matches no authelia_url gets a clear 400, not a discovery document', async () => {
  const response = await raw(castellan.port, '/.well-known/openid-configuration', { Host: 'auth.evil.example' });
  // Authelia: the issuer comes from the request and must match a session.cookies[].authelia_url,
  // else "no session cookie configuration matches url" — never a document with a forged issuer.
  assert.equal(response.status, 400);
  assert.doesNotMatch(response.body, /"issuer"/);
  assert.match(response.body, /authelia_url/);
  assert.match(response.body, /auth\.evil\.example/);
  assert.ok(response.body.includes(castellan.issuer), 'the message names the configured URL');
  const right = await raw(castellan.port, '/.well-known/openid-configuration', { Host: `127.0.0.1:${castellan.port}` });
  assert.equal(right.status, 200);
});

test('X-Forwarded-Proto and X-Forwarded-Host are honoured from a trusted proxy', async () => {
  // 127.0.0.1 is in the default server.trusted_proxies: the forwarded host wins over Host ...
  const forwarded = await raw(castellan.port, '/.well-known/openid-configuration', { Host: 'internal:8080', 'X-Forwarded-Host': `127.0.0.1:${castellan.port}`, 'X-Forwarded-Proto': 'http' });
  assert.equal(forwarded.status, 200);
  assert.equal(JSON.parse(forwarded.body).issuer, castellan.issuer);
  // ... and so does the forwarded scheme: https does not match this http issuer.
  const https = await raw(castellan.port, '/.well-known/openid-configuration', { Host: `127.0.0.1:${castellan.port}`, 'X-Forwarded-Proto': 'https' });
  assert.equal(https.status, 400);
});

test('X-Forwarded-Proto and X-Forwarded-Host are ignored from an untrusted peer', async () => {
  // RFC 9700 §4.13: only a trusted proxy's forwarding headers count (server.trusted_proxies: 10.0.0.0/8).
  const spoofed = await raw(untrusted.port, '/.well-known/openid-configuration', { Host: `127.0.0.1:${untrusted.port}`, 'X-Forwarded-Host': 'auth.evil.example', 'X-Forwarded-Proto': 'https' });
  assert.equal(spoofed.status, 200);
  assert.equal(JSON.parse(spoofed.body).issuer, untrusted.issuer);
  const hidden = await raw(untrusted.port, '/.well-known/openid-configuration', { Host: 'internal:8080', 'X-Forwarded-Host': `127.0.0.1:${untrusted.port}`, 'X-Forwarded-Proto': 'http' });
  assert.equal(hidden.status, 400);
});

test('portal pages and token responses are not cached, and pages carry the security headers', async () => {
  const browser = new RecordingBrowser();
  const config = await discover();
  const { callback, state, nonce } = await signIn(browser, config, { scope: 'openid profile offline_access' });
  await browser.get(`${castellan.issuer}/`);
  await browser.get(`${castellan.issuer}/api/oidc/authorization?client_id=nobody`);
  assert.ok((await browser.get(`${castellan.issuer}/api/oidc/end-session`)).body.includes('id="logout-button"'));
  const pages = browser.responses.filter((r) => (r.headers.get('content-type') ?? '').startsWith('text/html'));
  // The sign-in, consent, home, error and sign-out pages at least.
  assert.ok(pages.length >= 5, `${pages.length} HTML responses`);
  for (const page of pages) {
    const where = `${page.status} ${new URL(page.url).pathname}`;
    // RFC 9111 §5.2.2.5 / ASVS 8.2.1: pages with CSRF tokens and personal data are never stored.
    assert.equal(page.headers.get('cache-control'), 'no-store', where);
    // RFC 9700 §4.16: clickjacking protection by CSP frame-ancestors and X-Frame-Options.
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, where);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/, where);
    assert.equal(page.headers.get('x-frame-options'), 'DENY', where);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff', where);
    // RFC 9700 §4.2.4: no Referer leaks codes or states.
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer', where);
  }
  const tokenHeaders: Headers[] = [];
  config[client.customFetch] = async (url, options) => {
    const response = await fetch(url, options as RequestInit);
    if (new URL(url).pathname === '/api/oidc/token') tokenHeaders.push(response.headers);
    return response;
  };
  const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
  await client.refreshTokenGrant(config, tokens.refresh_token!);
  await assert.rejects(client.refreshTokenGrant(config, 'not-a-refresh-token'));
  // RFC 6749 §5.1 and §5.2: token responses, successes and errors, carry Cache-Control: no-store.
  assert.equal(tokenHeaders.length, 3);
  for (const headers of tokenHeaders) assert.equal(headers.get('cache-control'), 'no-store');
});

test('session cookies are HttpOnly and SameSite=Lax, and not Secure over http', async () => {
  const browser = new RecordingBrowser();
  await signIn(browser, await discover());
  const session = browser.setCookies.filter((line) => /^authelia_session=/.test(line));
  assert.ok(session.length >= 1, `no session cookie among ${browser.setCookies.map((l) => l.split('=')[0]).join(', ')}`);
  // ASVS 3.3.1–3.3.4: HttpOnly, SameSite; Secure only where the browser can send it back (https).
  for (const line of browser.setCookies.filter((l) => /^castellan_/.test(l))) {
    assert.match(line, /;\s*httponly/i, line);
    assert.match(line, /;\s*samesite=lax/i, line);
    assert.doesNotMatch(line, /;\s*secure/i, line);
  }
});

test('RP-initiated logout with id_token_hint and a registered post_logout_redirect_uri ends the session', async () => {
  const browser = new Browser();
  const config = await discover();
  const first = await signIn(browser, config);
  const tokens = await client.authorizationCodeGrant(config, first.callback, { expectedState: first.state, expectedNonce: first.nonce });
  // Signed in: the next authorization skips the sign-in page.
  assert.ok(!(await signIn(browser, config)).pages.includes('sign-in'));
  const state = client.randomState();
  const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT, state });
  assert.equal(url.pathname, '/api/oidc/end-session');
  // RP-Initiated Logout §3: the OP asks the user whether to sign out.
  const confirm = await browser.get(url.href);
  assert.equal(confirm.status, 200);
  assert.ok(confirm.body.includes('id="logout-button"'));
  const action = formAction(confirm.body, 'logout-button');
  assert.ok(action);
  const done = await browser.post(new URL(action, confirm.url).href, { xsrf: inputValue(confirm.body, 'xsrf') ?? '', logout: 'yes' });
  // RP-Initiated Logout §3: back to the registered post_logout_redirect_uri, with state.
  assert.equal(done.status, 303);
  const back = new URL(done.location!);
  assert.equal(`${back.origin}${back.pathname}`, POST_LOGOUT);
  assert.equal(back.searchParams.get('state'), state);
  // The session really ended: the next authorization asks to sign in again (oidcc-rp-initiated-logout).
  assert.equal((await signIn(browser, config)).pages[0], 'sign-in');
});

test('RP-initiated logout refuses an unregistered post_logout_redirect_uri', async () => {
  const browser = new Browser();
  const config = await discover();
  const first = await signIn(browser, config);
  const tokens = await client.authorizationCodeGrant(config, first.callback, { expectedState: first.state, expectedNonce: first.nonce });
  for (const target of ['http://127.0.0.1:7781/elsewhere', `${POST_LOGOUT}?foo=bar`, 'https://evil.example/']) {
    const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: target });
    const response = await browser.get(url.href);
    // RP-Initiated Logout §3 (oidcc-rp-initiated-logout-bad-post-logout-redirect-uri): never redirect there.
    assert.equal(response.status, 400, target);
    assert.equal(response.location, undefined);
  }
  // And nothing was signed out.
  assert.ok(!(await signIn(browser, config)).pages.includes('sign-in'));
});

test('the portal home shows the signed-in user and signs out with its CSRF token', async () => {
  const browser = new Browser();
  const anonymous = await browser.get(`${castellan.issuer}/`);
  assert.ok(!anonymous.body.includes('id="logout-button"'));
  const config = await discover();
  await signIn(browser, config);
  const home = await browser.get(`${castellan.issuer}/`);
  assert.equal(home.status, 200);
  assert.ok(home.body.includes('id="logout-button"'));
  assert.match(home.body, /John Doe/);
  assert.match(home.body, /id="signed-in-username">john</);
  const action = formAction(home.body, 'logout-button');
  assert.equal(action, '/logout');
  // ASVS 3.5.1 / 50.4: a sign-out without the form's token changes nothing (no logout CSRF).
  await browser.post(`${castellan.issuer}/logout`, { csrf_token: 'forged' });
  assert.ok((await browser.get(`${castellan.issuer}/`)).body.includes('id="logout-button"'));
  const out = await browser.post(`${castellan.issuer}/logout`, { csrf_token: inputValue(home.body, 'csrf_token') ?? '' });
  assert.ok(out.status >= 300 && out.status < 400);
  assert.ok(!(await browser.get(`${castellan.issuer}/`)).body.includes('id="logout-button"'));
  assert.equal((await signIn(browser, config)).pages[0], 'sign-in');
});

test('a sign-in form posted without a valid csrf_token is refused with 403', async () => {
  const browser = new Browser();
  const config = await discover();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state: client.randomState() });
  const page = await browser.follow(await browser.get(url.href));
  const action = formAction(page.body, 'sign-in-button');
  assert.ok(action !== undefined && action.startsWith('/interaction/'));
  const target = new URL(action, page.url).href;
  const token = inputValue(page.body, 'csrf_token') ?? '';
  // ASVS 3.5.1: state-changing portal forms need the synchronizer token of this interaction.
  for (const csrf of [undefined, '', 'forged', `${token.slice(0, -2)}AA`]) {
    const fields: Record<string, string> = { username: 'john', password: 'password' };
    if (csrf !== undefined) fields['csrf_token'] = csrf;
    const refused = await browser.post(target, fields);
    assert.equal(refused.status, 403, String(csrf));
    assert.equal(refused.location, undefined);
  }
  // The real token still works: the refusals did not sign anyone in or break the interaction.
  const accepted = await browser.post(target, { csrf_token: token, username: 'john', password: 'password' });
  assert.ok(accepted.status >= 300 && accepted.status < 400, String(accepted.status));
});
