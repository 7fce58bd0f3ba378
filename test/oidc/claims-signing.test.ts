// Claims and signing (Authelia reference §5.3, §2.1, §1.1): the claims of each granted scope in the
// ID token and at userinfo, nothing for scopes not granted; userinfo as JSON or as a JWT signed with
// a provider key; ID tokens signed with RS256, PS256 or ES256, or with the key a client names; and
// /jwks.json publishing the public keys under their configured or thumbprint-derived key ids.
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import * as client from 'openid-client';
import { accountClaims } from '../../src/oidc/claims.ts';
import { Browser } from '../helpers/browser.ts';
import { discoverClient, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const ALL_SCOPES = ['openid', 'profile', 'email', 'groups'];

function pem(type: 'rsa' | 'ec'): string {
  const { privateKey } = type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

const KEYS = { rsa: pem('rsa'), rsaPS: pem('rsa'), ec: pem('ec'), ecSecond: pem('ec') };

/** Authelia §1.1: the first 6 hex chars of the RFC 7638 SHA-256 thumbprint, '-', the alg in lower case. */
async function thumbprintKeyID(privatePEM: string, alg: string): Promise<string> {
  const jwk = createPublicKey(privatePEM).export({ format: 'jwk' }) as JWK;
  return `${Buffer.from(await calculateJwkThumbprint(jwk, 'sha256'), 'base64url').toString('hex').slice(0, 6)}-${alg.toLowerCase()}`;
}

const clientBlock = (clientID: string, extra: Record<string, unknown> = {}): Record<string, unknown> => testClient(clientID, REDIRECT, { scopes: ALL_SCOPES, ...extra });

let castellan: TestServer;
let browser: Browser;
let jwks: JSONWebKeySet;
let kids: { ps: string; ec: string };

before(async () => {
  kids = { ps: await thumbprintKeyID(KEYS.rsaPS, 'PS256'), ec: await thumbprintKeyID(KEYS.ec, 'ES256') };
  castellan = await startCastellan({
    oidc: {
      jwks: [
        { key_id: 'rsa-main', algorithm: 'RS256', key: KEYS.rsa },
        { algorithm: 'PS256', key: KEYS.rsaPS },
        { key: KEYS.ec },
        { key_id: 'ec-second', algorithm: 'ES256', key: KEYS.ecSecond },
      ],
    },
    clients: [
      clientBlock('claims', { userinfo_signed_response_alg: 'none' }),
      clientBlock('profile-only', { scopes: ['openid', 'profile'] }),
      clientBlock('userinfo-jwt', { userinfo_signed_response_alg: 'RS256' }),
      // Seed 003's beta name for the same option.
      clientBlock('userinfo-old-name', { userinfo_signing_alg: 'RS256' }),
      clientBlock('userinfo-kid', { userinfo_signed_response_key_id: 'ec-second' }),
      clientBlock('ps256', { id_token_signed_response_alg: 'PS256' }),
      clientBlock('es256', { id_token_signed_response_alg: 'ES256' }),
      clientBlock('rsa-kid', { id_token_signed_response_key_id: 'rsa-main' }),
      clientBlock('ps-kid', { id_token_signed_response_key_id: kids.ps }),
      clientBlock('ec-second', { id_token_signed_response_key_id: 'ec-second' }),
    ],
  });
  browser = new Browser();
  jwks = await (await fetch(`${castellan.issuer}/jwks.json`)).json() as JSONWebKeySet;
});

after(async () => castellan.destroy());

interface Result {
  readonly config: client.Configuration;
  readonly tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  readonly idToken: Record<string, unknown>;
}

async function signIn(clientID: string, scope: string, metadata: Partial<client.ClientMetadata> = {}): Promise<Result> {
  const config = await discoverClient(castellan, clientID, metadata);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, state, nonce });
  const flow = await authorize(browser, url.href, { redirectURI: REDIRECT });
  assert.ok(flow.callback, `expected a redirect to ${clientID}, got ${flow.last.status}`);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  return { config, tokens, idToken: tokens.claims() as Record<string, unknown> };
}

