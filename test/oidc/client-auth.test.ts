// Client authentication at the token endpoint, through openid-client against the real server:
// client_secret_basic and client_secret_post with every kind of stored secret digest,
// client_secret_jwt (HS256, HS512), private_key_jwt (RS256), and none for a public PKCE client;
// wrong secrets, unregistered methods and unknown clients are refused.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { importPKCS8, SignJWT } from 'jose';
import * as client from 'openid-client';
import { generateDigest } from '../../src/crypto/digest.ts';
import { Browser } from '../helpers/browser.ts';
import { KASM_SECRET_DIGEST, startCastellan, type TestServer } from '../helpers/castellan.ts';
import { authorize, oauthError } from '../helpers/flows.ts';

const SECRET = 'insecure_secret';
const JWT_SECRET = 'a-client-secret-jwt-shared-secret-of-64-characters-0123456789abc';
const KEY_ID = 'rp-signing-key';
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const redirectOf = (id: string): string => `http://127.0.0.1:7777/callback/${id}`;

let castellan: TestServer;
const browser = new Browser();

function confidential(id: string, method: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    client_id: id, public: false, authorization_policy: 'one_factor', consent_mode: 'implicit',
    redirect_uris: [redirectOf(id)], scopes: ['openid', 'profile'], token_endpoint_auth_method: method, ...extra,
  };
}

before(async () => {
  const [argon2, bcrypt] = await Promise.all([
    generateDigest({ algorithm: 'argon2', variant: 'argon2id', memory: 1024, iterations: 1, parallelism: 1 }, SECRET),
    generateDigest({ algorithm: 'bcrypt', cost: 10 }, SECRET),
  ]);
  assert.match(argon2, /^\$argon2id\$/);
  assert.match(bcrypt, /^\$2b\$/);
  castellan = await startCastellan({
    clients: [
      confidential('basic-pbkdf2', 'client_secret_basic', { client_secret: KASM_SECRET_DIGEST }),
      { ...confidential('any-method', 'client_secret_basic', { client_secret: argon2 }), token_endpoint_auth_method: undefined },
      confidential('basic-bcrypt', 'client_secret_basic', { client_secret: bcrypt }),
      confidential('post-argon2', 'client_secret_post', { client_secret: argon2 }),
      confidential('post-plaintext', 'client_secret_post', { client_secret: `$plaintext$${SECRET}` }),
      confidential('jwt-hs256', 'client_secret_jwt', { client_secret: `$plaintext$${JWT_SECRET}`, token_endpoint_auth_signing_alg: 'HS256' }),
      confidential('jwt-hs512', 'client_secret_jwt', { client_secret: `$plaintext$${JWT_SECRET}`, token_endpoint_auth_signing_alg: 'HS512' }),
      confidential('private-key', 'private_key_jwt', {
        jwks: [{ key_id: KEY_ID, algorithm: 'RS256', use: 'sig', key: PUBLIC_PEM }],
        token_endpoint_auth_signing_alg: 'RS256',
      }),
      {
        client_id: 'spa', public: true, authorization_policy: 'one_factor', consent_mode: 'implicit',
        redirect_uris: [redirectOf('spa')], scopes: ['openid', 'profile'],
      },
    ],
  });
});

after(async () => castellan.destroy());

async function discover(id: string, auth: client.ClientAuth): Promise<client.Configuration> {
  return client.discovery(new URL(castellan.issuer), id, undefined, auth, { execute: [client.allowInsecureRequests] });
}

/** A client_secret_jwt assertion with any HMAC algorithm (openid-client's ClientSecretJwt signs HS256 only). */
function hmacJWT(secret: string, alg: 'HS256' | 'HS384' | 'HS512'): client.ClientAuth {
  return async (as, metadata, body) => {
    const assertion = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg })
      .setIssuer(metadata.client_id).setSubject(metadata.client_id).setAudience(as.issuer)
      .setIssuedAt().setExpirationTime('1m')
      .sign(new TextEncoder().encode(secret));
    body.set('client_id', metadata.client_id);
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set('client_assertion', assertion);
  };
}

