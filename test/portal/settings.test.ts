// The second-factor settings page against a real server, through the scripted browser: only a
// signed-in user reaches it, and only after entering the password again (issue 4: "registering a new
// second factor requires a fresh first factor"); the re-entry lasts 5 minutes of the storage clock.
// TOTP and passkeys (several per user, each named, renamable, removable) are added and removed,
// every form needs the session's CSRF token (ASVS 3.5.1), and nobody reaches another user's passkey.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import * as client from 'openid-client';
import { SETTINGS_PATHS } from '../../src/portal/settings.ts';
import { PASSKEY_NAME_MAX_LENGTH } from '../../src/portal/fields.ts';
import { SIGN_IN_FAILED } from '../../src/portal/views/sign-in.ts';
import { Browser, inputValue, type Response } from '../helpers/browser.ts';
import { DEFAULT_USERS, discoverClient, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';
import { TOTPDevice } from '../helpers/totp.ts';
import { softwareAuthenticator, type SoftwareAuthenticator } from '../identity/webauthn-authenticator.ts';
import { attribute, hasID, tagWithID, textOf } from './helpers.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const USERS = { ...DEFAULT_USERS, ron: { password: 'scabbers', displayname: 'Ron Weasley' }, hermione: { password: 'crookshanks', displayname: 'Hermione Granger' } };
let offset = 0;
let castellan: TestServer;
let app: client.Configuration;

before(async () => {
  castellan = await startCastellan({
    clients: [testClient('app', REDIRECT)],
    users: USERS,
    // Sessions outlive the elevation, so moving the clock past it leaves the user signed in.
    session: { inactivity: '1h', expiration: '2h' },
    // Per user only: every test client shares 127.0.0.1.
    extra: { regulation: { modes: ['user'] } },
    clock: () => Date.now() + offset,
  });
  app = await discoverClient(castellan, 'app');
});
after(async () => castellan.destroy());

function url(path: string): string {
  return `${castellan.issuer}${path}`;
}

async function signIn(username: string): Promise<Browser> {
  const browser = new Browser();
  const authorization = client.buildAuthorizationUrl(app, { redirect_uri: REDIRECT, scope: 'openid', state: client.randomState() }).href;
  const flow = await authorize(browser, authorization, { redirectURI: REDIRECT, username, password: USERS[username as keyof typeof USERS].password });
  assert.ok(flow.callback?.includes('code='), `${username} signed in`);
  return browser;
}

/** A CSRF token of the browser's session, from the page at /settings (settings or re-entry alike). */
async function csrfOf(browser: Browser): Promise<string> {
  const token = inputValue((await browser.get(url('/settings'))).body, 'csrf_token');
  assert.ok(token, 'the settings page carries a CSRF token');
  return token;
}

async function reauthenticate(browser: Browser, password: string): Promise<Response> {
  return browser.post(url(SETTINGS_PATHS.reauth), { csrf_token: await csrfOf(browser), password });
}

async function elevated(username: string): Promise<Browser> {
  const browser = await signIn(username);
  const response = await reauthenticate(browser, USERS[username as keyof typeof USERS].password);
  assert.equal(response.status, 303);
  assert.equal(response.location, url('/settings'));
  return browser;
}

async function settingsPage(browser: Browser): Promise<string> {
  const response = await browser.get(url('/settings'));
  assert.equal(response.status, 200);
  assert.ok(hasID(response.body, 'totp-settings'), 'the settings page, not the password re-entry');
  return response.body;
}

async function post(browser: Browser, path: string, fields: Record<string, string> = {}): Promise<Response> {
  return browser.post(url(path), { csrf_token: await csrfOf(browser), ...fields });
}

/** Registers a passkey through the settings routes as the page's script would; returns the add response. */
async function addPasskey(browser: Browser, authenticator: SoftwareAuthenticator, description: string): Promise<Response> {
  const csrf = await csrfOf(browser);
  const registration = await browser.post(url(SETTINGS_PATHS.registerPasskey), { csrf_token: csrf });
  assert.equal(registration.status, 200);
  const form = tagWithID(registration.body, 'webauthn-form');
  assert.equal(attribute(form, 'data-options-url'), SETTINGS_PATHS.passkeyOptions);
  assert.equal(attribute(form, 'action'), SETTINGS_PATHS.addPasskey);
  const options = await browser.post(url(SETTINGS_PATHS.passkeyOptions), { csrf_token: csrf });
  assert.equal(options.status, 200);
  const credential = authenticator.create(JSON.parse(options.body) as PublicKeyCredentialCreationOptionsJSON);
  return browser.post(url(SETTINGS_PATHS.addPasskey), { csrf_token: csrf, credential: JSON.stringify(credential), description });
}

function passkeyIDs(page: string): string[] {
  return [...page.matchAll(/data-passkey-id="([^"]+)"/g)].map((m) => m[1]!);
}

describe('who reaches the settings', () => {
  test('without a session there are no settings: a page says to sign in through an application', async () => {
    const browser = new Browser();
    const response = await browser.get(url('/settings'));
    assert.equal(response.status, 403);
    assert.match(textOf(response.body, 'error-message'), /Sign in through one of the applications/);
    assert.equal(hasID(response.body, 'password-textfield'), false);
    const change = await browser.post(url(SETTINGS_PATHS.removeTOTP), {});
    assert.equal(change.status, 403);
  });

  test('the signed-in home page links to the settings', async () => {
    const browser = await signIn('john');
    const home = await browser.get(url('/'));
    assert.equal(attribute(tagWithID(home.body, 'settings-link'), 'href'), '/settings');
  });

  test('the password is asked again: a wrong one is refused, the right one opens the settings', async () => {
    const browser = await signIn('john');
    const first = await browser.get(url('/settings'));
    assert.equal(first.status, 200);
    assert.equal(attribute(tagWithID(first.body, 'password-textfield'), 'name'), 'password');
    assert.equal(hasID(first.body, 'totp-settings'), false);
    const wrong = await reauthenticate(browser, 'not-the-password');
    assert.equal(wrong.status, 401);
    assert.equal(textOf(wrong.body, 'error-message'), SIGN_IN_FAILED);
    const right = await reauthenticate(browser, 'password');
    assert.equal(right.status, 303);
    assert.equal(right.location, url('/settings'));
    const page = await settingsPage(browser);
    assert.match(page, /John Doe/);
    assert.ok(!castellan.logs.some((line) => line.includes('not-the-password')), 'passwords are never logged');
  });

  test('the password re-entry is regulated like sign-in: banned after max_retries failures, right password or not', async () => {
    const browser = await signIn('ron');
    for (let i = 0; i < 3; i++) assert.equal((await reauthenticate(browser, `wrong-${i}`)).status, 401);
    const banned = await reauthenticate(browser, 'scabbers');
    assert.equal(banned.status, 429);
    assert.ok(Number(banned.headers.get('retry-after')) > 0);
    assert.equal(hasID((await browser.get(url('/settings'))).body, 'totp-settings'), false, 'still not elevated');
  });

  test('every form needs a CSRF token bound to this session (403 otherwise)', async () => {
    const john = await elevated('john');
    const harryToken = await csrfOf(await signIn('harry'));
    const paths = [...Object.values(SETTINGS_PATHS), '/settings/webauthn/1/rename', '/settings/webauthn/1/remove'];
    for (const path of paths) {
      assert.equal((await john.post(url(path), {})).status, 403, `${path} without a token`);
      assert.equal((await john.post(url(path), { csrf_token: harryToken })).status, 403, `${path} with another session's token`);
    }
    const missing = await john.post(url(SETTINGS_PATHS.addTOTP), {});
    assert.ok(hasID(missing.body, 'error-message'));
  });

  test('changes need the elevation: without it forms go back to the password re-entry, the options fetch gets 403', async () => {
    const browser = await signIn('harry');
    const add = await post(browser, SETTINGS_PATHS.addTOTP);
    assert.equal(add.status, 303);
    assert.equal(add.location, url('/settings'));
    const options = await post(browser, SETTINGS_PATHS.passkeyOptions);
    assert.equal(options.status, 403);
    assert.deepEqual(JSON.parse(options.body), { error: 'reauthentication_required' });
  });

  test('the elevation ends 5 minutes (storage clock) after the password re-entry', async () => {
    try {
      offset = 0;
      const browser = await elevated('harry');
      offset = 299_000;
      await settingsPage(browser);
      offset = 301_000;
      const expired = await browser.get(url('/settings'));
      assert.equal(expired.status, 200);
      assert.ok(hasID(expired.body, 'password-textfield'), 'the password is asked again');
      const change = await post(browser, SETTINGS_PATHS.addTOTP);
      assert.equal(change.status, 303, 'no enrolment without the elevation');
      assert.equal(change.location, url('/settings'));
      assert.equal((await reauthenticate(browser, 'hunter2')).status, 303);
      await settingsPage(browser);
    } finally {
      offset = 0;
    }
  });
});

describe('authenticator app', () => {
  test('set up with a code from the secret shown, then removed', async () => {
    const browser = await elevated('harry');
    const enrolment = await post(browser, SETTINGS_PATHS.addTOTP);
    assert.equal(enrolment.status, 200);
    const secret = attribute(tagWithID(enrolment.body, 'totp-secret'), 'data-secret');
    assert.ok(secret);
    const confirmAction = /<form class="step-form" method="post" action="([^"]+)"/.exec(enrolment.body)?.[1];
    assert.equal(confirmAction, SETTINGS_PATHS.confirmTOTP);
    const code = new TOTPDevice(secret).code();

    const wrong = await post(browser, SETTINGS_PATHS.confirmTOTP, { code: code.replace(/.$/, (d) => String((Number(d) + 1) % 10)) });
    assert.equal(wrong.status, 401);
    assert.ok(hasID(wrong.body, 'error-message'));
    assert.equal(attribute(tagWithID(wrong.body, 'totp-secret'), 'data-secret'), secret, 'the same secret is shown again');

    const confirmed = await post(browser, SETTINGS_PATHS.confirmTOTP, { code });
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.location, url('/settings'));
    assert.match(textOf(await settingsPage(browser), 'totp-status'), /^On/);
    assert.equal((await post(browser, SETTINGS_PATHS.confirmTOTP, { code })).status, 303, 'the enrolment is used up: nothing pending');
    assert.ok(!castellan.logs.some((line) => line.includes(secret)), 'the secret is never logged');

    const removed = await post(browser, SETTINGS_PATHS.removeTOTP);
    assert.equal(removed.status, 303);
    assert.equal(textOf(await settingsPage(browser), 'totp-status'), 'Not set up');
  });
});

