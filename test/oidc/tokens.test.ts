// Tokens after the code flow: refresh tokens (offline_access), rotation and replay, authorization
// code replay, introspection, revocation and lifespans (global, custom per client, and the 4.37
// key name), all through openid-client against a real server.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { generateDigest } from '../../src/crypto/digest.ts';
import { startCastellan, type TestServer } from '../helpers/castellan.ts';
import { authorize, oauthError } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7780/callback';
const SECRET = 'insecure_secret';
let castellan: TestServer;
// Every client authentication verifies the digest: cheap argon2id parameters keep the file fast.
let secretDigest: string;

function confidential(clientID: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: clientID,
    client_secret: secretDigest,
    authorization_policy: 'one_factor',
    redirect_uris: [REDIRECT],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    grant_types: ['authorization_code', 'refresh_token'],
    ...extra,
  };
}

before(async () => {
  secretDigest = await generateDigest({ algorithm: 'argon2', memory: 1024, iterations: 1, parallelism: 1 }, SECRET);
  castellan = await startCastellan({
    oidc: {
      lifespans: {
        access_token: '2s',
        custom: { long: { access_token: '7m', refresh_token: '2h', grants: { refresh_token: { access_token: '3m' } } } },
      },
    },
    clients: [
      // `app` uses the custom lifespan, so its tokens outlive the tests that use them.
      confidential('app', { lifespan: 'long' }),
      confidential('other', { lifespan: 'long' }),
      confidential('short', { scopes: ['openid'], grant_types: ['authorization_code'] }),
      { client_id: 'spa', public: true, authorization_policy: 'one_factor', redirect_uris: [REDIRECT], scopes: ['openid', 'offline_access'], grant_types: ['authorization_code', 'refresh_token'] },
    ],
  });
});

after(async () => castellan.destroy());

async function discover(clientID: string, server: TestServer = castellan): Promise<client.Configuration> {
  const auth = clientID === 'spa' ? client.None() : client.ClientSecretBasic(SECRET);
  return client.discovery(new URL(server.issuer), clientID, undefined, auth, { execute: [client.allowInsecureRequests] });
}

interface Flow {
  readonly config: client.Configuration;
  readonly callback: URL;
  readonly state: string;
  readonly verifier: string;
  readonly pages: string[];
}

/** Signs john in and returns the callback URL; scope defaults to one with offline_access. */
async function codeFor(clientID: string, scope = 'openid profile offline_access', server: TestServer = castellan): Promise<Flow> {
  const config = await discover(clientID, server);
  const state = client.randomState();
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
  const flow = await authorize(new Browser(), url.href, { redirectURI: REDIRECT });
  assert.ok(flow.callback, `expected a redirect to the client, got ${flow.last.status}: ${flow.last.body.slice(0, 300)}`);
  assert.equal(new URL(flow.callback).searchParams.get('error'), null, flow.callback);
  return { config, callback: new URL(flow.callback), state, verifier, pages: flow.pages };
}

async function tokensFor(clientID: string, scope?: string, server?: TestServer) {
  const flow = await codeFor(clientID, scope, server);
  const tokens = await client.authorizationCodeGrant(flow.config, flow.callback, { expectedState: flow.state, pkceCodeVerifier: flow.verifier });
  return { ...flow, tokens };
}

test('offline_access gives a refresh token without the client sending prompt=consent, after the consent page', async () => {
  const { tokens, pages, callback } = await tokensFor('app');
  // Authelia: offline_access always needs explicit consent, and Castellan adds prompt=consent
  // itself (oidc-provider only issues refresh tokens after it, OIDC Core §11).
  assert.deepEqual(pages, ['sign-in', 'consent']);
  assert.ok(callback.searchParams.get('code'));
  assert.equal(typeof tokens.refresh_token, 'string');
  assert.ok(tokens.refresh_token!.length >= 43, 'refresh tokens carry at least 256 bits');
  // OIDC Core §12.2: a refresh gives a new access token for the same subject.
  const refreshed = await client.refreshTokenGrant(await discover('app'), tokens.refresh_token!);
  assert.notEqual(refreshed.access_token, tokens.access_token);
  const userinfo = await client.fetchUserInfo(await discover('app'), refreshed.access_token, tokens.claims()!.sub);
  assert.equal(userinfo.preferred_username, 'john');
});

