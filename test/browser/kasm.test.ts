// The Kasm Workspaces client of seed 000 (Authelia's integration guide), its block as written there but
// for the redirect URI, which points at the test relying party: a two_factor client that completes with
// password, TOTP enrolment and consent, and receives the claims Kasm maps (username, email, groups).
import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import { KASM_SECRET_DIGEST, startCastellan } from '../helpers/castellan.ts';
import { startRelyingParty } from '../helpers/relying-party.ts';
import { TOTPDevice } from '../helpers/totp.ts';
import { browserTest, launchBrowser, SKIP } from './harness.ts';
import { jsonOf, signIn, textOf } from './portal.ts';
import { enrolmentSecret, submitCode } from './second-factor.ts';

describe('the seed 000 Kasm client in Chromium', { skip: SKIP }, async () => {
  await launchBrowser();
  const rp = await startRelyingParty([{ clientID: 'kasm', secret: 'insecure_secret', scope: 'openid profile groups email' }]);
  after(() => rp.close());
  const castellan = await startCastellan({
    clients: [{
      client_id: 'kasm',
      client_name: 'Kasm Workspaces',
      client_secret: KASM_SECRET_DIGEST,
      public: false,
      authorization_policy: 'two_factor',
      redirect_uris: [rp.redirectURI],
      scopes: ['openid', 'profile', 'groups', 'email'],
      userinfo_signed_response_alg: 'none',
      token_endpoint_auth_method: 'client_secret_basic',
    }],
  });
  after(() => castellan.destroy());
  await rp.connect(castellan.issuer);

  browserTest('password, TOTP enrolment and consent: Kasm gets preferred_username, email and groups', 'kasm-signed-in', async (page) => {
    await page.goto(rp.loginURL('kasm'));
    assert.match(await textOf(page, '.subtitle'), /Kasm Workspaces/);
    await signIn(page, 'john', 'password');
    const device = new TOTPDevice(await enrolmentSecret(page));
    await submitCode(page, device.code());
    // No consent_mode and no pre_configured_consent_duration: Authelia's auto mode asks every time.
    await page.locator('#openid-consent-accept').waitFor();
    assert.equal(await textOf(page, '#openid-consent-client'), 'Kasm Workspaces');
    assert.equal(await page.locator('#openid-consent-remember').count(), 0);
    await page.locator('#openid-consent-accept').click();
    assert.equal(await textOf(page, '#rp-client'), 'kasm');
    // OpenID Connect Core §5.1 (preferred_username, email) and Authelia's groups claim, from userinfo.
    assert.equal(await textOf(page, '#rp-username'), 'john');
    assert.equal(await textOf(page, '#rp-email'), 'john.doe@example.com');
    assert.deepEqual(await jsonOf(page, '#rp-groups'), ['admins', 'dev']);
    assert.deepEqual(await jsonOf(page, '#rp-amr'), ['pwd', 'otp', 'mfa']);
  });
});
