// Remembered (pre-configured) consent in real Chromium: with pre_configured_consent_duration 1h, consent
// remembered through #openid-consent-remember is skipped at the next sign-in and asked for again once
// the storage clock has moved past the hour.
import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import { startCastellan, testClient } from '../helpers/castellan.ts';
import { startRelyingParty } from '../helpers/relying-party.ts';
import { browserTest, launchBrowser, screenshot, SKIP } from './harness.ts';
import { interactionPages, recordNavigations, signIn, textOf } from './portal.ts';

const HOUR = 60 * 60;

describe('remembered consent that expires, in Chromium', { skip: SKIP }, async () => {
  await launchBrowser();
  const rp = await startRelyingParty([{ clientID: 'hourly-app' }]);
  after(() => rp.close());
  let offset = 0;
  const castellan = await startCastellan({
    clients: [testClient('hourly-app', rp.redirectURI, { client_name: 'Hourly App', consent_mode: 'pre-configured', pre_configured_consent_duration: '1h' })],
    // Sessions outlive the moved clock: src/oidc/provider.ts measures a session's age as the storage
    // clock minus oidc-provider's real-time loginTs, so past `expiration` (1h by default) every new
    // session would get a one-second lifetime (reported).
    session: { expiration: '1d' },
    clock: () => Date.now() + offset,
  });
  after(() => castellan.destroy());
  await rp.connect(castellan.issuer);

  browserTest('remembered for an hour: skipped at the next sign-in, asked again after the hour', 'consent-expired', async (page) => {
    const navigations = recordNavigations(page);
    await page.goto(rp.loginURL('hourly-app'));
    await signIn(page, 'john', 'password');
    await page.locator('#openid-consent-remember').check();
    await page.locator('#openid-consent-accept').click();
    assert.equal(await textOf(page, '#rp-username'), 'john');
    assert.equal(interactionPages(navigations).length, 2, 'sign-in and consent the first time');
    // A new browser session within the hour: the remembered consent stands.
    offset = (HOUR - 60) * 1000;
    await page.context().clearCookies();
    navigations.length = 0;
    await page.goto(rp.loginURL('hourly-app'));
    await signIn(page, 'john', 'password');
    assert.equal(await textOf(page, '#rp-username'), 'john');
    assert.equal(interactionPages(navigations).length, 1, `only the sign-in page: ${navigations.join(' → ')}`);
    // Past the hour it has expired: consent is asked for again, and can be remembered again.
    offset = (HOUR + 1) * 1000;
    await page.context().clearCookies();
    navigations.length = 0;
    await page.goto(rp.loginURL('hourly-app'));
    await signIn(page, 'john', 'password');
    await page.locator('#openid-consent-accept').waitFor();
    assert.equal(await textOf(page, '#openid-consent-client'), 'Hourly App');
    assert.equal(await page.locator('#openid-consent-remember').isChecked(), false);
    assert.equal(interactionPages(navigations).length, 2, 'sign-in and consent again');
    await screenshot(page, 'consent-asked-again');
    await page.locator('#openid-consent-accept').click();
    assert.equal(await textOf(page, '#rp-username'), 'john');
  });
});