test('without offline_access there is no refresh token', async () => {
  // RFC 9700 §4.14: the AS decides per grant whether to issue a refresh token; OIDC Core §11 ties it to offline_access.
  const { tokens } = await tokensFor('app', 'openid profile');
  assert.equal(tokens.refresh_token, undefined);
});

test('refresh tokens rotate: the old one is refused, and replaying it revokes the whole grant', async () => {
  const { tokens } = await tokensFor('app');
  const config = await discover('app');
  const first = await client.refreshTokenGrant(config, tokens.refresh_token!);
  // RFC 9700 §4.14.2: refresh token rotation issues a new refresh token with every refresh.
  assert.ok(first.refresh_token);
  assert.notEqual(first.refresh_token, tokens.refresh_token);
  // RFC 6749 §6 / RFC 9700 §4.14.2: a used refresh token is invalid.
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (e) => oauthError(e) === 'invalid_grant');
  // RFC 9700 §4.14.2: replay of a rotated token revokes the active refresh token too
  // (oidc-provider revokes the grant), so the newest refresh token and access token die.
  await assert.rejects(client.refreshTokenGrant(config, first.refresh_token!), (e) => oauthError(e) === 'invalid_grant');
  assert.equal((await client.tokenIntrospection(config, first.access_token)).active, false);
});

test("another client cannot use a client's refresh token", async () => {
  const { tokens } = await tokensFor('app');
  // RFC 6749 §6: the refresh token is bound to the client it was issued to (oidcc-refresh-token).
  await assert.rejects(client.refreshTokenGrant(await discover('other'), tokens.refresh_token!), (e) => oauthError(e) === 'invalid_grant');
  // The failed attempt did not burn the token for its owner.
  assert.ok((await client.refreshTokenGrant(await discover('app'), tokens.refresh_token!)).access_token);
});

test('a replayed authorization code is refused and the access token issued from it is revoked', async () => {
  const flow = await codeFor('app');
  const tokens = await client.authorizationCodeGrant(flow.config, flow.callback, { expectedState: flow.state, pkceCodeVerifier: flow.verifier });
  assert.equal((await client.tokenIntrospection(flow.config, tokens.access_token)).active, true);
  // RFC 6749 §4.1.2: the code is single use; a second use MUST be refused ...
  await assert.rejects(client.authorizationCodeGrant(flow.config, flow.callback, { expectedState: flow.state, pkceCodeVerifier: flow.verifier }), (e) => oauthError(e) === 'invalid_grant');
  // ... and SHOULD revoke the tokens issued from it (RFC 9700 §4.2.1; oidcc-codereuse-30seconds).
  assert.equal((await client.tokenIntrospection(flow.config, tokens.access_token)).active, false);
  assert.equal((await client.tokenIntrospection(flow.config, tokens.refresh_token!)).active, false);
  await assert.rejects(client.fetchUserInfo(flow.config, tokens.access_token, client.skipSubjectCheck));
});

test('introspection tells a confidential client about an active token', async () => {
  const { tokens, config } = await tokensFor('app');
  const sub = tokens.claims()!.sub;
  const info = await client.tokenIntrospection(config, tokens.access_token);
  // RFC 7662 §2.2: active, and the token's metadata.
  assert.equal(info.active, true);
  assert.equal(info.sub, sub);
  assert.equal(info.client_id, 'app');
  assert.deepEqual(new Set(info.scope!.split(' ')), new Set(['openid', 'profile', 'offline_access']));
  assert.equal(typeof info.exp, 'number');
  assert.ok(info.exp! > Date.now() / 1000);
  const refresh = await client.tokenIntrospection(config, tokens.refresh_token!);
  assert.equal(refresh.active, true);
  assert.equal(refresh.sub, sub);
  // RFC 7662 §2.2: an unknown token is simply inactive.
  assert.deepEqual(await client.tokenIntrospection(config, 'not-a-token'), { active: false });
});

