// The whole seed 000 integration in Chromium: Castellan with the Kasm client block of Authelia's guide
// as written (only the redirect URI points at the demo app), and the Workspaces demo app configured
// with the guide's Kasm values (manual endpoints, client kasm / insecure_secret, scopes, User Identifier
// preferred_username, auto provisioning). A person clicks the provider button, signs in with password
// and TOTP, consents, and lands on the profile of a freshly provisioned user whose app groups follow the
// provider's groups; every failure ends on the app's error page with nothing written to its database.
import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import type { Cookie, Page } from 'playwright-core';
import { DEFAULT_USERS, freePort, KASM_SECRET_DIGEST, startCastellan, type TestServer, type TestUser } from '../helpers/castellan.ts';
import { TOTPDevice } from '../helpers/totp.ts';
import { generateDigest } from '../../src/crypto/digest.ts';
import { startTestWorkspaces, type Snapshot } from '../workspaces/helpers.ts';
import { browserTest, launchBrowser, screenshot, SKIP } from './harness.ts';
import { signIn, textOf } from './portal.ts';
import { enrolmentSecret, submitCode } from './second-factor.ts';

describe('the Workspaces demo app signs in through Castellan (seed 000) in Chromium', { skip: SKIP }, async () => {
  await launchBrowser();
  const appPort = await freePort();
  const appURL = `http://127.0.0.1:${appPort}`;
  const callbackPath = '/api/oidc_callback';

  // Seed 000's client block as written; only the redirect URI is the demo app's.
  const clients = [{
    client_id: 'kasm',
    client_name: 'Kasm Workspaces',
    client_secret: KASM_SECRET_DIGEST,
    public: false,
    authorization_policy: 'two_factor',
    redirect_uris: [`${appURL}${callbackPath}`],
    scopes: ['openid', 'profile', 'groups', 'email'],
    userinfo_signed_response_alg: 'none',
    token_endpoint_auth_method: 'client_secret_basic',
  }];
  let castellan: TestServer = await startCastellan({ clients });
  after(() => castellan.destroy());

  /** Seed 000's Kasm values, plus the groups attribute and email mapping the group mappings and profile use. */
  const adminDigest = await generateDigest({ algorithm: 'argon2', memory: 1024, iterations: 1, parallelism: 1 }, 'admin-password');
  function appConfig(clientSecret: string): Record<string, unknown> {
    const issuer = castellan.issuer;
    return {
      local_users: [{ username: 'admin', password: adminDigest, email: 'admin@workspaces.local', groups: ['Administrators'] }],
      oidc: [{
        id: 'castellan',
        display_name: 'Continue with Castellan',
        client_id: 'kasm',
        client_secret: clientSecret,
        authorization_url: `${issuer}/api/oidc/authorization`,
        token_url: `${issuer}/api/oidc/token`,
        user_info_url: `${issuer}/api/oidc/userinfo`,
        scopes: ['openid', 'profile', 'groups', 'email'],
        username_attribute: 'preferred_username',
        groups_attribute: 'groups',
        auto_user_provision: true,
        redirect_url: `${appURL}${callbackPath}`,
        attribute_mappings: { email: 'email' },
      }],
      groups: [
        { name: 'Administrators', priority: 1, settings: { max_sessions: 10 }, sso_mappings: [{ provider: 'castellan', group_attribute: 'admins' }] },
        { name: 'Developers', priority: 50, settings: { max_sessions: 3, theme: 'dark' }, sso_mappings: [{ provider: 'castellan', group_attribute: 'DEV' }] },
        { name: 'All Users', settings: { max_sessions: 1, theme: 'light' } },
      ],
    };
  }
  const app = await startTestWorkspaces(appPort, appConfig('insecure_secret'));
  after(() => app.destroy());

  const john = new TOTPDevice();
  const harry = new TOTPDevice();

  function isCallback(url: URL): boolean {
    return url.origin === appURL && url.pathname === callbackPath;
  }

  /**
   * Holds the provider's redirect to the callback until `handle` resolves with the URL to load instead.
   * Playwright's page.route never sees a redirect's next hop, so this uses Chromium's Fetch domain.
   */
  async function interceptCallback(page: Page, handle: (url: string) => Promise<string>): Promise<void> {
    const cdp = await page.context().newCDPSession(page);
    cdp.on('Fetch.requestPaused', (event) => {
      void handle(event.request.url).then((url) => cdp.send('Fetch.continueRequest', { requestId: event.requestId, url }));
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${appURL}${callbackPath}?*`, requestStage: 'Request' }] });
  }

  /**
   * From the app's login page: the provider button, Castellan's password form, TOTP (enrolment the first
   * time), consent; resolves once the browser is back at the app. `onCallback` sees the provider's
   * redirect to the callback first and says which URL to load instead.
   */
  async function signInThroughCastellan(page: Page, username: string, device: TOTPDevice, onCallback?: (url: string) => Promise<string>): Promise<void> {
    if (onCallback) await interceptCallback(page, onCallback);
    await page.goto(appURL);
    await Promise.all([page.waitForURL((url) => url.origin === castellan.issuer), page.locator('[data-sso-id="castellan"]').click()]);
    await signIn(page, username, DEFAULT_USERS[username]!.password);
    if (device.secret === undefined) device.secret = await enrolmentSecret(page);
    await submitCode(page, device.code());
    await page.locator('#openid-consent-accept').waitFor();
    assert.equal(await textOf(page, '#openid-consent-client'), 'Kasm Workspaces');
    await Promise.all([page.waitForURL((url) => url.origin === appURL, { waitUntil: 'load' }), page.locator('#openid-consent-accept').click()]);
  }

  async function profileGroups(page: Page): Promise<string[]> {
    return (await page.locator('#profile-groups li').allTextContents()).map((text) => text.trim());
  }

  async function setting(page: Page, name: string): Promise<[string, string]> {
    const row = page.locator(`#profile-settings tr[data-setting="${name}"]`);
    const cell = async (selector: string): Promise<string> => ((await row.locator(selector).textContent()) ?? '').trim();
    return [await cell('.setting-value'), await cell('.setting-group')];
  }

  /** The app's error page with `code`, and nothing written to the app's database since `before`. */
  async function assertRefused(page: Page, code: string, before: Snapshot): Promise<void> {
    const message = page.locator('#error-message');
    await message.waitFor();
    assert.equal(await message.getAttribute('data-error-code'), code, await message.textContent() ?? '');
    assert.ok(isCallback(new URL(page.url())), page.url());
    assert.deepEqual(app.snapshot(), before);
  }

  browserTest('a local user signs in with the password form, opens the admin page and logs out', 'workspaces-local-logout', async (page) => {
    await page.goto(appURL);
    await page.locator('#username-textfield').fill('admin');
    await page.locator('#password-textfield').fill('admin-password');
    await Promise.all([page.waitForURL(`${appURL}/profile`), page.locator('#sign-in-button').click()]);
    assert.equal(await textOf(page, '#profile-username'), 'admin');
    assert.deepEqual(await profileGroups(page), ['Administrators', 'All Users']);
    await Promise.all([page.waitForURL(`${appURL}/admin`), page.locator('#admin-link').click()]);
    await Promise.all([page.waitForURL(`${appURL}/`), page.locator('#logout-button').click()]);
    await page.locator('#sign-in-button').waitFor();
    assert.equal(app.snapshot().sessions, 0);
  });

  browserTest('first sign-in: provider button, password, TOTP enrolment, consent; a new user in the mapped groups', 'workspaces-first-sign-in', async (page) => {
    await page.goto(appURL);
    await page.locator('[data-sso-id="castellan"]').waitFor();
    await screenshot(page, 'workspaces-login-page');
    assert.equal(app.snapshot().users['john'], undefined);
    await signInThroughCastellan(page, 'john', john);
    assert.equal(new URL(page.url()).pathname, '/profile');
    assert.equal(await textOf(page, '#profile-username'), 'john');
    assert.equal(await textOf(page, '#profile-email'), 'john.doe@example.com');
    // Castellan's groups are admins and dev: Administrators and Developers (matched case-insensitively), plus All Users.
    assert.deepEqual(await profileGroups(page), ['Administrators', 'Developers', 'All Users']);
    assert.deepEqual(await setting(page, 'max_sessions'), ['10', 'Administrators']);
    assert.deepEqual(await setting(page, 'theme'), ['dark', 'Developers']);
    assert.deepEqual(app.snapshot().users['john'], { realm: 'oidc', provider: 'castellan', groups: ['Administrators', 'All Users', 'Developers'] });
    await page.locator('#admin-link').click();
    await page.locator('#admin-users tr[data-username="john"]').waitFor();
    await screenshot(page, 'workspaces-admin-page');
    await page.goto(`${appURL}/profile`);
  });

  browserTest('second sign-in after john leaves admins at the provider: the app drops Administrators', 'workspaces-group-removed', async (page) => {
    const users: Record<string, TestUser> = { ...DEFAULT_USERS, john: { ...DEFAULT_USERS['john']!, groups: ['dev'] } };
    await castellan.close();
    castellan = await startCastellan({ clients, users, directory: castellan.directory, port: castellan.port });
    await signInThroughCastellan(page, 'john', john);
    assert.equal(await textOf(page, '#profile-username'), 'john');
    assert.deepEqual(await profileGroups(page), ['Developers', 'All Users']);
    assert.deepEqual(await setting(page, 'max_sessions'), ['3', 'Developers']);
    assert.equal(await page.locator('#admin-link').count(), 0);
    assert.deepEqual(app.snapshot().users['john']?.groups, ['All Users', 'Developers']);
  });

  browserTest('a replayed callback URL, even with its state cookie, ends on the error page and starts no session', 'workspaces-replayed-callback', async (page) => {
    let replay: { url: string; cookies: Cookie[] } | undefined;
    await signInThroughCastellan(page, 'john', john, async (url) => {
      replay = { url, cookies: await page.context().cookies(url) };
      return url;
    });
    assert.equal(await textOf(page, '#profile-username'), 'john');
    assert.ok(replay?.cookies.some((cookie) => cookie.name === 'workspaces_oidc_state'), 'the state cookie went with the callback');
    const before = app.snapshot();
    await page.context().addCookies(replay!.cookies);
    await page.goto(replay!.url);
    // RFC 6749 §10.5: an authorization code is used once; the module refuses a redeemed state first.
    await assertRefused(page, 'callback_replayed', before);
  });

  browserTest('a tampered state ends on the error page and creates no user', 'workspaces-state-tampered', async (page) => {
    const before = app.snapshot();
    assert.equal(before.users['harry'], undefined);
    await signInThroughCastellan(page, 'harry', harry, async (callback) => {
      const url = new URL(callback);
      const state = url.searchParams.get('state') ?? '';
      url.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
      return url.href;
    });
    // RFC 6749 §10.12: the state must be the one bound to this browser.
    await assertRefused(page, 'state_mismatch', before);
  });

  browserTest('a wrong client secret in the app ends on the error page and creates no user', 'workspaces-wrong-secret', async (page) => {
    await app.restart(appConfig('not_the_secret'));
    try {
      const before = app.snapshot();
      await signInThroughCastellan(page, 'harry', harry);
      // RFC 6749 §5.2: the token endpoint answers invalid_client.
      await assertRefused(page, 'provider_rejected_client', before);
    } finally {
      await app.restart(appConfig('insecure_secret'));
    }
  });

  browserTest('the provider going down before the code is redeemed ends on the error page and creates no user', 'workspaces-provider-down', async (page) => {
    const before = app.snapshot();
    await signInThroughCastellan(page, 'harry', harry, async (url) => {
      await castellan.close();
      return url;
    });
    await assertRefused(page, 'provider_unreachable', before);
    assert.ok(await page.locator('#error-retry').isVisible(), 'the error page offers a retry');
  });
});