describe('passkeys', () => {
  test('several passkeys are added, each named, renamed and removed; a challenge is used once', async () => {
    const browser = await elevated('john');
    const laptop = softwareAuthenticator({ origin: castellan.issuer });
    const added = await addPasskey(browser, laptop, 'Work laptop');
    assert.equal(added.status, 303);
    assert.equal(added.location, url('/settings'));
    // WebAuthn §5.4 excludeCredentials: the options name the passkeys the user has, so the same authenticator refuses.
    await assert.rejects(addPasskey(browser, laptop, 'Work laptop again'), /InvalidStateError/);
    assert.equal((await addPasskey(browser, softwareAuthenticator({ origin: castellan.issuer }), 'YubiKey')).status, 303);
    let page = await settingsPage(browser);
    assert.equal(textOf(page, 'passkey-status'), '2 registered');
    assert.match(page, /Work laptop/);
    assert.match(page, /YubiKey/);
    const [first, second] = passkeyIDs(page);
    assert.ok(first && second);

    // A challenge is taken by the first verification: a second credential answering it is refused.
    const csrf = await csrfOf(browser);
    const options = JSON.parse((await browser.post(url(SETTINGS_PATHS.passkeyOptions), { csrf_token: csrf })).body) as PublicKeyCredentialCreationOptionsJSON;
    const [phone, tablet] = [0, 1].map(() => JSON.stringify(softwareAuthenticator({ origin: castellan.issuer }).create(options)));
    assert.equal((await browser.post(url(SETTINGS_PATHS.addPasskey), { csrf_token: csrf, credential: phone!, description: 'Phone' })).status, 303);
    const replay = await browser.post(url(SETTINGS_PATHS.addPasskey), { csrf_token: csrf, credential: tablet!, description: 'Phone again' });
    assert.equal(replay.status, 401);
    assert.ok(hasID(replay.body, 'error-message'));
    page = await settingsPage(browser);
    assert.equal(passkeyIDs(page).length, 3);
    assert.doesNotMatch(page, /Phone again/);

    const renamed = await post(browser, `/settings/webauthn/${first}/rename`, { description: '  Home desktop  ' });
    assert.equal(renamed.status, 303);
    page = await settingsPage(browser);
    assert.match(page, /<p class="passkey-name">Home desktop<\/p>/);
    assert.doesNotMatch(page, /Work laptop/);
    for (const description of ['   ', 'x'.repeat(PASSKEY_NAME_MAX_LENGTH + 1)]) {
      const invalid = await post(browser, `/settings/webauthn/${first}/rename`, { description });
      assert.equal(invalid.status, 400);
      assert.ok(hasID(invalid.body, 'error-message'));
    }

    assert.equal((await post(browser, `/settings/webauthn/${second}/remove`)).status, 303);
    page = await settingsPage(browser);
    assert.deepEqual(passkeyIDs(page).includes(second), false);
    assert.equal(passkeyIDs(page).length, 2);
  });

  test("another user's passkey cannot be renamed or removed", async () => {
    const john = await elevated('john');
    assert.equal((await addPasskey(john, softwareAuthenticator({ origin: castellan.issuer }), 'John’s key')).status, 303);
    const johns = passkeyIDs(await settingsPage(john));
    const target = johns.at(-1)!;
    const harry = await elevated('harry');
    for (const action of ['rename', 'remove']) {
      const response = await post(harry, `/settings/webauthn/${target}/${action}`, { description: 'Stolen' });
      assert.equal(response.status, 404, action);
      assert.ok(hasID(response.body, 'error-message'));
    }
    const after = await settingsPage(john);
    assert.deepEqual(passkeyIDs(after), johns);
    assert.match(after, /John’s key/);
    assert.doesNotMatch(after, /Stolen/);
  });
});

