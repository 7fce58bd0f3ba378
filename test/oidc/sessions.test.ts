// Session lifetimes as Authelia defines them (reference §6 session): without "remember me" a session
// ends after `inactivity` without use and `expiration` after sign-in at the latest; with it, it lasts
// `remember_me`. The storage clock is moved instead of waiting.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { sessionLifetime } from '../../src/oidc/lifespans.ts';
import { Browser } from '../helpers/browser.ts';
import { discoverClient, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
let offset = 0;
let castellan: TestServer;

before(async () => {
  castellan = await startCastellan({
    clients: [testClient('app', REDIRECT)],
    session: { inactivity: '60s', expiration: '120s', remember_me: '1h' },
    clock: () => Date.now() + offset,
  });
});
after(async () => castellan.destroy());

test('sessionLifetime: sliding inactivity, capped by expiration; remember me lasts remember_me', () => {
  const times = { expiration: 120, inactivity: 60, rememberMe: 3600 };
  assert.equal(sessionLifetime(times, { loginTs: 1000, transient: true }, 1000), 60);
  assert.equal(sessionLifetime(times, { loginTs: 1000, transient: true }, 1090), 30, 'expiration caps the sliding window');
  assert.equal(sessionLifetime(times, { loginTs: 1000, transient: true }, 1200), 1, 'past expiration: expire at once');
  assert.equal(sessionLifetime(times, { loginTs: 1000, transient: false }, 1090), 3510);
  assert.equal(sessionLifetime({ ...times, rememberMe: -1 }, { loginTs: 1000, transient: false }, 1000), 60, 'remember_me -1 disables it');
});

async function signInAndCheck(browser: Browser, remember: boolean): Promise<void> {
  const config = await discoverClient(castellan, 'app');
  const flow = await authorize(browser, client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state: client.randomState() }).href, { redirectURI: REDIRECT, remember });
  assert.deepEqual(flow.pages, ['sign-in']);
}

async function pagesOfNextAuthorization(browser: Browser): Promise<string[]> {
  const config = await discoverClient(castellan, 'app');
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state: client.randomState() }).href;
  const response = await browser.follow(await browser.get(url), (u) => u.startsWith(REDIRECT));
  return response.location?.startsWith(REDIRECT) ? [] : ['sign-in'];
}

test('without remember me, a session used within inactivity stays, and ends after inactivity without use', async () => {
  offset = 0;
  const browser = new Browser();
  await signInAndCheck(browser, false);
  offset = 50_000;
  assert.deepEqual(await pagesOfNextAuthorization(browser), [], 'used within 60 s: still signed in');
  offset = 50_000 + 61_000;
  assert.deepEqual(await pagesOfNextAuthorization(browser), ['sign-in'], '61 s without use: signed out');
});

test('without remember me, expiration ends the session even when it is used', async () => {
  offset = 0;
  const browser = new Browser();
  await signInAndCheck(browser, false);
  for (const at of [50_000, 100_000]) {
    offset = at;
    assert.deepEqual(await pagesOfNextAuthorization(browser), [], `used at ${at / 1000} s`);
  }
  offset = 125_000;
  assert.deepEqual(await pagesOfNextAuthorization(browser), ['sign-in'], 'past the 120 s expiration');
});

test('with remember me, the session outlives inactivity and expiration', async () => {
  offset = 0;
  const browser = new Browser();
  await signInAndCheck(browser, true);
  offset = 30 * 60_000;
  assert.deepEqual(await pagesOfNextAuthorization(browser), [], '30 minutes later, still signed in');
  offset = 61 * 60_000;
  assert.deepEqual(await pagesOfNextAuthorization(browser), ['sign-in'], 'past remember_me (1 h)');
});
