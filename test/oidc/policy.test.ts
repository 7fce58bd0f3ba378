// Client authorization policies (Authelia reference §1.3, §2.1): `one_factor`, `two_factor`, or a
// named policy from `authorization_policies` whose rules match users and groups in order (first match
// wins, else default_policy). `deny` ends in access_denied; `two_factor` asks for a second factor
// after the password, and steps up a one-factor session instead of starting over.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser, formAction, inputValue } from '../helpers/browser.ts';
import { TOTPDevice } from '../helpers/totp.ts';
import { discoverClient, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize, type FlowResult } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
// RFC 6749 §4.1.2.1: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
const DESCRIPTION_CHARSET = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

let castellan: TestServer;

const clientBlock = (clientID: string, policy: string): Record<string, unknown> => testClient(clientID, REDIRECT, { authorization_policy: policy, scopes: ['openid', 'profile', 'groups'] });

before(async () => {
  castellan = await startCastellan({
    oidc: {
      authorization_policies: {
        'admins-only': { default_policy: 'deny', rules: [{ policy: 'one_factor', subject: 'group:admins' }] },
        'harry-only': { default_policy: 'deny', rules: [{ policy: 'one_factor', subject: 'user:harry' }] },
        'no-dev': { default_policy: 'one_factor', rules: [{ policy: 'deny', subject: ['group:dev'] }] },
        'first-match': { default_policy: 'one_factor', rules: [{ policy: 'deny', subject: 'user:john' }, { policy: 'one_factor', subject: 'group:admins' }] },
      },
    },
    clients: [
      clientBlock('one-factor', 'one_factor'),
      clientBlock('two-factor', 'two_factor'),
      clientBlock('admins-only', 'admins-only'),
      clientBlock('harry-only', 'harry-only'),
      clientBlock('no-dev', 'no-dev'),
      clientBlock('first-match', 'first-match'),
    ],
  });
});

after(async () => castellan.destroy());

interface Outcome {
  readonly flow: FlowResult;
  readonly params: URLSearchParams;
  readonly config: client.Configuration;
  readonly state: string;
}

async function authorizeAs(browser: Browser, clientID: string, username: string, password: string, totp?: TOTPDevice): Promise<Outcome> {
  const config = await discoverClient(castellan, clientID);
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile groups', state });
  const flow = await authorize(browser, url.href, { redirectURI: REDIRECT, username, password, totp });
  assert.ok(flow.callback, `expected a redirect to ${clientID}, got ${flow.last.status}`);
  return { flow, params: new URL(flow.callback).searchParams, config, state };
}

const john = (browser: Browser, clientID: string): Promise<Outcome> => authorizeAs(browser, clientID, 'john', 'password');
const harry = (browser: Browser, clientID: string): Promise<Outcome> => authorizeAs(browser, clientID, 'harry', 'hunter2');

/** The outcome is an OAuth access_denied at the client, without a code; returns the description. */
async function assertDenied(outcome: Outcome): Promise<string> {
  // Authelia §1.3: a deny result is the OIDC access_denied error (RFC 6749 §4.1.2.1), with state.
  assert.equal(outcome.params.get('error'), 'access_denied');
  assert.equal(outcome.params.get('state'), outcome.state);
  assert.ok(!outcome.params.has('code'), 'no code alongside an error');
  const description = outcome.params.get('error_description') ?? '';
  assert.match(description, DESCRIPTION_CHARSET);
  await assert.rejects(client.authorizationCodeGrant(outcome.config, new URL(outcome.flow.callback!), { expectedState: outcome.state }), (error: { error?: string }) => error.error === 'access_denied');
  return description;
}

async function assertAllowed(outcome: Outcome, username: string): Promise<void> {
  assert.ok(outcome.params.has('code'), `expected a code, got ${outcome.params.get('error')}: ${outcome.params.get('error_description')}`);
  const tokens = await client.authorizationCodeGrant(outcome.config, new URL(outcome.flow.callback!), { expectedState: outcome.state });
  assert.equal(tokens.claims()!['preferred_username'], username);
}

