// Per-client authorization request options, through openid-client against the real server:
// exact redirect_uris matching (never a redirect to an unregistered URI), the scopes allow-list,
// response_types and grant_types (implicit id_token, client_credentials), response_modes
// (form_post, query) and minimum_parameter_entropy.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { generateDigest } from '../../src/crypto/digest.ts';
import { Browser } from '../helpers/browser.ts';
import { startCastellan, type TestServer } from '../helpers/castellan.ts';
import { authorize, authorizationResponse, oauthError } from '../helpers/flows.ts';

const SECRET = 'insecure_secret';
const WEB_REDIRECT = 'https://app.example.com/oidc/callback';
const redirectOf = (id: string): string => `http://127.0.0.1:7777/callback/${id}`;
// OIDC Registration §2: web clients using the implicit grant MUST register https redirect URIs.
const IMPLICIT_REDIRECT = 'https://app.example.com/implicit/callback';
const STATE = 'state-0123456789';

let castellan: TestServer;
const browser = new Browser();

before(async () => {
  const digest = await generateDigest({ algorithm: 'argon2', variant: 'argon2id', memory: 1024, iterations: 1, parallelism: 1 }, SECRET);
  const common = { authorization_policy: 'one_factor', consent_mode: 'implicit' };
  castellan = await startCastellan({
    clients: [
      { ...common, client_id: 'web', client_secret: digest, redirect_uris: [WEB_REDIRECT], scopes: ['openid', 'profile'] },
      { ...common, client_id: 'kasm', client_secret: digest, redirect_uris: [redirectOf('kasm')], scopes: ['openid', 'profile'] },
      {
        ...common, client_id: 'implicit', public: true, redirect_uris: [IMPLICIT_REDIRECT], scopes: ['openid', 'profile'],
        response_types: ['id_token'], grant_types: ['implicit'], response_modes: ['fragment'],
      },
      { ...common, client_id: 'poster', client_secret: digest, redirect_uris: [redirectOf('poster')], scopes: ['openid', 'profile'], response_modes: ['form_post'] },
      { client_id: 'service', client_secret: digest, grant_types: ['client_credentials'], authorization_policy: 'one_factor' },
    ],
  });
});

after(async () => castellan.destroy());

async function discover(id: string, metadata?: Partial<client.ClientMetadata>): Promise<client.Configuration> {
  const auth = id === 'implicit' ? client.None() : client.ClientSecretBasic(SECRET);
  return client.discovery(new URL(castellan.issuer), id, metadata, auth, { execute: [client.allowInsecureRequests] });
}

function authorizationURL(parameters: Record<string, string>): URL {
  const url = new URL('/api/oidc/authorization', castellan.issuer);
  url.search = new URLSearchParams({ response_type: 'code', scope: 'openid', state: STATE, ...parameters }).toString();
  return url;
}

/** The fields of the form a page posts (the form_post response), with its action. */
function postedForm(page: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]*)"/.exec(page)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(action, 'the page has a form with an action');
  const fields: Record<string, string> = {};
  for (const [input] of page.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    const value = /value="([^"]*)"/.exec(input)?.[1];
    if (name && value !== undefined) fields[name] = value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  }
  return { action, fields };
}

describe('redirect_uris are matched exactly', () => {
  const mismatches = [
    ['an extra path segment', `${WEB_REDIRECT}/extra`],
    ['a different port', 'https://app.example.com:8443/oidc/callback'],
    ['a trailing slash', `${WEB_REDIRECT}/`],
    ['a different case in the path', 'https://app.example.com/oidc/Callback'],
    ['an added query', `${WEB_REDIRECT}?next=https://attacker.example/`],
    ['another host', 'https://attacker.example/oidc/callback'],
  ] as const;

  test('the registered redirect_uri is accepted (the request goes on to sign-in)', async () => {
    const response = await new Browser().get(authorizationURL({ client_id: 'web', redirect_uri: WEB_REDIRECT }).href);
    assert.equal(response.status, 303);
    assert.match(response.location ?? '', /\/interaction\//);
  });

  for (const [what, uri] of mismatches) {
    test(`a redirect_uri with ${what} gets an error page and never a redirect`, async () => {
      // RFC 6749 §3.1.2.3 and §4.1.2.1, RFC 9700 §4.1.3: exact string comparison; on a mismatch the
      // user-agent MUST NOT be redirected to the invalid URI (nor anywhere else).
      const response = await new Browser().get(authorizationURL({ client_id: 'web', redirect_uri: uri }).href);
      assert.equal(response.status, 400);
      assert.equal(response.location, undefined);
      assert.equal(response.headers.get('refresh'), null);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(response.body, /redirect_uri/);
    });
  }
});

describe('scopes, response_types and grant_types', () => {
  test('a scope outside the client scopes is invalid_scope, sent to the verified redirect URI', async () => {
    // RFC 6749 §3.3 and §4.1.2.1 invalid_scope; Authelia §2.1 clients[].scopes is an allow-list.
    const response = await authorizationResponse(authorizationURL({ client_id: 'web', redirect_uri: WEB_REDIRECT, scope: 'openid email' }), WEB_REDIRECT);
    assert.ok(response, 'the error is sent to the registered redirect URI');
    assert.equal(response.get('error'), 'invalid_scope');
    assert.equal(response.get('state'), STATE);
    assert.equal(await authorizationResponse(authorizationURL({ client_id: 'web', redirect_uri: WEB_REDIRECT, scope: 'openid profile' }), WEB_REDIRECT), undefined);
  });

  test('the implicit id_token flow works for a client that allows it (fragment)', async () => {
    // OIDC Core §3.2.2.5: the ID Token comes in the fragment; §3.2.2.11 nonce is REQUIRED.
    const config = await discover('implicit');
    client.useIdTokenResponseType(config);
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: IMPLICIT_REDIRECT, scope: 'openid profile', nonce, state });
    assert.equal(url.searchParams.get('response_type'), 'id_token');
    const flow = await authorize(browser, url.href, { redirectURI: IMPLICIT_REDIRECT });
    assert.ok(flow.callback, `expected a redirect to the client, got ${flow.last.status}`);
    const callback = new URL(flow.callback);
    assert.equal(callback.search, '', 'nothing in the query (response_mode fragment)');
    const claims = await client.implicitAuthentication(config, callback, nonce, { expectedState: state });
    assert.equal(claims.aud, 'implicit');
    assert.equal(claims.nonce, nonce);
  });

  test('response_type=id_token is refused for a client that only registered code', async () => {
    // RFC 6749 §4.1.2.1 unauthorized_client / unsupported_response_type; OIDC Registration §2 response_types.
    const response = await authorizationResponse(authorizationURL({ client_id: 'kasm', redirect_uri: redirectOf('kasm'), response_type: 'id_token', nonce: 'nonce-0123456789' }), redirectOf('kasm'));
    assert.ok(response, 'the error is sent to the registered redirect URI');
    assert.ok(['unauthorized_client', 'unsupported_response_type'].includes(response.get('error') ?? ''), `got ${response.get('error')}: ${response.get('error_description')}`);
    assert.equal(response.get('id_token'), null);
  });

  test('client_credentials issues an access token to a confidential client with that grant', async () => {
    // RFC 6749 §4.4; Authelia §2.1 grant_types, authorization_policy one_factor.
    const tokens = await client.clientCredentialsGrant(await discover('service'));
    assert.ok(tokens.access_token);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(tokens.id_token, undefined);
  });

  test('client_credentials is refused for a client without that grant', async () => {
    // RFC 6749 §5.2 unauthorized_client.
    await assert.rejects(client.clientCredentialsGrant(await discover('kasm')), (error) => oauthError(error) === 'unauthorized_client');
  });
});

