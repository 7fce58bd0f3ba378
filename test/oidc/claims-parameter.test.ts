// The `claims` request parameter (OIDC Core §5.5) may pick claims within the consented scopes but
// never widen them: a client limited to `openid` must not get email, groups or name by asking.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { discoverClient, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const CLAIMS = JSON.stringify({ id_token: { email: null, groups: null, name: null }, userinfo: { email: null, groups: null } });
let castellan: TestServer;

before(async () => {
  castellan = await startCastellan({
    clients: [
      testClient('narrow-implicit', REDIRECT, { scopes: ['openid'], consent_mode: 'implicit' }),
      testClient('narrow-explicit', REDIRECT, { scopes: ['openid'], consent_mode: 'explicit' }),
      testClient('wide', REDIRECT, { scopes: ['openid', 'email'], consent_mode: 'implicit' }),
    ],
  });
});
after(async () => castellan.destroy());

async function claimsFor(id: string, scope: string): Promise<{ idToken: Record<string, unknown>; userinfo: Record<string, unknown>; pages: string[] }> {
  const config = await discoverClient(castellan, id);
  const state = client.randomState();
  const flow = await authorize(new Browser(), client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, state, claims: CLAIMS }).href, { redirectURI: REDIRECT });
  assert.ok(flow.callback, `the flow completes (${flow.last.status})`);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state });
  const idToken = tokens.claims() as Record<string, unknown>;
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, String(idToken['sub']));
  return { idToken, userinfo: userinfo as Record<string, unknown>, pages: flow.pages };
}

for (const id of ['narrow-implicit', 'narrow-explicit']) {
  test(`${id}: claims outside the granted scopes are not released, in the ID token or userinfo`, async () => {
    const { idToken, userinfo } = await claimsFor(id, 'openid');
    for (const claim of ['email', 'groups', 'name']) {
      assert.equal(idToken[claim], undefined, `ID token ${claim}`);
      assert.equal(userinfo[claim], undefined, `userinfo ${claim}`);
    }
  });
}

test('claims within a granted scope are released when asked for', async () => {
  const { idToken, userinfo } = await claimsFor('wide', 'openid email');
  assert.equal(idToken['email'], 'john.doe@example.com');
  assert.equal(userinfo['email'], 'john.doe@example.com');
  assert.equal(idToken['groups'], undefined, 'groups is not in a granted scope');
});