async function userinfoResponse(accessToken: string): Promise<Response> {
  return fetch(`${castellan.issuer}/api/oidc/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
}

/** Verifies a JWT against the provider's published JWKS; returns its header and payload. */
async function verified(jwt: string): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: castellan.issuer });
  return { header: protectedHeader as Record<string, unknown>, payload: payload as Record<string, unknown> };
}

const SCOPE_CLAIMS = { profile: ['name', 'preferred_username'], email: ['email', 'email_verified'], groups: ['groups'] } as const;

test('openid gives sub, auth_time and amr with pwd in the ID token; userinfo has sub only', async () => {
  const { config, tokens, idToken } = await signIn('claims', 'openid');
  // OIDC Core §2: sub, auth_time; RFC 8176 §2: amr 'pwd' for a password sign-in.
  assert.equal(typeof idToken['sub'], 'string');
  assert.equal(typeof idToken['auth_time'], 'number');
  assert.ok(Array.isArray(idToken['amr']) && (idToken['amr'] as string[]).includes('pwd'), `amr is ${JSON.stringify(idToken['amr'])}`);
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken['sub'] as string);
  for (const claims of Object.values(SCOPE_CLAIMS)) for (const claim of claims) {
    // Authelia §5.3: scopes not granted give no claims.
    assert.ok(!(claim in idToken), `ID token without ${claim}`);
    assert.ok(!(claim in userinfo), `userinfo without ${claim}`);
  }
});

test('profile, email and groups give their claims in the ID token and at userinfo', async () => {
  const { config, tokens, idToken } = await signIn('claims', ALL_SCOPES.join(' '));
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken['sub'] as string) as Record<string, unknown>;
  const expected: Record<string, unknown> = { name: 'John Doe', preferred_username: 'john', email: 'john.doe@example.com', email_verified: true, groups: ['admins', 'dev'] };
  for (const [claim, value] of Object.entries(expected)) {
    // Authelia §5.3 (4.38 placement, which Castellan keeps): claims of granted scopes in both.
    assert.deepEqual(idToken[claim], value, `ID token ${claim}`);
    assert.deepEqual(userinfo[claim], value, `userinfo ${claim}`);
  }
  // Authelia §5.3: alt_emails only lists the other addresses; john has one.
  assert.ok(!('alt_emails' in idToken) && !('alt_emails' in userinfo));
});

test('alt_emails appears only for a user with several addresses', () => {
  const base = { username: 'ann', displayName: 'Ann', groups: [], disabled: false };
  // Authelia §5.3: email = the first address, alt_emails = the others.
  const several = accountClaims('s', { ...base, emails: ['ann@example.com', 'ann@example.org', 'a@example.net'] });
  assert.equal(several['email'], 'ann@example.com');
  assert.deepEqual(several['alt_emails'], ['ann@example.org', 'a@example.net']);
  assert.ok(!('alt_emails' in accountClaims('s', { ...base, emails: ['ann@example.com'] })));
});

test('only the scopes requested and granted give claims', async () => {
  const { config, tokens, idToken } = await signIn('claims', 'openid email');
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken['sub'] as string) as Record<string, unknown>;
  assert.equal(userinfo['email'], 'john.doe@example.com');
  for (const claim of [...SCOPE_CLAIMS.profile, ...SCOPE_CLAIMS.groups]) {
    assert.ok(!(claim in idToken) && !(claim in userinfo), `no ${claim} without its scope`);
  }
});

test('a scope the client is not registered for is refused with invalid_scope', async () => {
  const config = await discoverClient(castellan, 'profile-only');
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile email', state });
  const flow = await authorize(browser, url.href, { redirectURI: REDIRECT });
  assert.ok(flow.callback);
  const params = new URL(flow.callback).searchParams;
  // RFC 6749 §4.1.2.1 / Authelia: a scope outside the client's `scopes` is invalid_scope, not a silent grant.
  assert.equal(params.get('error'), 'invalid_scope');
  assert.ok(!params.has('code'));
});

test('userinfo_signed_response_alg none returns JSON', async () => {
  const { tokens } = await signIn('claims', 'openid profile');
  const response = await userinfoResponse(tokens.access_token);
  // Authelia §2.1: none gives application/json.
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal((await response.json() as Record<string, unknown>)['preferred_username'], 'john');
});

const USERINFO_CASES = [
  { clientID: 'userinfo-jwt', alg: 'RS256', kid: 'rsa-main' },
  { clientID: 'userinfo-old-name', alg: 'RS256', kid: 'rsa-main' },
  { clientID: 'userinfo-kid', alg: 'ES256', kid: 'ec-second' },
];

for (const { clientID, alg, kid } of USERINFO_CASES) {
  test(`${clientID}: userinfo is a ${alg} JWT signed with ${kid} and verified with the provider JWKS`, async () => {
    const { config, tokens, idToken } = await signIn(clientID, 'openid profile groups', { userinfo_signed_response_alg: alg });
    const response = await userinfoResponse(tokens.access_token);
    // Authelia §2.1 / OIDC Core §5.3.2: a signed userinfo response is application/jwt, signed with
    // userinfo_signed_response_alg or with the key userinfo_signed_response_key_id names.
    assert.match(response.headers.get('content-type') ?? '', /^application\/jwt/);
    const { header, payload } = await verified(await response.text());
    assert.equal(header['alg'], alg);
    assert.equal(header['kid'], kid);
    // OIDC Core §5.3.2: a signed userinfo response carries iss and aud.
    assert.equal(payload['aud'], clientID);
    assert.equal(payload['sub'], idToken['sub']);
    assert.equal(payload['preferred_username'], 'john');
    assert.deepEqual(payload['groups'], ['admins', 'dev']);
    // openid-client accepts it too.
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken['sub'] as string);
    assert.equal(userinfo.preferred_username, 'john');
  });
}

const SIGNING_CASES = [
  { clientID: 'claims', alg: 'RS256', kid: (): string => 'rsa-main' },
  { clientID: 'ps256', alg: 'PS256', kid: (): string => kids.ps },
  { clientID: 'es256', alg: 'ES256', kid: (): string => kids.ec },
  { clientID: 'rsa-kid', alg: 'RS256', kid: (): string => 'rsa-main' },
  { clientID: 'ps-kid', alg: 'PS256', kid: (): string => kids.ps },
  { clientID: 'ec-second', alg: 'ES256', kid: (): string => 'ec-second' },
];

for (const { clientID, alg, kid } of SIGNING_CASES) {
  test(`${clientID}: the ID token is signed with ${alg} and the expected key`, async () => {
    const { tokens } = await signIn(clientID, 'openid', { id_token_signed_response_alg: alg });
    const { header, payload } = await verified(tokens.id_token!);
    // Authelia §2.1: id_token_signed_response_alg (default RS256), or the alg of the key named by
    // id_token_signed_response_key_id; per algorithm the first configured key is the default (§1.1).
    assert.equal(header['alg'], alg);
    assert.equal(header['kid'], kid());
    assert.equal(payload['aud'], clientID);
    assert.deepEqual(decodeProtectedHeader(tokens.id_token!), header);
  });
}

test('/jwks.json publishes the public keys under their configured or thumbprint key ids', async () => {
  // Authelia §1.1: key_id, or the first 6 hex chars of the RFC 7638 thumbprint + '-' + alg.
  const expected = [
    { kid: 'rsa-main', alg: 'RS256', kty: 'RSA' },
    { kid: kids.ps, alg: 'PS256', kty: 'RSA' },
    { kid: kids.ec, alg: 'ES256', kty: 'EC' },
    { kid: 'ec-second', alg: 'ES256', kty: 'EC' },
  ];
  assert.deepEqual(jwks.keys.map((k) => ({ kid: k.kid, alg: k.alg, kty: k.kty })), expected);
  for (const key of jwks.keys) {
    assert.equal(key.use, 'sig');
    // Conformance suite EnsureJwksHasNoPrivateOrSymmetricKeyMaterial (RFC 7517 §9.3).
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.ok(!(member in key), `${key.kid} has no '${member}'`);
  }
  assert.equal(jwks.keys.find((k) => k.kty === 'EC')!.crv, 'P-256');
  const discovery = await (await fetch(`${castellan.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  assert.equal(discovery['jwks_uri'], `${castellan.issuer}/jwks.json`);
});