async function privateKeyAuth(): Promise<client.ClientAuth> {
  return client.PrivateKeyJwt({ key: await importPKCS8(PRIVATE_PEM, 'RS256'), kid: KEY_ID });
}

/** Runs the authorization step and redeems the code: the token endpoint authenticates the client. */
async function codeFlow(config: client.Configuration, id: string, pkce = false): Promise<client.TokenEndpointResponse> {
  const state = client.randomState();
  const verifier = client.randomPKCECodeVerifier();
  const parameters: Record<string, string> = { redirect_uri: redirectOf(id), scope: 'openid profile', state };
  if (pkce) Object.assign(parameters, { code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
  const flow = await authorize(browser, client.buildAuthorizationUrl(config, parameters).href, { redirectURI: redirectOf(id) });
  assert.ok(flow.callback, `expected a redirect to ${id}, got ${flow.last.status}`);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state, idTokenExpected: true, ...(pkce ? { pkceCodeVerifier: verifier } : {}) });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(tokens.claims()?.aud, id);
  return tokens;
}

/**
 * A token request with a made-up code: the client is authenticated before the code is looked at
 * (RFC 6749 §3.2.1, §4.1.3), so the error tells whether authentication passed (invalid_grant) or not.
 */
async function tokenRequestError(config: client.Configuration, id: string): Promise<string | undefined> {
  const callback = new URL(redirectOf(id));
  callback.search = new URLSearchParams({ code: 'not-a-real-code', state: 'state-0123456789', iss: castellan.issuer }).toString();
  try {
    await client.authorizationCodeGrant(config, callback, { expectedState: 'state-0123456789' });
  } catch (error) {
    return oauthError(error);
  }
  return 'no error';
}

describe('client_secret_basic and client_secret_post verify the stored digest', () => {
  const cases = [
    { id: 'basic-pbkdf2', kind: 'a $pbkdf2-sha512$ digest (Kasm)', auth: client.ClientSecretBasic, other: client.ClientSecretPost },
    { id: 'basic-bcrypt', kind: 'a $2b$ bcrypt digest', auth: client.ClientSecretBasic, other: client.ClientSecretPost },
    { id: 'post-argon2', kind: 'an $argon2id$ digest', auth: client.ClientSecretPost, other: client.ClientSecretBasic },
    { id: 'post-plaintext', kind: 'a $plaintext$ secret', auth: client.ClientSecretPost, other: client.ClientSecretBasic },
  ];
  for (const { id, kind, auth, other } of cases) {
    test(`${id}: the right secret against ${kind} completes the code flow`, async () => {
      // Authelia §3: client_secret holds a go-crypt digest (or $plaintext$); RFC 6749 §2.3.1.
      await codeFlow(await discover(id, auth(SECRET)), id);
    });

    test(`${id}: a wrong secret is invalid_client, the right one reaches the grant check`, async () => {
      // RFC 6749 §5.2: failed client authentication is invalid_client.
      assert.equal(await tokenRequestError(await discover(id, auth('not_the_secret')), id), 'invalid_client');
      assert.equal(await tokenRequestError(await discover(id, auth(SECRET)), id), 'invalid_grant');
    });

    test(`${id}: the right secret sent with the other, unregistered method is invalid_client`, async () => {
      // OIDC Registration §2 token_endpoint_auth_method: the registered method is the only one accepted.
      assert.equal(await tokenRequestError(await discover(id, other(SECRET)), id), 'invalid_client');
    });
  }
});

describe('a confidential client that registers no method', () => {
  // Authelia's client reference (seed 003): "If no method is defined the confidential client type
  // will accept any supported method" — Basic or the request body, but still only the right secret.
  for (const [kind, auth] of [['client_secret_basic', client.ClientSecretBasic], ['client_secret_post', client.ClientSecretPost]] as const) {
    test(`accepts the secret sent with ${kind}`, async () => {
      await codeFlow(await discover('any-method', auth(SECRET)), 'any-method');
      assert.equal(await tokenRequestError(await discover('any-method', auth('not_the_secret')), 'any-method'), 'invalid_client');
    });
  }
});

