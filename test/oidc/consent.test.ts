// Consent modes (Authelia reference §4.3, §4.4): explicit asks every time, implicit never asks,
// pre-configured (and auto with pre_configured_consent_duration) offers "Remember consent" and
// reuses a remembered consent only for exactly the same scopes, until it expires; prompt=consent
// and offline_access always ask; denying sends access_denied to the client.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { discoverClient, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize, type FlowResult, type SignInOptions } from '../helpers/flows.ts';
import { saveConsent } from '../../src/storage/consent.ts';
import { subjectFor } from '../../src/storage/subjects.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const REMEMBER_BOX = 'id="openid-consent-remember"';
const CONSENT_PAGE = 'id="openid-consent-accept"';

let castellan: TestServer;
// Storage time, in milliseconds; the expiry test moves it forward.
let offset = 0;

function clientBlock(clientID: string, extra: Record<string, unknown>): Record<string, unknown> {
  // consent_mode: auto (the default) unless `extra` names one.
  return testClient(clientID, REDIRECT, { consent_mode: 'auto', scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'], grant_types: ['authorization_code', 'refresh_token'], ...extra });
}

before(async () => {
  castellan = await startCastellan({
    clock: () => Date.now() + offset,
    clients: [
      clientBlock('explicit', { client_name: 'Explicit App', consent_mode: 'explicit' }),
      clientBlock('implicit', { consent_mode: 'implicit' }),
      clientBlock('remember', { consent_mode: 'pre-configured' }),
      clientBlock('auto-remember', { consent_mode: 'auto', pre_configured_consent_duration: '1h' }),
      clientBlock('auto-plain', {}),
      clientBlock('scopes', { consent_mode: 'pre-configured' }),
      clientBlock('unticked', { consent_mode: 'pre-configured' }),
      clientBlock('expiring', { consent_mode: 'pre-configured', pre_configured_consent_duration: '2s' }),
      clientBlock('forced', { consent_mode: 'pre-configured' }),
      clientBlock('offline', { consent_mode: 'pre-configured' }),
      clientBlock('deny', { client_name: 'Denied App', consent_mode: 'explicit' }),
    ],
  });
});

after(async () => castellan.destroy());

const discover = (clientID: string): Promise<client.Configuration> => discoverClient(castellan, clientID);

interface Attempt {
  readonly flow: FlowResult;
  readonly config: client.Configuration;
  readonly state: string;
}

async function attempt(browser: Browser, clientID: string, scope: string, options: Partial<SignInOptions> = {}, extra: Record<string, string> = {}): Promise<Attempt> {
  const config = await discover(clientID);
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, state, ...extra });
  const flow = await authorize(browser, url.href, { redirectURI: REDIRECT, ...options });
  return { flow, config, state };
}

/** The consent page the browser lands on, without answering it. */
async function consentPage(browser: Browser, clientID: string, scope: string, extra: Record<string, string> = {}): Promise<string> {
  const config = await discover(clientID);
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, state: client.randomState(), ...extra });
  const page = await browser.follow(await browser.get(url.href), (u) => u.startsWith(REDIRECT));
  assert.ok(page.body.includes(CONSENT_PAGE), `expected the consent page, got ${page.status} ${page.location ?? ''}`);
  return page.body;
}

async function signedIn(): Promise<Browser> {
  // Sign in once through an implicit-consent client so later flows start from an existing session.
  const browser = new Browser();
  const { flow } = await attempt(browser, 'implicit', 'openid');
  assert.deepEqual(flow.pages, ['sign-in']);
  return browser;
}