describe('response_modes', () => {
  test('form_post: the response is an HTML form posting code and state to the redirect URI', async () => {
    // OAuth 2.0 Form Post Response Mode §2; Authelia §2.1 clients[].response_modes.
    const config = await discover('poster');
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: redirectOf('poster'), scope: 'openid profile', state, response_mode: 'form_post' });
    const flow = await authorize(browser, url.href, { redirectURI: redirectOf('poster') });
    assert.equal(flow.callback, undefined, 'no redirect carries the response');
    assert.equal(flow.last.status, 200);
    assert.match(flow.last.headers.get('content-type') ?? '', /^text\/html/);
    const form = postedForm(flow.last.body);
    assert.equal(form.action, redirectOf('poster'));
    assert.equal(form.fields['state'], state);
    assert.ok(form.fields['code'], 'the form carries the code');
    const post = new Request(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields).toString() });
    const tokens = await client.authorizationCodeGrant(config, post, { expectedState: state, idTokenExpected: true });
    assert.equal(tokens.claims()?.aud, 'poster');
  });

  test('query is refused for a client whose response_modes is only form_post', async () => {
    // Authelia §2.1: response_modes is an allow-list; RFC 6749 §4.1.2.1 invalid_request.
    const response = await new Browser().get(authorizationURL({ client_id: 'poster', redirect_uri: redirectOf('poster'), response_mode: 'query' }).href);
    const sentBack = response.location?.startsWith(redirectOf('poster')) ? new URL(response.location).searchParams : undefined;
    const posted = response.status === 200 ? new URLSearchParams(postedForm(response.body).fields) : undefined;
    const error = sentBack ?? posted;
    assert.ok(error, `expected an error response to the client, got ${response.status}`);
    assert.equal(error.get('error'), 'invalid_request');
    assert.equal(error.get('code'), null);
    // The default for code is query too: leaving response_mode out is refused the same way.
    const implied = await authorizationResponse(authorizationURL({ client_id: 'poster', redirect_uri: redirectOf('poster') }), redirectOf('poster'));
    assert.equal(implied?.get('error'), 'invalid_request');
  });
});

describe('minimum_parameter_entropy', () => {
  test('a 4-character state is invalid_request; 8 characters are enough', async () => {
    // Authelia §1.1 minimum_parameter_entropy (default 8) for state and nonce.
    const short = await authorizationResponse(authorizationURL({ client_id: 'kasm', redirect_uri: redirectOf('kasm'), state: 'abcd' }), redirectOf('kasm'));
    assert.ok(short, 'the error is sent to the registered redirect URI');
    assert.equal(short.get('error'), 'invalid_request');
    assert.match(short.get('error_description') ?? '', /state/);
    assert.equal(short.get('state'), 'abcd');
    assert.equal(await authorizationResponse(authorizationURL({ client_id: 'kasm', redirect_uri: redirectOf('kasm'), state: 'abcdefgh' }), redirectOf('kasm')), undefined);
  });

  test('a 4-character nonce is invalid_request', async () => {
    const short = await authorizationResponse(authorizationURL({ client_id: 'kasm', redirect_uri: redirectOf('kasm'), nonce: 'abcd' }), redirectOf('kasm'));
    assert.equal(short?.get('error'), 'invalid_request');
    assert.match(short?.get('error_description') ?? '', /nonce/);
  });
});
