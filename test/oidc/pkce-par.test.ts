// PKCE (RFC 7636) and pushed authorization requests (RFC 9126), through openid-client against the
// real server: who must use PKCE (public clients, require_pkce, enforce_pkce), which challenge
// methods are accepted (pkce_challenge_method, enable_pkce_plain_challenge), and who must push
// (require_pushed_authorization_requests per client, its pre-release name enforce_par, globally).
// Provider-level options need their own server each; all start together.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { generateDigest } from '../../src/crypto/digest.ts';
import { Browser } from '../helpers/browser.ts';
import { startCastellan, type TestServer } from '../helpers/castellan.ts';
import { authorize, authorizationResponse, oauthError } from '../helpers/flows.ts';

const SECRET = 'insecure_secret';
const redirectOf = (id: string): string => `http://127.0.0.1:7777/callback/${id}`;

let digest: string;
let servers: Record<'main' | 'always' | 'never' | 'plain' | 'par', TestServer>;
const browsers = new Map<TestServer, Browser>();

function confidential(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: id, client_secret: digest, public: false, authorization_policy: 'one_factor', consent_mode: 'implicit',
    redirect_uris: [redirectOf(id)], scopes: ['openid', 'profile'], ...extra,
  };
}

function publicClient(id: string): Record<string, unknown> {
  return { client_id: id, public: true, authorization_policy: 'one_factor', consent_mode: 'implicit', redirect_uris: [redirectOf(id)], scopes: ['openid', 'profile'] };
}

before(async () => {
  digest = await generateDigest({ algorithm: 'argon2', variant: 'argon2id', memory: 1024, iterations: 1, parallelism: 1 }, SECRET);
  const [main, always, never, plain, par] = await Promise.all([
    startCastellan({
      clients: [
        confidential('kasm'),
        confidential('poster', { token_endpoint_auth_method: 'client_secret_post' }),
        publicClient('spa'),
        confidential('strict', { require_pkce: true }),
        confidential('pushed', { require_pushed_authorization_requests: true }),
        // Seed 003 wrote the pre-release name; the configuration pipeline maps it (reference §1.2).
        confidential('pushed-legacy', { enforce_par: true }),
      ],
    }),
    startCastellan({ clients: [confidential('kasm')], oidc: { enforce_pkce: 'always' } }),
    startCastellan({ clients: [publicClient('spa'), confidential('strict', { require_pkce: true })], oidc: { enforce_pkce: 'never' } }),
    startCastellan({ clients: [publicClient('spa'), confidential('s256', { pkce_challenge_method: 'S256' })], oidc: { enable_pkce_plain_challenge: true } }),
    startCastellan({ clients: [confidential('kasm'), publicClient('spa')], oidc: { require_pushed_authorization_requests: true } }),
  ]);
  servers = { main, always, never, plain, par };
});

after(async () => Promise.all(Object.values(servers).map((s) => s.destroy())));

async function discover(server: TestServer, id: string): Promise<client.Configuration> {
  const auth = id === 'spa' ? client.None() : id === 'poster' ? client.ClientSecretPost(SECRET) : client.ClientSecretBasic(SECRET);
  return client.discovery(new URL(server.issuer), id, undefined, auth, { execute: [client.allowInsecureRequests] });
}

interface Request {
  readonly challenge?: string;
  readonly method?: 'S256' | 'plain';
}

function parameters(id: string, state: string, request: Request): Record<string, string> {
  const out: Record<string, string> = { redirect_uri: redirectOf(id), scope: 'openid profile', state };
  if (request.challenge !== undefined) out['code_challenge'] = request.challenge;
  if (request.method !== undefined) out['code_challenge_method'] = request.method;
  return out;
}

/** Signs in (once per server) and returns the callback URL with the code. */
async function callback(server: TestServer, id: string, url: URL): Promise<URL> {
  const browser = browsers.get(server) ?? new Browser();
  browsers.set(server, browser);
  const flow = await authorize(browser, url.href, { redirectURI: redirectOf(id) });
  assert.ok(flow.callback, `expected a redirect to ${id}, got ${flow.last.status}: ${flow.last.body.slice(0, 300)}`);
  const response = new URL(flow.callback).searchParams;
  assert.equal(response.get('error'), null, `authorization error: ${response.get('error')} ${response.get('error_description')}`);
  return new URL(flow.callback);
}

