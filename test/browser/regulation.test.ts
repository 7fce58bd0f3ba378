// Brute-force regulation in real Chromium (max_retries 3, find_time 2m, ban_time 5m): after three wrong
// passwords the right one is refused with the page and status of a wrong one, an unknown user sees the
// same page, and once ban_time has passed on the storage clock the right password signs in.
import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import { startCastellan, testClient } from '../helpers/castellan.ts';
import { startRelyingParty } from '../helpers/relying-party.ts';
import { browserTest, launchBrowser, screenshot, SKIP } from './harness.ts';
import { signIn, textOf } from './portal.ts';

const SIGN_IN_FAILED = 'Incorrect username or password.';
const BAN_TIME = 5 * 60;

describe('brute-force regulation in Chromium', { skip: SKIP }, async () => {
  await launchBrowser();
  const rp = await startRelyingParty([{ clientID: 'regulated-app' }]);
  after(() => rp.close());
  let offset = 0;
  const castellan = await startCastellan({
    clients: [testClient('regulated-app', rp.redirectURI, { client_name: 'Regulated App' })],
    extra: { regulation: { max_retries: 3, find_time: '2m', ban_time: '5m' } },
    clock: () => Date.now() + offset,
  });
  after(() => castellan.destroy());
  await rp.connect(castellan.issuer);

  browserTest('banned after three wrong passwords: the right one gets the wrong-password page, until ban_time has passed', 'regulation-ban-lifted', async (page) => {
    await page.goto(rp.loginURL('regulated-app'));
    for (let attempt = 1; attempt <= 3; attempt++) {
      const wrong = await signIn(page, 'john', `wrong-${attempt}`);
      assert.equal(wrong.status(), 401, `wrong password ${attempt}`);
    }
    const wrongText = await textOf(page, '#error-message');
    const wrongPage = await page.locator('main').innerText();
    assert.equal(wrongText, SIGN_IN_FAILED);
    // ASVS 6.3.1 / Authelia regulation: the fourth attempt within find_time is refused, right password or not.
    const banned = await signIn(page, 'john', 'password');
    assert.equal(banned.status(), 401);
    assert.equal(await textOf(page, '#error-message'), wrongText);
    assert.equal(await page.locator('main').innerText(), wrongPage);
    // A rate limit header would tell a banned account from a wrong password.
    assert.equal(await banned.headerValue('retry-after'), null);
    await screenshot(page, 'regulation-banned');
    // ASVS 6.3.8: an unknown user gets the identical page and status.
    const unknown = await signIn(page, 'nobody-at-all', 'password');
    assert.equal(unknown.status(), 401);
    assert.equal(await textOf(page, '#error-message'), wrongText);
    assert.equal(await page.locator('main').innerText(), wrongPage);
    // The ban ends ban_time after the last counted failure; refused attempts do not extend it.
    offset = (BAN_TIME - 10) * 1000;
    const stillBanned = await signIn(page, 'john', 'password');
    assert.equal(stillBanned.status(), 401, 'ten seconds before ban_time has passed');
    assert.equal(await textOf(page, '#error-message'), wrongText);
    offset = (BAN_TIME + 1) * 1000;
    await signIn(page, 'john', 'password');
    assert.equal(await textOf(page, '#rp-username'), 'john');
  });
});