test('a public client may not introspect tokens', async () => {
  const { tokens } = await tokensFor('spa', 'openid');
  // RFC 7662 §2.1: the endpoint requires authorization, which a public client cannot give; §2.3 and
  // RFC 6749 §5.2: 401 invalid_client. Refused for its own valid token and for garbage alike.
  const spa = await discover('spa');
  await assert.rejects(client.tokenIntrospection(spa, tokens.access_token), (e) => oauthError(e) === 'invalid_client' && (e as { status?: number }).status === 401);
  await assert.rejects(client.tokenIntrospection(spa, 'not-a-token'), (e) => oauthError(e) === 'invalid_client');
  // A public client may still revoke its own token (RFC 7009 §2.1).
  await client.tokenRevocation(spa, tokens.access_token);
  assert.equal((await client.tokenIntrospection(await discover('app'), tokens.access_token)).active, false);
});

test('revoking an access token or a refresh token makes it inactive', async () => {
  const { tokens, config } = await tokensFor('app');
  // RFC 7009 §2.1: revocation of an access token ...
  await client.tokenRevocation(config, tokens.access_token);
  assert.equal((await client.tokenIntrospection(config, tokens.access_token)).active, false);
  await assert.rejects(client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck));
  // ... and of a refresh token (which may also revoke the grant's other tokens).
  await client.tokenRevocation(config, tokens.refresh_token!);
  assert.equal((await client.tokenIntrospection(config, tokens.refresh_token!)).active, false);
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (e) => oauthError(e) === 'invalid_grant');
  // RFC 7009 §2.2: revoking an unknown token still answers 200.
  await client.tokenRevocation(config, 'not-a-token');
});

test("a client cannot revoke another client's token", async () => {
  const { tokens, config } = await tokensFor('app', 'openid');
  // RFC 7009 §2.1: the AS verifies the token was issued to the requesting client, else refuses.
  await assert.rejects(client.tokenRevocation(await discover('other'), tokens.access_token), (e) => oauthError(e) === 'invalid_request');
  assert.equal((await client.tokenIntrospection(config, tokens.access_token)).active, true);
});

test('lifespans.access_token is honoured: a 2 s access token expires', async () => {
  const { tokens, config } = await tokensFor('short', 'openid');
  // RFC 6749 §5.1: expires_in is the lifetime in seconds (Authelia lifespans.access_token).
  assert.ok(tokens.expires_in !== undefined && tokens.expires_in >= 1 && tokens.expires_in <= 2, `expires_in ${tokens.expires_in}`);
  assert.equal((await client.tokenIntrospection(config, tokens.access_token)).active, true);
  await sleep(2600);
  // RFC 7662 §2.2: an expired token is inactive; RFC 6750 §3.1: and refused at userinfo.
  assert.equal((await client.tokenIntrospection(config, tokens.access_token)).active, false);
  await assert.rejects(client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck));
});

test("a client's lifespan picks lifespans.custom.<name>, per grant first", async () => {
  const { tokens, config } = await tokensFor('app');
  // Authelia: a client with `lifespan: long` gets lifespans.custom.long.access_token (7m).
  assert.ok(tokens.expires_in !== undefined && tokens.expires_in > 410 && tokens.expires_in <= 420, `expires_in ${tokens.expires_in}`);
  // ... and its refresh_token (2h) instead of the global 90m default.
  const refresh = await client.tokenIntrospection(config, tokens.refresh_token!);
  assert.ok(refresh.exp! - refresh.iat! === 7200, `refresh lifetime ${refresh.exp! - refresh.iat!}`);
  // Authelia precedence: lifespans.custom.long.grants.refresh_token.access_token (3m) wins for
  // access tokens the refresh_token grant issues; the code grant above used custom.long.access_token.
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
  assert.ok(refreshed.expires_in !== undefined && refreshed.expires_in > 170 && refreshed.expires_in <= 180, `expires_in ${refreshed.expires_in}`);
});

test("the 4.37 key 'access_token_lifespan' still sets the access token lifespan", async () => {
  // Authelia 4.38 renamed it to lifespans.access_token and maps the old name automatically.
  const legacy = await startCastellan({ oidc: { access_token_lifespan: '37s' }, clients: [confidential('app', { scopes: ['openid'], grant_types: ['authorization_code'] })] });
  try {
    const { tokens } = await tokensFor('app', 'openid', legacy);
    assert.ok(tokens.expires_in !== undefined && tokens.expires_in > 30 && tokens.expires_in <= 37, `expires_in ${tokens.expires_in}`);
  } finally {
    await legacy.destroy();
  }
});