/** The whole code flow, with or without PAR; the verifier defaults to a fresh S256 pair's. */
async function codeFlow(server: TestServer, id: string, options: { pkce?: boolean; par?: boolean; plain?: boolean } = {}): Promise<client.TokenEndpointResponse> {
  const config = await discover(server, id);
  const state = client.randomState();
  const verifier = client.randomPKCECodeVerifier();
  const request: Request = options.plain ? { challenge: verifier, method: 'plain' } : options.pkce ? { challenge: await client.calculatePKCECodeChallenge(verifier), method: 'S256' } : {};
  const params = parameters(id, state, request);
  const url = options.par ? await client.buildAuthorizationUrlWithPAR(config, params) : client.buildAuthorizationUrl(config, params);
  if (options.par) assert.match(url.searchParams.get('request_uri') ?? '', /^urn:ietf:params:oauth:request_uri:/);
  const checks = { expectedState: state, idTokenExpected: true, ...(options.pkce || options.plain ? { pkceCodeVerifier: verifier } : {}) };
  const tokens = await client.authorizationCodeGrant(config, await callback(server, id, url), checks);
  assert.equal(tokens.claims()?.aud, id);
  return tokens;
}

const NEEDS_PKCE = /requires PKCE/;
const NO_PLAIN = /method 'plain' is not allowed/;
const NEEDS_S256 = /must use the PKCE challenge method 'S256'/;
const NEEDS_PAR = /Pushed Authorization Request must be used/;

/**
 * Asserts the authorization endpoint refuses a request (made without a browser session) with
 * invalid_request for `reason`, sent back to the registered redirect URI (RFC 6749 §4.1.2.1).
 */
async function assertRefused(server: TestServer, id: string, request: Request, reason: RegExp): Promise<void> {
  const url = client.buildAuthorizationUrl(await discover(server, id), parameters(id, 'state-0123456789', request));
  const response = await authorizationResponse(url, redirectOf(id));
  assert.ok(response, 'expected an error sent back to the registered redirect URI');
  assert.equal(response.get('code'), null);
  assert.equal(response.get('state'), 'state-0123456789');
  assert.equal(response.get('error'), 'invalid_request');
  assert.match(response.get('error_description') ?? '', reason);
}

describe('who must use PKCE', () => {
  test('a confidential client without PKCE completes the code flow (Kasm; enforce_pkce public_clients_only)', async () => {
    // RFC 9700 §2.1.1 only RECOMMENDS PKCE for confidential clients; Authelia §1.1 enforce_pkce default.
    await codeFlow(servers.main, 'kasm');
  });

  test('a public client must use PKCE', async () => {
    // RFC 9700 §2.1.1: public clients MUST use PKCE; Authelia enforce_pkce 'public_clients_only'.
    await assertRefused(servers.main, 'spa', {}, NEEDS_PKCE);
    await codeFlow(servers.main, 'spa', { pkce: true });
  });

  test('require_pkce: true makes a confidential client use PKCE', async () => {
    // Authelia §2.1 clients[].require_pkce.
    await assertRefused(servers.main, 'strict', {}, NEEDS_PKCE);
    await codeFlow(servers.main, 'strict', { pkce: true });
  });

  test("enforce_pkce: 'always' refuses a confidential client without PKCE", async () => {
    await assertRefused(servers.always, 'kasm', {}, NEEDS_PKCE);
    await codeFlow(servers.always, 'kasm', { pkce: true });
  });

  test("enforce_pkce: 'never' lets a public client go without PKCE, but require_pkce still holds", async () => {
    await codeFlow(servers.never, 'spa');
    await assertRefused(servers.never, 'strict', {}, NEEDS_PKCE);
  });

  test('a wrong code_verifier is invalid_grant', async () => {
    // RFC 7636 §4.6: the server MUST NOT issue tokens when the verifier does not match.
    const config = await discover(servers.main, 'spa');
    const state = client.randomState();
    const challenge = await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier());
    const url = client.buildAuthorizationUrl(config, parameters('spa', state, { challenge, method: 'S256' }));
    const back = await callback(servers.main, 'spa', url);
    await assert.rejects(
      client.authorizationCodeGrant(config, back, { expectedState: state, pkceCodeVerifier: client.randomPKCECodeVerifier() }),
      (error) => oauthError(error) === 'invalid_grant',
    );
  });
});

