// Authelia's `audience` + `requested_audience_mode` (reference §2.1): a client may request audiences
// from its allow-list; explicit mode grants only what is requested, implicit mode grants the whole
// list when nothing is requested; the granted audience is the `aud` of its access tokens (RFC 7662).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { KASM_SECRET_DIGEST, startCastellan, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const API = 'https://api.example.com';
const OTHER = 'https://other.example.com';
let castellan: TestServer;

function confidential(id: string, mode: 'explicit' | 'implicit'): Record<string, unknown> {
  return { client_id: id, client_secret: KASM_SECRET_DIGEST, authorization_policy: 'one_factor', consent_mode: 'implicit', redirect_uris: [REDIRECT], scopes: ['openid', 'profile'], audience: [API, OTHER], requested_audience_mode: mode };
}

before(async () => {
  castellan = await startCastellan({ clients: [confidential('explicit-aud', 'explicit'), confidential('implicit-aud', 'implicit')] });
});
after(async () => castellan.destroy());

async function tokensFor(id: string, audience?: string): Promise<{ config: client.Configuration; tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers }> {
  const config = await client.discovery(new URL(castellan.issuer), id, undefined, client.ClientSecretBasic('insecure_secret'), { execute: [client.allowInsecureRequests] });
  const state = client.randomState();
  const params: Record<string, string> = { redirect_uri: REDIRECT, scope: 'openid profile', state };
  if (audience) params['audience'] = audience;
  const flow = await authorize(new Browser(), client.buildAuthorizationUrl(config, params).href, { redirectURI: REDIRECT });
  assert.ok(flow.callback, 'the authorization completes');
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state });
  return { config, tokens };
}

test('explicit mode: the requested audience is granted and introspected as aud; userinfo still works', async () => {
  const { config, tokens } = await tokensFor('explicit-aud', API);
  const introspection = await client.tokenIntrospection(config, tokens.access_token);
  assert.equal(introspection.active, true);
  assert.deepEqual(introspection.aud, [API]);
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
  assert.equal(userinfo.preferred_username, 'john');
});

test('explicit mode: nothing requested, no audience granted', async () => {
  const { config, tokens } = await tokensFor('explicit-aud');
  const introspection = await client.tokenIntrospection(config, tokens.access_token);
  assert.equal(introspection.aud, undefined);
});

test('implicit mode: nothing requested grants the whole allow-list', async () => {
  const { config, tokens } = await tokensFor('implicit-aud');
  const introspection = await client.tokenIntrospection(config, tokens.access_token);
  assert.deepEqual(introspection.aud, [API, OTHER]);
});

test('an audience outside the allow-list is refused with invalid_request at the redirect URI', async () => {
  const config = await client.discovery(new URL(castellan.issuer), 'explicit-aud', undefined, client.ClientSecretBasic('insecure_secret'), { execute: [client.allowInsecureRequests] });
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state: client.randomState(), audience: 'https://evil.example.com' });
  const response = await new Browser().get(url.href);
  assert.equal(response.status, 303);
  const location = new URL(response.location!);
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  assert.equal(location.searchParams.get('error'), 'invalid_request');
  assert.match(location.searchParams.get('error_description') ?? '', /has not been whitelisted/);
});
