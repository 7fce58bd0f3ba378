// handleCallback against a scripted provider (discovery, JWKS, token and userinfo endpoints written with
// jose), to prove what Castellan never sends: forged, misdirected or stale ID tokens (OpenID Connect
// Core §3.1.3.7), userinfo for another subject (§5.3.2), signed userinfo (§5.3.2), token endpoint
// failures, and the client authentication and PKCE (RFC 7636 §4.5) the module sends.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { buildLoginRedirect, cookieValue, handleCallback, RelyingPartyError, type CallbackResult, type RelyingPartyConfig } from '../../src/relying-party/index.ts';
import { COOKIE_SECRET, memoryStore, rpConfig } from './helpers.ts';

const CLIENT_ID = 'workspaces';
const SECRET = 'insecure_secret';
const REDIRECT = 'http://127.0.0.1:1/api/oidc_callback';

interface Scenario {
  /** Overrides of the ID token's claims (undefined removes one). */
  idToken?: Record<string, unknown>;
  signWithOther?: boolean;
  userinfo?: Record<string, unknown>;
  /** Answer userinfo as a signed JWT. */
  userinfoJWT?: boolean;
  tokenStatus?: number;
}

let server: Server;
let issuer: string;
let providerKey: CryptoKey;
let otherKey: CryptoKey;
let publicJWK: JWK;
let scenario: Scenario = {};
/** The nonce of the sign-in in progress (the scripted provider echoes it as a real one would). */
let nonce = '';
let lastTokenRequest: { authorization: string | undefined; body: URLSearchParams } | undefined;

