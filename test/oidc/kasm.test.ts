// Seed 000: the Kasm Workspaces client block from Authelia's integration guide, end to end through
// openid-client: authorization code flow (confidential client, client_secret_basic, no PKCE),
// ID token verification, and userinfo with preferred_username, email and groups.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { KASM_SECRET_DIGEST, startCastellan, type TestServer } from '../helpers/castellan.ts';
import { authorize, oauthError } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/api/oidc_callback';
let castellan: TestServer;

before(async () => {
  castellan = await startCastellan({
    clients: [{
      client_id: 'kasm',
      client_name: 'Kasm Workspaces',
      client_secret: KASM_SECRET_DIGEST,
      public: false,
      authorization_policy: 'one_factor',
      redirect_uris: [REDIRECT],
      scopes: ['openid', 'profile', 'groups', 'email'],
      userinfo_signed_response_alg: 'none',
      token_endpoint_auth_method: 'client_secret_basic',
    }],
  });
});

after(async () => castellan.destroy());

async function discover(secret = 'insecure_secret'): Promise<client.Configuration> {
  return client.discovery(new URL(castellan.issuer), 'kasm', undefined, client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] });
}

test('the Kasm client completes the code flow and userinfo has preferred_username, email and groups', async () => {
  const config = await discover();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile groups email', state, nonce, response_type: 'code' });
  const flow = await authorize(new Browser(), url.href, { redirectURI: REDIRECT });
  assert.deepEqual(flow.pages, ['sign-in', 'consent']);
  assert.ok(flow.callback, `expected a redirect to the client, got ${flow.last.status}`);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  const claims = tokens.claims()!;
  assert.match(claims.sub, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(claims['preferred_username'], 'john');
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(userinfo.preferred_username, 'john');
  assert.equal(userinfo.email, 'john.doe@example.com');
  assert.equal(userinfo.email_verified, true);
  assert.equal(userinfo.name, 'John Doe');
  assert.deepEqual(userinfo['groups'], ['admins', 'dev']);
});

test('a wrong client secret is refused at the token endpoint', async () => {
  const config = await discover();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state });
  const flow = await authorize(new Browser(), url.href, { redirectURI: REDIRECT });
  const wrong = await discover('not_the_secret');
  await assert.rejects(client.authorizationCodeGrant(wrong, new URL(flow.callback!), { expectedState: state }), (error) => oauthError(error) === 'invalid_client');
});