describe('preferred method', () => {
  test('only a method the user has set up can be preferred', async () => {
    const browser = await elevated('hermione');
    assert.equal((await post(browser, SETTINGS_PATHS.preferred, { method: 'webauthn' })).status, 400, 'no passkey yet');
    assert.equal((await addPasskey(browser, softwareAuthenticator({ origin: castellan.issuer }), 'Key')).status, 303);
    const enrolment = await post(browser, SETTINGS_PATHS.addTOTP);
    const device = new TOTPDevice(attribute(tagWithID(enrolment.body, 'totp-secret'), 'data-secret'));
    assert.equal((await post(browser, SETTINGS_PATHS.confirmTOTP, { code: device.code() })).status, 303);

    for (const method of ['webauthn', 'totp'] as const) {
      const chosen = await post(browser, SETTINGS_PATHS.preferred, { method });
      assert.equal(chosen.status, 303);
      assert.equal(chosen.location, url('/settings'));
      const page = await settingsPage(browser);
      assert.notEqual(attribute(tagWithID(page, `preferred-${method}`), 'checked'), undefined, `${method} is ticked`);
    }
    const unknown = await post(browser, SETTINGS_PATHS.preferred, { method: 'sms' });
    assert.equal(unknown.status, 400);
    assert.ok(hasID(unknown.body, 'error-message'));
  });
});
