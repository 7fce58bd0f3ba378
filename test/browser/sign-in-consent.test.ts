// The first-factor sign-in, consent and logout flows in real Chromium, against a real Castellan and a
// relying party on openid-client: what the pages do, what the RP receives, and that no page breaks
// its own Content Security Policy. one_factor clients only; second factors have their own suite.
import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import { startCastellan, testClient } from '../helpers/castellan.ts';
import { startRelyingParty } from '../helpers/relying-party.ts';
import { browserTest, launchBrowser, screenshot, SKIP } from './harness.ts';
import { interactionPages, jsonOf, recordNavigations, signIn, textOf } from './portal.ts';

const SIGN_IN_FAILED = 'Incorrect username or password.';

describe('sign-in, consent and logout in Chromium', { skip: SKIP }, async () => {
  await launchBrowser();
  const rp = await startRelyingParty([{ clientID: 'explicit-app' }, { clientID: 'remembering-app' }, { clientID: 'implicit-app' }]);
  after(() => rp.close());
  const common = { scopes: ['openid', 'profile', 'email', 'groups'], post_logout_redirect_uris: [rp.postLogoutRedirectURI] };
  const castellan = await startCastellan({
    clients: [
      testClient('explicit-app', rp.redirectURI, { ...common, client_name: 'Explicit App', consent_mode: 'explicit' }),
      testClient('remembering-app', rp.redirectURI, { ...common, client_name: 'Remembering App', consent_mode: 'pre-configured' }),
      testClient('implicit-app', rp.redirectURI, { ...common, client_name: 'Implicit App', consent_mode: 'implicit' }),
    ],
  });
  after(() => castellan.destroy());
  await rp.connect(castellan.issuer);

  browserTest('consent accepted: the relying party receives the username, email, groups and amr', 'consent-accept', async (page) => {
    await page.goto(rp.loginURL('explicit-app'));
    assert.equal(await textOf(page, 'h1'), 'Sign in');
    assert.match(await textOf(page, '.subtitle'), /Explicit App/);
    await screenshot(page, 'sign-in-page');
    await signIn(page, 'john', 'password');
    await page.locator('#openid-consent-accept').waitFor();
    assert.equal(await textOf(page, '#openid-consent-client'), 'Explicit App');
    assert.match(await textOf(page, '#openid-consent-scopes'), /Access your email addresses/);
    // Explicit consent is never remembered, so the box is not offered.
    assert.equal(await page.locator('#openid-consent-remember').count(), 0);
    await screenshot(page, 'consent-page');
    await page.locator('#openid-consent-accept').click();
    assert.equal(await textOf(page, '#rp-username'), 'john');
    assert.equal(await textOf(page, '#rp-email'), 'john.doe@example.com');
    assert.deepEqual(await jsonOf(page, '#rp-groups'), ['admins', 'dev']);
    // RFC 8176 §2: a password was the only method used.
    assert.deepEqual(await jsonOf(page, '#rp-amr'), ['pwd']);
  });

  browserTest('consent denied: the relying party gets access_denied', 'consent-deny', async (page) => {
    await page.goto(rp.loginURL('explicit-app'));
    await signIn(page, 'harry', 'hunter2');
    await page.locator('#openid-consent-deny').click();
    // RFC 6749 §4.1.2.1: the refusal comes back to the redirect URI as access_denied.
    assert.equal(await textOf(page, '#rp-error-code'), 'access_denied');
    assert.equal(await textOf(page, '#rp-error-description'), 'The user denied the request.');
  });

  browserTest('remembered (pre-configured) consent: the next sign-in skips the consent page', 'consent-remembered', async (page) => {
    const navigations = recordNavigations(page);
    await page.goto(rp.loginURL('remembering-app'));
    await signIn(page, 'john', 'password');
    await page.locator('#openid-consent-remember').check();
    await screenshot(page, 'consent-remember-page');
    await page.locator('#openid-consent-accept').click();
    assert.equal(await textOf(page, '#rp-username'), 'john');
    assert.equal(interactionPages(navigations).length, 2, 'sign-in and consent the first time');
    // A new browser session: sign in again, and consent is not asked for.
    await page.context().clearCookies();
    navigations.length = 0;
    await page.goto(rp.loginURL('remembering-app'));
    await signIn(page, 'john', 'password');
    assert.equal(await textOf(page, '#rp-username'), 'john');
    assert.deepEqual(await jsonOf(page, '#rp-groups'), ['admins', 'dev']);
    assert.equal(interactionPages(navigations).length, 1, `only the sign-in page the second time: ${navigations.join(' → ')}`);
  });

  browserTest('a wrong password and an unknown user get the same generic message', 'sign-in-failures', async (page) => {
    await page.goto(rp.loginURL('implicit-app'));
    const wrong = await signIn(page, 'john', 'not-the-password');
    await page.locator('#error-message').waitFor();
    const wrongText = await textOf(page, '#error-message');
    const wrongPage = await page.locator('main').innerText();
    await screenshot(page, 'sign-in-wrong-password');
    // The username stays filled in after a failure; the password does not.
    assert.equal(await page.locator('#username-textfield').inputValue(), 'john');
    assert.equal(await page.locator('#password-textfield').inputValue(), '');
    const unknown = await signIn(page, 'nobody-here', 'password');
    await page.locator('#error-message').waitFor();
    await screenshot(page, 'sign-in-unknown-user');
    // ASVS 6.3.8: no account enumeration, by text, page or status.
    assert.equal(wrongText, SIGN_IN_FAILED);
    assert.equal(await textOf(page, '#error-message'), wrongText);
    assert.equal(await page.locator('main').innerText(), wrongPage);
    assert.equal(wrong.status(), 401);
    assert.equal(unknown.status(), wrong.status());
    // The same sign-in request still completes with the right password.
    await signIn(page, 'john', 'password');
    assert.equal(await textOf(page, '#rp-username'), 'john');
  });

  browserTest('the portal home shows the signed-in user and its sign-out button ends the session', 'portal-logout', async (page) => {
    await page.goto(rp.loginURL('implicit-app'));
    await signIn(page, 'john', 'password');
    assert.equal(await textOf(page, '#rp-username'), 'john');
    await page.goto(`${castellan.issuer}/`);
    assert.equal(await textOf(page, 'h1'), 'Hi John Doe');
    assert.equal(await textOf(page, '#signed-in-username'), 'john');
    await screenshot(page, 'portal-home');
    await Promise.all([page.waitForEvent('load'), page.locator('#logout-button').click()]);
    assert.equal(page.url(), `${castellan.issuer}/`);
    assert.equal(await page.locator('#logout-button').count(), 0);
    assert.match(await textOf(page, '.subtitle'), /You are not signed in/);
    await screenshot(page, 'portal-signed-out');
    // The Castellan session is gone: the application's next sign-in asks for the password again.
    await page.goto(rp.loginURL('implicit-app'));
    await page.locator('#username-textfield').waitFor();
    assert.equal(await textOf(page, 'h1'), 'Sign in');
  });

  browserTest('RP-initiated logout: confirmation page, sign out, back at post_logout_redirect_uri', 'rp-initiated-logout', async (page) => {
    await page.goto(rp.loginURL('implicit-app'));
    await signIn(page, 'harry', 'hunter2');
    assert.equal(await textOf(page, '#rp-username'), 'harry');
    await page.locator('#rp-logout-link').click();
    // OpenID Connect RP-Initiated Logout 1.0 §2: the OP asks the user before ending the session.
    await page.locator('#logout-button').waitFor();
    assert.equal(await textOf(page, 'h1'), 'Do you want to sign out?');
    assert.match(await textOf(page, '.subtitle'), /Implicit App/);
    await screenshot(page, 'logout-confirm');
    await page.locator('#logout-button').click();
    // §3: back at the registered post_logout_redirect_uri, with the RP's state.
    await page.locator('#rp-logged-out').waitFor();
    assert.equal(new URL(page.url()).origin + new URL(page.url()).pathname, rp.postLogoutRedirectURI);
    await screenshot(page, 'rp-logged-out');
    await page.goto(`${castellan.issuer}/`);
    assert.match(await textOf(page, '.subtitle'), /You are not signed in/);
  });

  browserTest('RP-initiated logout, "Stay signed in": back at the relying party, the Castellan session kept', 'rp-logout-stay-signed-in', async (page) => {
    await page.goto(rp.loginURL('implicit-app'));
    await signIn(page, 'john', 'password');
    await page.locator('#rp-logout-link').click();
    await page.locator('#stay-signed-in-button').click();
    // RP-Initiated Logout 1.0 §3: the OP still redirects to post_logout_redirect_uri.
    await page.locator('#rp-logged-out').waitFor();
    await page.goto(`${castellan.issuer}/`);
    assert.equal(await textOf(page, '#signed-in-username'), 'john');
  });

  browserTest('form_post response mode: the nonce\'d auto-submit script returns to the relying party', 'form-post', async (page) => {
    const navigations = recordNavigations(page);
    await page.goto(rp.loginURL('implicit-app', { response_mode: 'form_post' }));
    await signIn(page, 'john', 'password');
    // OAuth 2.0 Form Post Response Mode §2: the browser POSTs the response to the redirect URI by itself.
    assert.equal(await textOf(page, '#rp-username'), 'john');
    assert.ok(navigations.some((url) => url.startsWith(`${castellan.issuer}/api/oidc/authorization`)), navigations.join(' → '));
  });
});