test('explicit: two consecutive authorizations in one browser both ask, and no remember box is offered', async () => {
  const browser = new Browser();
  // Authelia §4.3: explicit consent mode asks on every authorization, even in an existing session.
  const first = await attempt(browser, 'explicit', 'openid profile', { rememberConsent: true });
  assert.deepEqual(first.flow.pages, ['sign-in', 'consent']);
  const page = await consentPage(browser, 'explicit', 'openid profile');
  // Authelia §4.4: the "Remember Consent" box appears only when pre_configuration is true.
  assert.ok(!page.includes(REMEMBER_BOX), 'explicit consent must not offer to remember');
  const second = await attempt(browser, 'explicit', 'openid profile', { rememberConsent: true });
  assert.deepEqual(second.flow.pages, ['consent']);
  assert.ok(second.flow.callback && new URL(second.flow.callback).searchParams.has('code'));
});

test('implicit: consent is never asked and the code is redeemable', async () => {
  const browser = new Browser();
  // Authelia §4.3: implicit consent mode assumes consent.
  const first = await attempt(browser, 'implicit', 'openid email');
  assert.deepEqual(first.flow.pages, ['sign-in']);
  const tokens = await client.authorizationCodeGrant(first.config, new URL(first.flow.callback!), { expectedState: first.state });
  assert.equal(tokens.claims()!['email'], 'john.doe@example.com');
  const second = await attempt(browser, 'implicit', 'openid email');
  assert.deepEqual(second.flow.pages, []);
  assert.ok(second.flow.callback && new URL(second.flow.callback).searchParams.has('code'));
});

test('pre-configured: the remember box is offered, and a ticked consent is reused for the same scopes', async () => {
  const browser = await signedIn();
  const page = await consentPage(browser, 'remember', 'openid profile');
  assert.ok(page.includes(REMEMBER_BOX), 'pre-configured consent offers "Remember consent"');
  const first = await attempt(browser, 'remember', 'openid profile', { rememberConsent: true });
  assert.deepEqual(first.flow.pages, ['consent']);
  // Authelia §4.3: a remembered consent answers a request with exactly the same scopes (as a set).
  const second = await attempt(browser, 'remember', 'profile openid');
  assert.deepEqual(second.flow.pages, []);
  const tokens = await client.authorizationCodeGrant(second.config, new URL(second.flow.callback!), { expectedState: second.state });
  assert.equal(tokens.claims()!['preferred_username'], 'john');
  // The remembered consent belongs to the user, not the browser: a new session reuses it too.
  const other = await attempt(new Browser(), 'remember', 'openid profile');
  assert.deepEqual(other.flow.pages, ['sign-in']);
});

test('auto with pre_configured_consent_duration resolves to pre-configured; without it, to explicit', async () => {
  const browser = await signedIn();
  // Authelia §2.1: consent_mode auto becomes pre-configured when a duration is set, else explicit.
  assert.ok((await consentPage(browser, 'auto-remember', 'openid')).includes(REMEMBER_BOX));
  assert.ok(!(await consentPage(browser, 'auto-plain', 'openid')).includes(REMEMBER_BOX));
  await attempt(browser, 'auto-remember', 'openid', { rememberConsent: true });
  assert.deepEqual((await attempt(browser, 'auto-remember', 'openid')).flow.pages, []);
});

test('pre-configured: a remembered consent does not match a subset or a superset of its scopes', async () => {
  const browser = await signedIn();
  await attempt(browser, 'scopes', 'openid profile', { rememberConsent: true });
  // Authelia §4.3 HasExactGrants: same members, same size.
  assert.deepEqual((await attempt(browser, 'scopes', 'openid')).flow.pages, ['consent']);
  assert.deepEqual((await attempt(browser, 'scopes', 'openid profile email')).flow.pages, ['consent']);
  assert.deepEqual((await attempt(browser, 'scopes', 'openid profile')).flow.pages, []);
});

test('pre-configured: a consent accepted without ticking the box is not remembered', async () => {
  const browser = await signedIn();
  assert.deepEqual((await attempt(browser, 'unticked', 'openid profile')).flow.pages, ['consent']);
  assert.deepEqual((await attempt(browser, 'unticked', 'openid profile')).flow.pages, ['consent']);
});