describe('challenge methods', () => {
  test('discovery lists only S256 by default, and plain too when enable_pkce_plain_challenge is on', async () => {
    // RFC 8414 §2 code_challenge_methods_supported; Authelia §1.1 enable_pkce_plain_challenge.
    assert.deepEqual((await discover(servers.main, 'kasm')).serverMetadata().code_challenge_methods_supported, ['S256']);
    assert.deepEqual([...(await discover(servers.plain, 'spa')).serverMetadata().code_challenge_methods_supported!].sort(), ['S256', 'plain']);
  });

  test('code_challenge_method=plain is refused while enable_pkce_plain_challenge is false', async () => {
    // RFC 9700 §2.1.1: plain exposes the verifier; Authelia accepts it only when enabled.
    const verifier = client.randomPKCECodeVerifier();
    await assertRefused(servers.main, 'spa', { challenge: verifier, method: 'plain' }, NO_PLAIN);
  });

  test('with enable_pkce_plain_challenge, plain works end to end (verifier = challenge)', async () => {
    // RFC 7636 §4.6: plain: code_verifier == code_challenge.
    await codeFlow(servers.plain, 'spa', { plain: true });
  });

  test('with plain enabled, a wrong plain verifier is still invalid_grant', async () => {
    const config = await discover(servers.plain, 'spa');
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, parameters('spa', state, { challenge: client.randomPKCECodeVerifier(), method: 'plain' }));
    const back = await callback(servers.plain, 'spa', url);
    await assert.rejects(
      client.authorizationCodeGrant(config, back, { expectedState: state, pkceCodeVerifier: client.randomPKCECodeVerifier() }),
      (error) => oauthError(error) === 'invalid_grant',
    );
  });

  test("pkce_challenge_method: S256 refuses plain even where plain is enabled, and requires PKCE", async () => {
    // Authelia §2.1: pkce_challenge_method fixes the method and implies require_pkce.
    await assertRefused(servers.plain, 's256', { challenge: client.randomPKCECodeVerifier(), method: 'plain' }, NEEDS_S256);
    await assertRefused(servers.plain, 's256', {}, NEEDS_PKCE);
    await codeFlow(servers.plain, 's256', { pkce: true });
  });
});

describe('pushed authorization requests', () => {
  for (const id of ['kasm', 'poster', 'spa', 'strict', 'pushed', 'pushed-legacy']) {
    test(`${id}: a pushed request completes the code flow`, async () => {
      // RFC 9126 §2: the client pushes its parameters and sends only request_uri to the authorization endpoint.
      await codeFlow(servers.main, id, { par: true, pkce: id === 'spa' || id === 'strict' });
    });
  }

  test('require_pushed_authorization_requests: true (and its old name enforce_par) refuses a plain request', async () => {
    // RFC 9126 §6 require_pushed_authorization_requests (client metadata).
    for (const id of ['pushed', 'pushed-legacy']) await assertRefused(servers.main, id, {}, NEEDS_PAR);
    const plain = await authorizationResponse(client.buildAuthorizationUrl(await discover(servers.main, 'kasm'), parameters('kasm', 'state-0123456789', {})), redirectOf('kasm'));
    assert.equal(plain, undefined, 'a client that need not push is not refused');
  });

  test('the provider-wide require_pushed_authorization_requests refuses plain requests and allows pushed ones', async () => {
    // RFC 9126 §5 (server metadata) and §6; Authelia §1.1.
    await assertRefused(servers.par, 'kasm', {}, NEEDS_PAR);
    await codeFlow(servers.par, 'kasm', { par: true });
    await codeFlow(servers.par, 'spa', { par: true, pkce: true });
  });

  test('discovery advertises require_pushed_authorization_requests', async () => {
    // RFC 9126 §5; Authelia §5.2 always publishes the boolean.
    assert.equal((await discover(servers.par, 'kasm')).serverMetadata().require_pushed_authorization_requests, true);
    assert.equal((await discover(servers.main, 'kasm')).serverMetadata().require_pushed_authorization_requests, false);
    assert.equal((await discover(servers.main, 'kasm')).serverMetadata().pushed_authorization_request_endpoint, `${servers.main.issuer}/api/oidc/pushed-authorization-request`);
  });
});