test('two_factor: after the password, a user without a second factor enrols TOTP and gets amr pwd, otp, mfa', async () => {
  const totp = new TOTPDevice();
  const outcome = await authorizeAs(new Browser(), 'two-factor', 'harry', 'hunter2', totp);
  // Authelia §2.1: two_factor needs a second factor in this session; the first one is set up here.
  assert.deepEqual(outcome.flow.pages, ['sign-in', 'totp-enrolment']);
  const tokens = await client.authorizationCodeGrant(outcome.config, new URL(outcome.flow.callback!), { expectedState: outcome.state });
  assert.deepEqual(tokens.claims()!['amr'], ['pwd', 'otp', 'mfa'], 'RFC 8176 methods of both factors');
  // The next sign-in asks for a code, not for enrolment.
  const again = await authorizeAs(new Browser(), 'two-factor', 'harry', 'hunter2', totp);
  assert.deepEqual(again.flow.pages, ['sign-in', 'totp']);
  await assertAllowed(again, 'harry');
});

test('two_factor: a one-factor session is stepped up with the second factor, not started over', async () => {
  const browser = new Browser();
  const totp = new TOTPDevice();
  await assertAllowed(await authorizeAs(browser, 'one-factor', 'john', 'password'), 'john');
  // No second factor yet: setting one up needs the password again (a fresh first factor).
  const config = await discoverClient(castellan, 'two-factor');
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile groups', state });
  let response = await browser.follow(await browser.get(url.href), (u) => u.startsWith(REDIRECT));
  assert.match(response.body, /id="password-textfield"/, 'the re-authentication page');
  assert.doesNotMatch(response.body, /id="username-textfield"/, 'not the sign-in page: the session user is known');
  response = await browser.post(new URL(formAction(response.body, 'sign-in-button')!, response.url).href, { csrf_token: inputValue(response.body, 'csrf_token') ?? '', password: 'password' });
  const flow = await authorize(browser, response.location!, { redirectURI: REDIRECT, totp });
  assert.deepEqual(flow.pages, ['totp-enrolment']);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback!), { expectedState: state });
  assert.deepEqual(tokens.claims()!['amr'], ['pwd', 'otp', 'mfa']);
  // Now two-factor, the session also serves the two_factor client without asking again.
  const later = await authorizeAs(browser, 'two-factor', 'john', 'password', totp);
  assert.deepEqual(later.flow.pages, []);
});

test('two_factor: a wrong code is refused with the same page and no code', async () => {
  // harry enrolled TOTP in the first test; this device holds another secret.
  const wrong = new TOTPDevice('A'.repeat(32));
  const config = await discoverClient(castellan, 'two-factor');
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state: client.randomState() });
  const flow = await authorize(new Browser(), url.href, { redirectURI: REDIRECT, username: 'harry', password: 'hunter2', totp: wrong });
  assert.equal(flow.callback, undefined);
  assert.equal(flow.last.status, 401);
  assert.match(flow.last.body, /id="error-message"[\s\S]*The code is incorrect/);
});

test('a group:admins rule with default deny lets john (admins) in and refuses harry', async () => {
  // Authelia §1.3: a matching rule gives its policy; no match gives default_policy.
  await assertAllowed(await john(new Browser(), 'admins-only'), 'john');
  const denied = await harry(new Browser(), 'admins-only');
  assert.deepEqual(denied.flow.pages, ['sign-in']);
  await assertDenied(denied);
});

test('a user:harry rule lets harry in and refuses john', async () => {
  await assertAllowed(await harry(new Browser(), 'harry-only'), 'harry');
  await assertDenied(await john(new Browser(), 'harry-only'));
});

test('a deny rule refuses the users it matches, also when they are already signed in', async () => {
  await assertAllowed(await harry(new Browser(), 'no-dev'), 'harry');
  const browser = new Browser();
  await assertAllowed(await john(browser, 'one-factor'), 'john');
  // john is in group dev: the deny rule matches; with an existing session he is not asked to sign in.
  const outcome = await john(browser, 'no-dev');
  assert.deepEqual(outcome.flow.pages, []);
  await assertDenied(outcome);
});

test('rules are evaluated in order and the first match wins', async () => {
  // Authelia §1.3: john matches 'user:john' (deny) before 'group:admins' (one_factor).
  await assertDenied(await john(new Browser(), 'first-match'));
  await assertAllowed(await harry(new Browser(), 'first-match'), 'harry');
});
