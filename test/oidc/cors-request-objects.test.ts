// Provider `cors` (Authelia reference §1.1: listed endpoints only; listed origins, origins of client
// redirect URIs, or any https origin when neither is configured) and signed request objects (JAR,
// RFC 9101) checked against the client's `jwks` and `request_object_signing_alg`.
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { KASM_SECRET_DIGEST, startCastellan, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const APP = 'https://app.example.com';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
let castellan: TestServer;

before(async () => {
  castellan = await startCastellan({
    oidc: { cors: { endpoints: ['token', 'userinfo'], allowed_origins: [APP] } },
    clients: [
      { client_id: 'service', client_secret: KASM_SECRET_DIGEST, grant_types: ['client_credentials'], authorization_policy: 'one_factor' },
      {
        client_id: 'jar', client_secret: KASM_SECRET_DIGEST, authorization_policy: 'one_factor', consent_mode: 'implicit', redirect_uris: [REDIRECT], scopes: ['openid', 'profile'],
        request_object_signing_alg: 'RS256',
        jwks: [{ key_id: 'jar-key', algorithm: 'RS256', key: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString() }],
      },
    ],
  });
});
after(async () => castellan.destroy());

async function tokenRequest(origin: string, path = '/api/oidc/token'): Promise<Response> {
  return fetch(`${castellan.issuer}${path}`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('service:insecure_secret').toString('base64')}` },
    body: path.endsWith('/token') ? 'grant_type=client_credentials' : 'token=x',
  });
}

test('CORS: a listed origin is allowed at a listed endpoint', async () => {
  const response = await tokenRequest(APP);
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(response.headers.get('access-control-allow-origin'), APP);
});

test('CORS: an unlisted origin gets no Access-Control-Allow-Origin', async () => {
  const response = await tokenRequest('https://evil.example.com');
  assert.equal(response.headers.get('access-control-allow-origin'), null);
});

test('CORS: an endpoint that is not listed allows no origin', async () => {
  const response = await tokenRequest(APP, '/api/oidc/introspection');
  assert.equal(response.headers.get('access-control-allow-origin'), null);
});

test('CORS: discovery and /jwks.json allow any origin (public documents)', async () => {
  for (const path of ['/.well-known/openid-configuration', '/jwks.json']) {
    const response = await fetch(`${castellan.issuer}${path}`, { headers: { origin: 'https://anywhere.example.com' } });
    assert.equal(response.headers.get('access-control-allow-origin'), '*', path);
  }
});

function signingKey(pair: ReturnType<typeof generateKeyPairSync>): Promise<webcrypto.CryptoKey> {
  const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
  return crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
}

async function jarConfig(): Promise<client.Configuration> {
  return client.discovery(new URL(castellan.issuer), 'jar', undefined, client.ClientSecretBasic('insecure_secret'), { execute: [client.allowInsecureRequests] });
}

test('a request object signed with the registered key and algorithm is accepted (RFC 9101)', async () => {
  const config = await jarConfig();
  const state = client.randomState();
  const url = await client.buildAuthorizationUrlWithJAR(config, { redirect_uri: REDIRECT, scope: 'openid profile', state, response_type: 'code' }, { key: await signingKey(keys), kid: 'jar-key' });
  const flow = await authorize(new Browser(), url.href, { redirectURI: REDIRECT });
  assert.ok(flow.callback, `expected the code at the redirect URI, got ${flow.last.status}`);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state });
  assert.equal(tokens.claims()?.['preferred_username'], 'john');
});

test('a request object signed with another key is refused on an error page, without redirecting', async () => {
  const config = await jarConfig();
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const url = await client.buildAuthorizationUrlWithJAR(config, { redirect_uri: REDIRECT, scope: 'openid', state: client.randomState(), response_type: 'code' }, { key: await signingKey(other), kid: 'jar-key' });
  const response = await new Browser().get(url.href);
  // An unverifiable request object is not trusted to name the redirect URI (RFC 9101 §6.3).
  assert.equal(response.status, 400);
  assert.equal(response.location, undefined);
  assert.match(response.body, /id="error-message">could not validate Request Object</);
});
