// JWT access tokens (Authelia reference §2.1 `access_token_signed_response_alg` / `_key_id`; RFC 9068):
// a client with a signing algorithm receives access tokens as JWTs signed by the provider (`typ`
// at+jwt, RFC 9068 §2.2 claims, pairwise `sub` where configured), from every grant, and those JWTs
// still work where opaque tokens do: userinfo, introspection, revocation. A JWT that is not exactly
// what the provider signed for that client is refused. Clients without an algorithm keep opaque tokens.
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const SECRET = 'a-plaintext-client-secret-for-hs256-0123456789';
const SECTOR = 'https://apps.example.com/sector.json';

function pem(type: 'rsa' | 'ec'): string {
  const { privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

const service = (clientID: string, extra: Record<string, unknown>): Record<string, unknown> => ({ client_id: clientID, client_secret: SECRET, grant_types: ['client_credentials'], authorization_policy: 'one_factor', ...extra });

let castellan: TestServer;
let jwks: JSONWebKeySet;
const browser = new Browser();

before(async () => {
  castellan = await startCastellan({
    oidc: {
      jwks: [
        { key_id: 'rsa-main', algorithm: 'RS256', key: pem('rsa') },
        { key_id: 'ec-main', algorithm: 'ES256', key: pem('ec') },
      ],
    },
    clients: [
      service('rs256-service', { access_token_signed_response_alg: 'RS256' }),
      service('es256-service', { access_token_signed_response_key_id: 'ec-main' }),
      service('hs256-service', { access_token_signed_response_alg: 'HS256' }),
      service('opaque-service', { access_token_signed_response_alg: 'none' }),
      testClient('web', REDIRECT, {
        client_secret: SECRET, access_token_signed_response_alg: 'RS256', sector_identifier_uri: SECTOR, audience: ['https://api.example.com'],
        scopes: ['openid', 'profile', 'offline_access'], grant_types: ['authorization_code', 'refresh_token'],
      }),
    ],
  });
  jwks = await (await fetch(`${castellan.issuer}/jwks.json`)).json() as JSONWebKeySet;
});

after(async () => castellan.destroy());

const basic = (id: string): string => `Basic ${Buffer.from(`${id}:${SECRET}`).toString('base64')}`;

async function post(path: string, clientID: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${castellan.issuer}${path}`, { method: 'POST', headers: { authorization: basic(clientID), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
}

async function clientCredentials(clientID: string): Promise<Record<string, unknown>> {
  const response = await post('/api/oidc/token', clientID, { grant_type: 'client_credentials' });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json() as Promise<Record<string, unknown>>;
}

async function introspect(token: string, clientID = 'rs256-service'): Promise<Record<string, unknown>> {
  return (await post('/api/oidc/introspection', clientID, { token })).json() as Promise<Record<string, unknown>>;
}

async function userinfo(token: string): Promise<Response> {
  return fetch(`${castellan.issuer}/api/oidc/userinfo`, { headers: { authorization: `Bearer ${token}` } });
}

test('client_credentials with access_token_signed_response_alg RS256 gives an RFC 9068 JWT signed with the RS256 key', async () => {
  const body = await clientCredentials('rs256-service');
  const token = body['access_token'] as string;
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: castellan.issuer, typ: 'at+jwt', algorithms: ['RS256'] });
  assert.equal(protectedHeader.kid, 'rsa-main');
  // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti; sub is the client for a client-credentials token.
  assert.equal(payload.sub, 'rs256-service');
  assert.equal(payload['client_id'], 'rs256-service');
  assert.deepEqual(payload.aud, ['rs256-service']);
  assert.equal(typeof payload.jti, 'string');
  assert.equal(payload.exp! - payload.iat!, 3600);
  assert.equal(body['expires_in'], 3600);
  assert.equal(body['token_type'], 'Bearer');
});

test('access_token_signed_response_key_id picks the named key and its algorithm', async () => {
  const token = (await clientCredentials('es256-service'))['access_token'] as string;
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', typ: 'at+jwt', kid: 'ec-main' });
  await jwtVerify(token, createLocalJWKSet(jwks), { issuer: castellan.issuer, typ: 'at+jwt' });
});

test('an HMAC algorithm signs with the client secret', async () => {
  const token = (await clientCredentials('hs256-service'))['access_token'] as string;
  const { payload } = await jwtVerify(token, createSecretKey(Buffer.from(SECRET)), { algorithms: ['HS256'], issuer: castellan.issuer, typ: 'at+jwt' });
  assert.equal(payload['client_id'], 'hs256-service');
  assert.equal((await introspect(token, 'hs256-service'))['active'], true);
});

test('without an algorithm (none, the default) access tokens stay opaque', async () => {
  const token = (await clientCredentials('opaque-service'))['access_token'] as string;
  assert.doesNotMatch(token, /\./);
  assert.equal((await introspect(token, 'opaque-service'))['active'], true);
});

test('a JWT access token is introspected and revoked like an opaque one, and is refused once revoked', async () => {
  const token = (await clientCredentials('rs256-service'))['access_token'] as string;
  const active = await introspect(token);
  assert.equal(active['active'], true);
  assert.equal(active['client_id'], 'rs256-service');
  assert.equal(active['jti'] ?? decodeJwt(token).jti, decodeJwt(token).jti);
  const revoked = await post('/api/oidc/revocation', 'rs256-service', { token, token_type_hint: 'access_token' });
  assert.equal(revoked.status, 200);
  assert.deepEqual(await introspect(token), { active: false });
});

test('the code flow gives a JWT access token with the pairwise sub and the granted audience, accepted at userinfo; so does a refresh', async () => {
  const config = await client.discovery(new URL(castellan.issuer), 'web', undefined, client.ClientSecretBasic(SECRET), { execute: [client.allowInsecureRequests] });
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile offline_access', state, audience: 'https://api.example.com' });
  const flow = await authorize(browser, url.href, { redirectURI: REDIRECT });
  assert.ok(flow.callback, `expected a redirect to the client, got ${flow.last.status}`);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state, idTokenExpected: true });
  const idToken = tokens.claims()!;
  const { payload } = await jwtVerify(tokens.access_token, createLocalJWKSet(jwks), { issuer: castellan.issuer, typ: 'at+jwt' });
  // The sector's subject, as in the ID token: a resource server sees the same user the client does.
  assert.equal(payload.sub, idToken.sub);
  assert.deepEqual(payload.aud, ['https://api.example.com']);
  assert.equal(payload['client_id'], 'web');
  assert.equal(payload['scope'], 'openid profile offline_access');
  const info = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
  assert.equal(info['preferred_username'], 'john');
  assert.ok(tokens.refresh_token, 'a refresh token');
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  const again = await jwtVerify(refreshed.access_token, createLocalJWKSet(jwks), { issuer: castellan.issuer, typ: 'at+jwt' });
  assert.equal(again.payload.sub, idToken.sub);
  assert.notEqual(again.payload.jti, payload.jti);
  assert.equal((await userinfo(refreshed.access_token)).status, 200);
});

test('a JWT that is not what the provider signed for its client is refused at userinfo and introspection', async () => {
  const config = await client.discovery(new URL(castellan.issuer), 'web', undefined, client.ClientSecretBasic(SECRET), { execute: [client.allowInsecureRequests] });
  const state = client.randomState();
  const flow = await authorize(browser, client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile', state }).href, { redirectURI: REDIRECT });
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback!), { expectedState: state, idTokenExpected: true });
  const genuine = tokens.access_token;
  assert.equal((await userinfo(genuine)).status, 200);
  const claims = decodeJwt(genuine);
  const [header, body, signature] = genuine.split('.') as [string, string, string];
  const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
  const forgeries = {
    'altered signature': `${header}.${body}.${flipped}`,
    // Algorithm confusion: the stored token's id under HS256 keyed with the client secret, for an RS256 client.
    'HS256 instead of RS256': await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'rsa-main' }).sign(createSecretKey(Buffer.from(SECRET))),
    'another issuer': await new SignJWT({ ...claims, iss: 'https://evil.example.com' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(createSecretKey(Buffer.from(SECRET))),
    'unsigned': `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${body}.`,
  };
  for (const [name, forged] of Object.entries(forgeries)) {
    const response = await userinfo(forged);
    assert.equal(response.status, 401, name);
    assert.match(response.headers.get('www-authenticate') ?? '', /invalid_token/, name);
    assert.deepEqual(await introspect(forged, 'web'), { active: false }, name);
  }
  // A genuine token presented as another client's: the JWT names its client, and the stored token must match it.
  const swapped = await new SignJWT({ ...claims, client_id: 'hs256-service' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(createSecretKey(Buffer.from(SECRET)));
  assert.equal((await userinfo(swapped)).status, 401, 'a signature valid for another client over this token id');
  assert.deepEqual(await introspect(swapped, 'hs256-service'), { active: false }, 'introspected by the client that signed it');
  // The jti is an identifier, not a credential: presented as an opaque token it opens nothing.
  const jtiAlone = await userinfo(claims.jti!);
  assert.equal(jtiAlone.status, 401);
  assert.deepEqual(await introspect(claims.jti!, 'web'), { active: false });
  assert.equal((await userinfo(genuine)).status, 200, 'the genuine token still works');
  // Introspection never hands out the stored token's id.
  const introspected = await introspect(genuine, 'web');
  assert.equal(introspected['active'], true);
  assert.ok(introspected['jti'] === undefined || introspected['jti'] === claims.jti, `jti ${String(introspected['jti'])}`);
});