async function sign(claims: Record<string, unknown>, key: CryptoKey): Promise<string> {
  const defined = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
  return new SignJWT(defined).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(key);
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

before(async () => {
  const provider = await generateKeyPair('ES256');
  providerKey = provider.privateKey;
  publicJWK = { ...(await exportJWK(provider.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  otherKey = (await generateKeyPair('ES256')).privateKey;
  server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', issuer).pathname;
      const json = (status: number, value: unknown, type = 'application/json'): void => {
        response.writeHead(status, { 'content-type': type });
        response.end(typeof value === 'string' ? value : JSON.stringify(value));
      };
      if (path === '/.well-known/openid-configuration') {
        return json(200, {
          issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, userinfo_endpoint: `${issuer}/userinfo`, jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'], userinfo_signing_alg_values_supported: ['ES256'],
        });
      }
      if (path === '/jwks') return json(200, { keys: [publicJWK] });
      if (path === '/token') {
        lastTokenRequest = { authorization: request.headers.authorization, body: new URLSearchParams(await body(request)) };
        if (scenario.tokenStatus) return json(scenario.tokenStatus, { error: 'server_error' });
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: issuer, sub: 'subject-1', aud: CLIENT_ID, iat: now, exp: now + 300, nonce, preferred_username: 'Alice', ...scenario.idToken };
        return json(200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 300, id_token: await sign(claims, scenario.signWithOther ? otherKey : providerKey) });
      }
      if (path === '/userinfo') {
        const claims = { sub: 'subject-1', groups: ['admins'], ...scenario.userinfo };
        if (scenario.userinfoJWT) return json(200, await sign({ iss: issuer, aud: CLIENT_ID, ...claims }, scenario.signWithOther ? otherKey : providerKey), 'application/jwt');
        return json(200, claims);
      }
      return json(404, { error: 'not_found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function config(extra: Record<string, unknown> = {}): RelyingPartyConfig {
  return rpConfig({ id: 'scripted', display_name: 'Scripted', client_id: CLIENT_ID, client_secret: SECRET, issuer, redirect_url: REDIRECT, groups_attribute: 'groups', ...extra });
}

/** Starts a sign-in, then calls back as the provider would (code, state, iss). */
async function callBack(rp: RelyingPartyConfig, options: { query?: Record<string, string>; debug?: string[] } = {}): Promise<{ result?: CallbackResult; code?: string; authorizationURL: URL; store: ReturnType<typeof memoryStore> }> {
  const redirect = await buildLoginRedirect(rp, { cookieSecret: COOKIE_SECRET });
  const authorizationURL = new URL(redirect.url);
  nonce = authorizationURL.searchParams.get('nonce')!;
  const url = new URL(REDIRECT);
  const query = Object.entries({ code: 'code-1', state: authorizationURL.searchParams.get('state')!, iss: issuer, ...options.query }).filter(([, v]) => v !== undefined);
  url.search = new URLSearchParams(query).toString();
  const store = memoryStore();
  const logger = { debug: (object: Record<string, unknown>) => options.debug?.push(JSON.stringify(object)), info: () => {}, warn: () => {} };
  try {
    const result = await handleCallback(rp, { url, cookie: cookieValue(redirect.cookie.split(';')[0]), cookieSecret: COOKIE_SECRET, store, logger });
    return { result, authorizationURL, store };
  } catch (error) {
    assert.ok(error instanceof RelyingPartyError, String(error));
    assert.deepEqual(store.writes, [], 'a failed callback writes nothing');
    return { code: error.code, authorizationURL, store };
  }
}

test('a valid sign-in: code exchanged with client_secret_basic and the PKCE verifier; userinfo groups read', async () => {
  scenario = {};
  const rp = config();
  const { result, authorizationURL } = await callBack(rp);
  assert.equal(result?.user.username, 'alice');
  assert.deepEqual(result?.claims['preferred_username'], 'Alice');
  assert.deepEqual(result?.userinfo?.['groups'], ['admins']);
  // RFC 6749 §2.3.1: id and secret are form-encoded, then sent with HTTP Basic.
  const basic = Buffer.from(lastTokenRequest!.authorization!.replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
  assert.deepEqual(basic, [CLIENT_ID, SECRET]);
  assert.equal(lastTokenRequest?.body.get('client_secret'), null);
  // RFC 7636 §4.6: the verifier's S256 is the challenge sent in the authorization request.
  const verifier = lastTokenRequest!.body.get('code_verifier')!;
  assert.equal(createHash('sha256').update(verifier).digest('base64url'), authorizationURL.searchParams.get('code_challenge'));
  assert.equal(lastTokenRequest?.body.get('redirect_uri'), REDIRECT);
});

test('client_secret_post sends the secret in the body; pkce: false sends no challenge and no verifier', async () => {
  scenario = {};
  const { result, authorizationURL } = await callBack(config({ token_endpoint_auth_method: 'client_secret_post', pkce: false }));
  assert.ok(result);
  assert.equal(authorizationURL.searchParams.get('code_challenge'), null);
  assert.equal(lastTokenRequest?.authorization, undefined);
  assert.equal(lastTokenRequest?.body.get('client_secret'), SECRET);
  assert.equal(lastTokenRequest?.body.get('code_verifier'), null);
});

test('an ID token that is forged, misdirected, stale or for another sign-in is refused', async () => {
  const rp = config();
  const cases: [string, Scenario][] = [
    ['signed with a key not in the JWKS', { signWithOther: true }],
    ['another issuer', { idToken: { iss: 'https://evil.example.com' } }],
    ['another audience', { idToken: { aud: 'someone-else' } }],
    ['an authorized party that is not this client', { idToken: { aud: [CLIENT_ID, 'someone-else'], azp: 'someone-else' } }],
    ['expired', { idToken: { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 } }],
    ['another nonce', { idToken: { nonce: 'not-the-nonce' } }],
    ['no nonce', { idToken: { nonce: undefined } }],
  ];
  for (const [name, s] of cases) {
    scenario = s;
    assert.equal((await callBack(rp)).code, 'invalid_id_token', name);
  }
});

test('userinfo for another subject is refused; signed userinfo is verified with the JWKS', async () => {
  const rp = config();
  scenario = { userinfo: { sub: 'subject-2' } };
  assert.equal((await callBack(rp)).code, 'invalid_userinfo');
  scenario = { userinfoJWT: true, userinfo: { groups: ['signed'] } };
  assert.deepEqual((await callBack(rp)).result?.userinfo?.['groups'], ['signed']);
  scenario = { userinfoJWT: true, userinfo: { sub: 'subject-2' } };
  assert.equal((await callBack(rp)).code, 'invalid_userinfo');
});

test('an error from the provider, at the redirect or the token endpoint, is a typed error', async () => {
  const rp = config();
  scenario = {};
  assert.equal((await callBack(rp, { query: { error: 'access_denied', code: '' } })).code, 'provider_error');
  scenario = { tokenStatus: 500 };
  assert.equal((await callBack(rp)).code, 'provider_error');
  scenario = {};
  assert.equal((await callBack(rp, { query: { iss: 'https://mix-up.example.com' } })).code, 'invalid_id_token', 'RFC 9207: the iss response parameter must be the issuer');
});

test('manual endpoints: claims are still checked, signatures cannot be (no JWKS is known)', async () => {
  const manual = rpConfig({
    id: 'manual', display_name: 'Manual', client_id: CLIENT_ID, client_secret: SECRET, redirect_url: REDIRECT, groups_attribute: 'groups',
    authorization_url: `${issuer}/authorize`, token_url: `${issuer}/token`, user_info_url: `${issuer}/userinfo`,
  });
  scenario = {};
  assert.equal((await callBack(manual)).result?.user.username, 'alice', 'with the RFC 9207 iss');
  assert.equal((await callBack(manual, { query: { iss: undefined as unknown as string } })).result?.user.username, 'alice', 'issuer learnt from the ID token');
  for (const s of [{ idToken: { aud: 'someone-else' } }, { idToken: { nonce: 'not-the-nonce' } }, { idToken: { iss: 'https://evil.example.com' } }]) {
    scenario = s;
    assert.equal((await callBack(manual)).code, 'invalid_id_token', JSON.stringify(s));
  }
  // The documented limit of Kasm's manual mode: trust rests on TLS to token_url, not on a signature.
  scenario = { signWithOther: true };
  assert.ok((await callBack(manual)).result);
});

test('a missing username or groups claim is refused; tokens are logged only with debug', async () => {
  scenario = { idToken: { preferred_username: undefined } };
  assert.equal((await callBack(config())).code, 'missing_username');
  scenario = { userinfo: { groups: undefined } };
  assert.equal((await callBack(config())).code, 'missing_groups');
  scenario = {};
  const quiet: string[] = [];
  await callBack(config(), { debug: quiet });
  assert.deepEqual(quiet, []);
  const loud: string[] = [];
  await callBack(config({ debug: true }), { debug: loud });
  assert.match(loud.join('\n'), /"id_token":"ey/);
});
