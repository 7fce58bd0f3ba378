// TOTP as a second factor in real Chromium: enrolment after the password (secret read off the page,
// codes computed like an authenticator app), sign-in with a code, a wrong and a replayed code, and a
// user enrolled beforehand by an administrator with `castellan storage user totp generate`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { Secret } from 'otpauth';
import type { Page, Response } from 'playwright-core';
import { DEFAULT_USERS, startCastellan, testClient } from '../helpers/castellan.ts';
import { spawnCastellan } from '../helpers/child.ts';
import { startRelyingParty } from '../helpers/relying-party.ts';
import { TOTPDevice } from '../helpers/totp.ts';
import { browserTest, launchBrowser, screenshot, SKIP } from './harness.ts';
import { jsonOf, recordNavigations, signIn, textOf } from './portal.ts';
import { enrolmentSecret, submitCode, wrongCode } from './second-factor.ts';

const SIGN_IN_FAILED = 'Incorrect username or password.';
const CODE_FAILED = 'The code is incorrect or has already been used. Enter the current code from your app.';
/** RFC 8176 §2: a password, a one-time password, and so more than one factor. */
const PASSWORD_AND_TOTP = ['pwd', 'otp', 'mfa'];

describe('TOTP second factor in Chromium', { skip: SKIP }, async () => {
  await launchBrowser();
  const rp = await startRelyingParty([{ clientID: 'totp-consent-app' }, { clientID: 'totp-app' }, { clientID: 'one-factor-app' }]);
  after(() => rp.close());
  const castellan = await startCastellan({
    clients: [
      testClient('totp-consent-app', rp.redirectURI, { client_name: 'TOTP Consent App', authorization_policy: 'two_factor', consent_mode: 'explicit' }),
      testClient('totp-app', rp.redirectURI, { client_name: 'TOTP App', authorization_policy: 'two_factor' }),
      testClient('one-factor-app', rp.redirectURI, { client_name: 'One Factor App' }),
    ],
    users: { ...DEFAULT_USERS, mary: { password: 'correct horse', displayname: 'Mary Major', email: 'mary@example.com' } },
  });
  after(() => castellan.destroy());
  await rp.connect(castellan.issuer);
  const john = new TOTPDevice();
  /** The code of the second sign-in, replayed in the fourth test. */
  let usedCode = '';

  browserTest('password, then TOTP enrolment confirmed by a code, then consent: the RP gets pwd, otp and mfa', 'totp-enrolment-done', async (page) => {
    await page.goto(rp.loginURL('totp-consent-app'));
    await signIn(page, 'john', 'password');
    await page.locator('#totp-secret').waitFor();
    assert.equal(await textOf(page, 'h1'), 'Set up an authenticator app');
    assert.equal(await page.locator('svg.qr-code').count(), 1, 'the QR code is on the page');
    john.secret = await enrolmentSecret(page);
    // RFC 4648 §6 base32; the text shown for typing in is the same secret.
    assert.match(john.secret, /^[A-Z2-7]{32,}$/);
    assert.equal((await textOf(page, '#totp-secret')).replace(/\s/g, ''), john.secret);
    await screenshot(page, 'totp-enrolment');
    await submitCode(page, john.code());
    await page.locator('#openid-consent-accept').waitFor();
    assert.equal(await textOf(page, '#openid-consent-client'), 'TOTP Consent App');
    await page.locator('#openid-consent-accept').click();
    assert.equal(await textOf(page, '#rp-username'), 'john');
    assert.deepEqual(await jsonOf(page, '#rp-amr'), PASSWORD_AND_TOTP);
  });

  browserTest('a fresh browser: password, then the TOTP prompt, then the relying party', 'totp-sign-in', async (page) => {
    await page.goto(rp.loginURL('totp-app'));
    await signIn(page, 'john', 'password');
    await page.locator('#one-time-password').waitFor();
    assert.equal(await textOf(page, 'h1'), 'Hi John Doe');
    assert.equal(await page.locator('#totp-secret').count(), 0, 'enrolled: a prompt, not the enrolment page');
    assert.equal(await page.locator('#methods-button').count(), 1, 'passkeys are one click away');
    await screenshot(page, 'totp-prompt');
    usedCode = john.code();
    await submitCode(page, usedCode);
    assert.equal(await textOf(page, '#rp-username'), 'john');
    assert.deepEqual(await jsonOf(page, '#rp-amr'), PASSWORD_AND_TOTP);
  });

  browserTest('a wrong code: #error-message, and no authorization code reaches the relying party', 'totp-wrong-code', async (page) => {
    const navigations = recordNavigations(page);
    await page.goto(rp.loginURL('totp-app'));
    await signIn(page, 'john', 'password');
    const wrong = await submitCode(page, wrongCode(john.secret!));
    assert.equal(wrong.status(), 401);
    assert.equal(await textOf(page, '#error-message'), CODE_FAILED);
    assert.equal(new URL(page.url()).origin, castellan.issuer);
    assert.equal(await page.locator('#one-time-password').inputValue(), '');
    assert.ok(!navigations.some((url) => url.startsWith(rp.redirectURI)), `the RP was not called back: ${navigations.join(' → ')}`);
  });

  browserTest('a replayed code (accepted once already, still in its window) is refused', 'totp-replayed-code', async (page) => {
    const navigations = recordNavigations(page);
    await page.goto(rp.loginURL('totp-app'));
    await signIn(page, 'john', 'password');
    const replayed = await submitCode(page, usedCode);
    // RFC 6238 §5.2: the verifier must not accept a second attempt with the same OTP.
    assert.equal(replayed.status(), 401);
    assert.equal(await textOf(page, '#error-message'), CODE_FAILED);
    assert.ok(!navigations.some((url) => url.startsWith(rp.redirectURI)), `the RP was not called back: ${navigations.join(' → ')}`);
    await screenshot(page, 'totp-replay-refused');
    // Only the reused code was wrong: an unused one completes the same sign-in.
    await submitCode(page, john.code());
    assert.equal(await textOf(page, '#rp-username'), 'john');
  });

  /** Submits the re-authentication form (#password-textfield, #sign-in-button); resolves once the next page has loaded. */
  async function confirmPassword(page: Page, password: string): Promise<Response> {
    await page.locator('#password-textfield').fill(password);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/reauth')),
      page.waitForEvent('load'),
      page.locator('#sign-in-button').click(),
    ]);
    return response;
  }

  browserTest('a one-factor session stepped up by a two_factor client: the password again, then enrolment', 'totp-step-up', async (page) => {
    await page.goto(rp.loginURL('one-factor-app'));
    await signIn(page, 'mary', 'correct horse');
    assert.deepEqual(await jsonOf(page, '#rp-amr'), ['pwd']);
    const subject = await textOf(page, '#rp-sub');
    // The session is kept and stepped up; setting up a second factor needs a password from this interaction.
    await page.goto(rp.loginURL('totp-app'));
    await page.locator('#password-textfield').waitFor();
    assert.equal(await textOf(page, 'h1'), 'Confirm it’s you');
    assert.equal(await page.locator('#reauthenticate-username').inputValue(), 'mary');
    const wrong = await confirmPassword(page, 'not her password');
    assert.equal(wrong.status(), 401);
    assert.equal(await textOf(page, '#error-message'), SIGN_IN_FAILED);
    await screenshot(page, 'totp-reauthenticate');
    await confirmPassword(page, 'correct horse');
    const mary = new TOTPDevice(await enrolmentSecret(page));
    await submitCode(page, mary.code());
    assert.equal(await textOf(page, '#rp-sub'), subject);
    assert.deepEqual(await jsonOf(page, '#rp-amr'), PASSWORD_AND_TOTP);
  });

  browserTest('a user enrolled by `castellan storage user totp generate --secret` signs in with a code, no enrolment page', 'totp-cli-enrolled', async (page) => {
    const secret = new Secret({ size: 20 }).base32;
    const cli = spawnCastellan(['storage', 'user', 'totp', 'generate', 'harry', '--secret', secret, '--config', join(castellan.directory, 'configuration.yml')]);
    const exit = await cli.exited;
    assert.equal(exit.code, 0, cli.output());
    assert.match(cli.output(), new RegExp(`^Secret: ${secret}$`, 'm'));
    assert.match(cli.output(), /^URI: otpauth:\/\/totp\/.*harry/m);
    const harry = new TOTPDevice(secret);
    const navigations = recordNavigations(page);
    await page.goto(rp.loginURL('totp-app'));
    await signIn(page, 'harry', 'hunter2');
    await page.locator('#one-time-password').waitFor();
    assert.equal(await page.locator('#totp-secret').count(), 0, 'no enrolment page');
    await submitCode(page, harry.code());
    assert.equal(await textOf(page, '#rp-username'), 'harry');
    assert.deepEqual(await jsonOf(page, '#rp-amr'), PASSWORD_AND_TOTP);
    assert.ok(!navigations.some((url) => url.includes('/totp/enrol')), navigations.join(' → '));
  });
});
