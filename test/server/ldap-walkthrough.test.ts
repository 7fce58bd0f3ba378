// Seed 002's "Verifying Configurations" walk-through through Castellan's portal and OpenID Connect:
// Castellan signs people in against a real OpenLDAP (authentication_backend.ldap, Authelia's keys)
// whose users filter requires nested membership of all_kasm_app_users (Kasm's AD in-chain filter,
// emulated on OpenLDAP), and the Workspaces demo app signs in through Castellan, mapping the groups
// claim with its SSO group mappings. test_user_1 and test_user_2 sign in, test_user_3 is refused at
// the portal with the generic message; test_user_1 lands in "LDAP Group 1" and All Users,
// test_user_2 only in All Users. The ID token's claims come from the directory.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { discoverClient, freePort, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';
import { DIRECTORY, slapdSkipReason, startSlapd, type Slapd } from '../helpers/slapd.ts';
import { kasmLDAPBlock } from './ldap-helpers.ts';
import { startTestWorkspaces, type TestWorkspaces } from '../workspaces/helpers.ts';

const SKIP = slapdSkipReason();
const { users: U } = DIRECTORY;
const SCOPES = ['openid', 'profile', 'groups', 'email'];

describe('seed 002 walk-through: the Workspaces demo app signs in through Castellan with LDAP', { skip: SKIP }, () => {
  let slapd: Slapd;
  let castellan: TestServer;
  let app: TestWorkspaces;
  let appURL: string;

  before(async () => {
    slapd = await startSlapd();
    const appPort = await freePort();
    appURL = `http://127.0.0.1:${appPort}`;
    castellan = await startCastellan({
      clients: [testClient('kasm', `${appURL}/api/oidc_callback`, { scopes: SCOPES }), testClient('claims', 'http://127.0.0.1:9/callback', { scopes: SCOPES })],
      extra: { authentication_backend: { ldap: kasmLDAPBlock(slapd) } },
    });
    app = await startTestWorkspaces(appPort, {
      oidc: [{
        id: 'castellan', display_name: 'Continue with Castellan', client_id: 'kasm', client_secret: 'insecure_secret', issuer: castellan.issuer,
        scopes: SCOPES, username_attribute: 'preferred_username', groups_attribute: 'groups', redirect_url: `${appURL}/api/oidc_callback`,
        attribute_mappings: { email: 'email' }, auto_user_provision: true,
      }],
      groups: [
        // The groups claim carries the directory's group names (attributes.group_name: cn).
        { name: 'LDAP Group 1', priority: 10, sso_mappings: [{ provider: 'castellan', group_attribute: 'kasm_group_1' }] },
        { name: 'All Users', settings: { max_sessions: 5 } },
      ],
    });
  });

  after(async () => {
    await app?.destroy();
    await castellan?.destroy();
    await slapd?.stop();
  });

  /** Clicks "Continue with Castellan" and signs in on Castellan's portal. */
  async function signIn(username: string, password: string): Promise<{ browser: Browser; callback: string | undefined; body: string; status: number }> {
    const browser = new Browser();
    const start = await browser.get(`${app.url}/api/sso_login?id=castellan`);
    assert.equal(start.status, 302, start.body);
    const flow = await authorize(browser, start.location!, { redirectURI: `${appURL}/api/oidc_callback`, username, password });
    return { browser, callback: flow.callback, body: flow.last.body, status: flow.last.status };
  }

  /** The text of the portal's #error-message alert. */
  function errorMessage(body: string): string | undefined {
    return /id="error-message"[^>]*>.*?<span>([^<]*)<\/span>/s.exec(body)?.[1];
  }

  async function profileAfterSignIn(username: string, password: string): Promise<string> {
    const { browser, callback } = await signIn(username, password);
    assert.ok(callback, `${username} gets back to the app`);
    const landed = await browser.follow(await browser.get(callback), () => false);
    assert.equal(landed.status, 200, landed.body);
    assert.match(landed.url, /\/profile$/);
    return landed.body;
  }

  test('test_user_1 (member of kasm_group_1, nested in all_kasm_app_users) lands in LDAP Group 1 and All Users', async () => {
    const profile = await profileAfterSignIn('test_user_1', U.test_user_1.password);
    assert.match(profile, /id="profile-username">test_user_1</);
    assert.match(profile, /id="profile-email">test_user_1@kasm.core</);
    assert.match(profile, /<li data-priority="10">LDAP Group 1<\/li>/);
    assert.match(profile, />All Users<\/li>/);
    assert.deepEqual(app.snapshot().users['test_user_1'], { realm: 'oidc', provider: 'castellan', groups: ['All Users', 'LDAP Group 1'] });
  });

  test('test_user_2 (direct member of all_kasm_app_users) lands in All Users only', async () => {
    const profile = await profileAfterSignIn('test_user_2', U.test_user_2.password);
    assert.match(profile, /id="profile-username">test_user_2</);
    assert.doesNotMatch(profile, /LDAP Group 1/);
    assert.deepEqual(app.snapshot().users['test_user_2']?.groups, ['All Users']);
  });

  test('test_user_3 (in neither group) is refused at the portal with the generic message, like a wrong password', async () => {
    const refused = await signIn('test_user_3', U.test_user_3.password);
    assert.equal(refused.callback, undefined);
    assert.equal(refused.status, 401);
    assert.equal(errorMessage(refused.body), 'Incorrect username or password.');
    const wrong = await signIn('test_user_1', 'not-the-password');
    assert.equal(wrong.status, 401);
    assert.equal(errorMessage(wrong.body), errorMessage(refused.body));
    assert.equal(app.snapshot().users['test_user_3'], undefined);
    // The administrator reads why in Castellan's log; the password never appears there.
    const logs = castellan.logs.join('\n');
    assert.match(logs, /LDAP sign-in of 'test_user_3' failed \(USER_NOT_FOUND\): unable to locate user 'test_user_3'/);
    assert.match(logs, /LDAP sign-in of 'test_user_1' failed \(INVALID_USER_CREDENTIALS\)/);
    assert.doesNotMatch(logs, new RegExp(U.test_user_3.password));
    assert.doesNotMatch(logs, /not-the-password/);
  });

  test('the claims preferred_username, name, email and groups come from the directory', async () => {
    const config = await discoverClient(castellan, 'claims');
    const state = client.randomState();
    const flow = await authorize(new Browser(), client.buildAuthorizationUrl(config, { redirect_uri: 'http://127.0.0.1:9/callback', scope: SCOPES.join(' '), state }).href, { redirectURI: 'http://127.0.0.1:9/callback', username: 'test_user_1', password: U.test_user_1.password });
    assert.ok(flow.callback);
    const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state });
    const claims = tokens.claims()!;
    assert.equal(claims['preferred_username'], 'test_user_1');
    assert.equal(claims['name'], 'test_user_1');
    assert.equal(claims['email'], 'test_user_1@kasm.core');
    assert.deepEqual(claims['groups'], ['kasm_group_1', 'all_kasm_app_users']);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.deepEqual(userinfo['groups'], ['kasm_group_1', 'all_kasm_app_users']);
  });

  test('Castellan logged at start that the directory is reachable and that IN_CHAIN is emulated', () => {
    assert.match(castellan.logs.join('\n'), /LDAP directory ldap:\/\/127\.0\.0\.1:\d+ is reachable and the service bind succeeded; LDAP_MATCHING_RULE_IN_CHAIN is not supported by the server/);
  });
});
