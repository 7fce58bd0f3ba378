// Regression tests for the security review's findings: forged X-Forwarded-For entries, endpoint
// path variants, oversized bodies, digests as HMAC keys, the plain PKCE format, huge secrets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { SignJWT } from 'jose';
import { Browser } from '../helpers/browser.ts';
import { KASM_SECRET_DIGEST, freePort, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize, oauthError } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
let castellan: TestServer;

before(async () => {
  const port = await freePort();
  castellan = await startCastellan({
    port,
    oidc: {
      enable_pkce_plain_challenge: true,
      authorization_policies: { internal: { default_policy: 'deny', rules: [{ policy: 'one_factor', networks: ['10.0.0.0/8'] }] } },
    },
    clients: [
      testClient('internal', REDIRECT, { authorization_policy: 'internal', scopes: ['openid'] }),
      testClient('app', REDIRECT, { scopes: ['openid'], response_modes: ['form_post'] }),
      { client_id: 'spa', public: true, authorization_policy: 'one_factor', consent_mode: 'implicit', redirect_uris: [REDIRECT], scopes: ['openid'] },
    ],
    // The test client connects from 127.0.0.1: for these tests it plays a trusted reverse proxy.
    extra: { server: { address: `tcp://127.0.0.1:${port}/`, trusted_proxies: ['127.0.0.1/32'] } },
  });
});
after(async () => castellan.destroy());

function authorizationURL(id: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ client_id: id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'abcdefghijklmnop', ...extra });
  return `${castellan.issuer}/api/oidc/authorization?${params}`;
}

test('X-Forwarded-For: the right-most entry added by the trusted proxy is the client, not a forged left-most one', async () => {
  // A client behind the proxy sends "10.1.2.3"; the proxy appends the real address 203.0.113.9.
  const browser = new Browser({ 'x-forwarded-for': '10.1.2.3, 203.0.113.9' });
  const flow = await authorize(browser, authorizationURL('internal'), { redirectURI: REDIRECT });
  assert.equal(new URL(flow.callback!).searchParams.get('error'), 'access_denied', 'policy sees 203.0.113.9, outside 10.0.0.0/8');
  const inside = await authorize(new Browser({ 'x-forwarded-for': '198.51.100.7, 10.1.2.3' }), authorizationURL('internal'), { redirectURI: REDIRECT });
  assert.ok(new URL(inside.callback!).searchParams.get('code'), 'a proxy-added 10.1.2.3 is inside the network');
});

test('endpoint path variants are refused, so no request reaches an endpoint around Castellan\'s checks', async () => {
  for (const path of ['/api/oidc/Authorization', '/api/oidc/authorization/', '/API/OIDC/TOKEN', '/api/oidc/Introspection']) {
    const response = await fetch(`${castellan.issuer}${path}`, { redirect: 'manual' });
    assert.equal(response.status, 404, path);
  }
});

test('HEAD on the authorization endpoint gets the same checks as GET', async () => {
  const response = await fetch(authorizationURL('app', { state: 'x' }), { method: 'HEAD', redirect: 'manual' });
  assert.equal(response.status, 303);
  assert.equal(new URL(response.headers.get('location')!).searchParams.get('error'), 'invalid_request');
});

test('an oversized pushed authorization request is answered 413, not 500', async () => {
  const body = new URLSearchParams({ client_id: 'spa', response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', filler: 'x'.repeat(60 * 1024) });
  const response = await fetch(`${castellan.issuer}/api/oidc/pushed-authorization-request`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(response.status, 413);
});

test('a secret digest is not an HMAC key: a request object signed with the digest is refused', async () => {
  const jwt = await new SignJWT({ client_id: 'app', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'abcdefghijklmnop' })
    .setProtectedHeader({ alg: 'HS256' }).setIssuer('app').setAudience(castellan.issuer).setIssuedAt().setExpirationTime('1m')
    .sign(new TextEncoder().encode(KASM_SECRET_DIGEST));
  const response = await new Browser().get(`${castellan.issuer}/api/oidc/authorization?${new URLSearchParams({ client_id: 'app', request: jwt })}`);
  assert.equal(response.location, undefined, 'no code, no redirect');
  assert.equal(response.status, 400);
});

test('a plain PKCE challenge must have the verifier format (RFC 7636 §4.2)', async () => {
  const response = await new Browser().get(authorizationURL('spa', { code_challenge: 'short', code_challenge_method: 'plain' }));
  assert.equal(new URL(response.location!).searchParams.get('error'), 'invalid_request');
});

test('a huge client secret is refused at once (no hashing on demand)', async () => {
  const huge = await client.discovery(new URL(castellan.issuer), 'app', undefined, client.ClientSecretPost('x'.repeat(20_000)), { execute: [client.allowInsecureRequests] });
  await assert.rejects(client.clientCredentialsGrant(huge), (error) => oauthError(error) === 'invalid_client');
});