test('pre-configured: a remembered consent expires after pre_configured_consent_duration', async () => {
  const browser = await signedIn();
  await attempt(browser, 'expiring', 'openid', { rememberConsent: true });
  assert.deepEqual((await attempt(browser, 'expiring', 'openid')).flow.pages, []);
  // Authelia §4.3: expiry = consent time + the client's pre_configured_consent_duration (2s here).
  offset += 3000;
  assert.deepEqual((await attempt(browser, 'expiring', 'openid')).flow.pages, ['consent']);
});

test('prompt=consent asks again despite a remembered consent, without the remember box', async () => {
  const browser = await signedIn();
  await attempt(browser, 'forced', 'openid profile', { rememberConsent: true });
  assert.deepEqual((await attempt(browser, 'forced', 'openid profile')).flow.pages, []);
  // Authelia §4.3: prompt=consent disables pre-configured consent (OIDC Core §3.1.2.1).
  const page = await consentPage(browser, 'forced', 'openid profile', { prompt: 'consent' });
  assert.ok(!page.includes(REMEMBER_BOX));
  assert.deepEqual((await attempt(browser, 'forced', 'openid profile', {}, { prompt: 'consent' })).flow.pages, ['consent']);
});

test('offline_access asks for consent even with a matching remembered consent, in pre-configured and implicit modes', async () => {
  const browser = await signedIn();
  // A remembered consent for exactly these scopes, as an older release or an import might have stored.
  const subject = subjectFor(castellan.server.built.context.storage, { sector: '', username: 'john' });
  saveConsent(castellan.server.built.context.storage, { clientID: 'offline', subject, scopes: ['openid', 'offline_access'], audience: [], expiresAt: null });
  // Authelia §4.3: a code-flow request for offline_access always needs explicit consent.
  const page = await consentPage(browser, 'offline', 'openid offline_access');
  assert.ok(!page.includes(REMEMBER_BOX));
  const offline = await attempt(browser, 'offline', 'openid offline_access', { rememberConsent: true });
  assert.deepEqual(offline.flow.pages, ['consent']);
  const tokens = await client.authorizationCodeGrant(offline.config, new URL(offline.flow.callback!), { expectedState: offline.state });
  assert.ok(tokens.refresh_token, 'explicit consent to offline_access yields a refresh token');
  // Authelia FAQ: implicit mode falls back to explicit consent for refresh tokens.
  assert.deepEqual((await attempt(browser, 'implicit', 'openid offline_access')).flow.pages, ['consent']);
});

test('denying consent sends access_denied to the redirect URI', async () => {
  const { flow, config, state } = await attempt(new Browser(), 'deny', 'openid', { consent: 'deny' });
  assert.deepEqual(flow.pages, ['sign-in', 'consent']);
  assert.ok(flow.callback, 'the browser is sent back to the client');
  const callback = new URL(flow.callback);
  // RFC 6749 §4.1.2.1: the resource owner denied the request → error=access_denied, with state.
  assert.equal(callback.searchParams.get('error'), 'access_denied');
  assert.equal(callback.searchParams.get('state'), state);
  assert.ok(!callback.searchParams.has('code'));
  await assert.rejects(client.authorizationCodeGrant(config, callback, { expectedState: state }), (error: { error?: string }) => error.error === 'access_denied');
});

test('the consent page names the client and describes the scopes in plain words', async () => {
  const browser = await signedIn();
  const page = await consentPage(browser, 'explicit', 'openid profile email groups');
  // Authelia §4.4: the client_name is shown, and each scope with its description.
  assert.match(page, /id="openid-consent-client"[^>]*>Explicit App</);
  for (const text of ['Use OpenID to verify your identity', 'Access your profile information', 'Access your email addresses', 'Access your group memberships']) {
    assert.ok(page.includes(text), `the consent page says '${text}'`);
  }
});