describe('client_secret_jwt', () => {
  test('HS256 with the plaintext secret completes the code flow', async () => {
    // OIDC Core §9 client_secret_jwt; RFC 7523 §2.2.
    await codeFlow(await discover('jwt-hs256', client.ClientSecretJwt(JWT_SECRET)), 'jwt-hs256');
  });

  test('HS512 (token_endpoint_auth_signing_alg) completes the code flow', async () => {
    await codeFlow(await discover('jwt-hs512', hmacJWT(JWT_SECRET, 'HS512')), 'jwt-hs512');
  });

  test('an assertion with another algorithm than the registered one is invalid_client', async () => {
    // OIDC Registration §2 token_endpoint_auth_signing_alg: "All Token Requests using these
    // authentication methods from this Client MUST be rejected, if the JWT is not signed with this algorithm."
    assert.equal(await tokenRequestError(await discover('jwt-hs512', hmacJWT(JWT_SECRET, 'HS256')), 'jwt-hs512'), 'invalid_client');
    assert.equal(await tokenRequestError(await discover('jwt-hs256', hmacJWT(JWT_SECRET, 'HS512')), 'jwt-hs256'), 'invalid_client');
  });

  test('an assertion signed with a wrong secret is invalid_client', async () => {
    assert.equal(await tokenRequestError(await discover('jwt-hs256', client.ClientSecretJwt(`${JWT_SECRET}-wrong`)), 'jwt-hs256'), 'invalid_client');
  });

  test('the plaintext secret sent as client_secret_basic is invalid_client', async () => {
    assert.equal(await tokenRequestError(await discover('jwt-hs256', client.ClientSecretBasic(JWT_SECRET)), 'jwt-hs256'), 'invalid_client');
  });
});

describe('private_key_jwt', () => {
  test('an RS256 assertion signed with the key whose public half is in the client jwks completes the code flow', async () => {
    // OIDC Core §9 private_key_jwt; Authelia §2.1 clients[].jwks holds the public key PEM.
    await codeFlow(await discover('private-key', await privateKeyAuth()), 'private-key');
  });

  test('an assertion signed with another key is invalid_client', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const auth = client.PrivateKeyJwt({ key: await importPKCS8(stranger, 'RS256'), kid: KEY_ID });
    assert.equal(await tokenRequestError(await discover('private-key', auth), 'private-key'), 'invalid_client');
    assert.equal(await tokenRequestError(await discover('private-key', await privateKeyAuth()), 'private-key'), 'invalid_grant');
  });
});

describe('none (public client)', () => {
  test('a public client authenticates with its client_id only and PKCE', async () => {
    // RFC 6749 §2.1 public clients; RFC 7636 binds the code to the verifier instead of a secret.
    await codeFlow(await discover('spa', client.None()), 'spa', true);
  });

  test('a public client presenting a secret is invalid_client', async () => {
    assert.equal(await tokenRequestError(await discover('spa', client.ClientSecretBasic(SECRET)), 'spa'), 'invalid_client');
  });
});

describe('unknown clients', () => {
  test('at the authorization endpoint: an error page, never a redirect', async () => {
    // RFC 6749 §4.1.2.1: without a valid client the redirect URI cannot be trusted, so the user is
    // informed and the user-agent is not redirected.
    const url = new URL('/api/oidc/authorization', castellan.issuer);
    url.search = new URLSearchParams({ client_id: 'no-such-client', redirect_uri: 'https://attacker.example/cb', response_type: 'code', scope: 'openid', state: 'state-0123456789' }).toString();
    const response = await new Browser().get(url.href);
    assert.equal(response.status, 400);
    assert.equal(response.location, undefined);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.doesNotMatch(response.body, /attacker\.example/);
  });

  test('at the token endpoint: invalid_client', async () => {
    assert.equal(await tokenRequestError(await discover('no-such-client', client.ClientSecretBasic(SECRET)), 'no-such-client'), 'invalid_client');
  });
});
