// authentication_backend.refresh_interval with the LDAP backend, through Castellan's sessions: the
// directory changes under signed-in users (ldapmodify against a real OpenLDAP) and, once the last
// check is older than the interval, the next use of the session sees it. New groups and e-mail reach
// the claims; a user who no longer matches the users filter (out of all_kasm_app_users) or is
// deleted loses the session and cannot sign in again; tokens issued before stop working too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { discoverClient, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize, oauthError, type FlowResult } from '../helpers/flows.ts';
import { DIRECTORY, slapdSkipReason, startSlapd, type Slapd } from '../helpers/slapd.ts';
import { kasmLDAPBlock } from './ldap-helpers.ts';

const SKIP = slapdSkipReason();
const { users: U, groups: G } = DIRECTORY;
const REDIRECT = 'http://127.0.0.1:9/callback';
const SCOPE = 'openid profile groups email';

interface SignedIn {
  readonly flow: FlowResult;
  readonly claims: Record<string, unknown> | undefined;
  readonly accessToken: string | undefined;
}

describe('refresh_interval re-checks signed-in users against the directory', { skip: SKIP }, () => {
  let slapd: Slapd;
  let castellan: TestServer;
  let always: TestServer;
  let now = Date.now();

  before(async () => {
    slapd = await startSlapd();
    const clients = [testClient('app', REDIRECT, { scopes: ['openid', 'profile', 'groups', 'email'] })];
    castellan = await startCastellan({ clients, clock: () => now, extra: { authentication_backend: { refresh_interval: '1m', ldap: kasmLDAPBlock(slapd) } } });
    always = await startCastellan({ clients, extra: { authentication_backend: { refresh_interval: 'always', ldap: kasmLDAPBlock(slapd) } } });
  });

  after(async () => {
    await castellan?.destroy();
    await always?.destroy();
    await slapd?.stop();
  });

  /** An authorization in `browser` (signing in with `password` if the portal asks), and the ID token's claims. */
  async function authorizeIn(server: TestServer, browser: Browser, username: string, password: string): Promise<SignedIn> {
    const config = await discoverClient(server, 'app');
    const state = client.randomState();
    const flow = await authorize(browser, client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: SCOPE, state }).href, { redirectURI: REDIRECT, username, password });
    if (flow.callback === undefined) return { flow, claims: undefined, accessToken: undefined };
    const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state });
    return { flow, claims: tokens.claims() as Record<string, unknown>, accessToken: tokens.access_token };
  }

  async function userinfoError(server: TestServer, accessToken: string, sub: string): Promise<string | undefined> {
    const config = await discoverClient(server, 'app');
    try {
      await client.fetchUserInfo(config, accessToken, sub);
      return undefined;
    } catch (error) {
      return oauthError(error) ?? String(error);
    }
  }

  test('new groups and a new e-mail reach the claims once the last check is older than 1m', async () => {
    const browser = new Browser();
    const first = await authorizeIn(castellan, browser, 'test_user_2', U.test_user_2.password);
    assert.deepEqual(first.flow.pages, ['sign-in']);
    assert.deepEqual(first.claims?.['groups'], ['all_kasm_app_users']);
    await slapd.modify(`dn: ${G.kasm_group_1}\nchangetype: modify\nadd: member\nmember: ${U.test_user_2.dn}\n\ndn: ${U.test_user_2.dn}\nchangetype: modify\nreplace: mail\nmail: test_user_2@new.kasm.core\n`);

    now += 30_000;
    const within = await authorizeIn(castellan, browser, 'test_user_2', U.test_user_2.password);
    assert.deepEqual(within.flow.pages, [], 'the session is used, no sign-in');
    assert.deepEqual(within.claims?.['groups'], ['all_kasm_app_users'], 'checked 30s ago: not again yet');

    now += 40_000;
    const after = await authorizeIn(castellan, browser, 'test_user_2', U.test_user_2.password);
    assert.deepEqual(after.flow.pages, []);
    assert.deepEqual(after.claims?.['groups'], ['kasm_group_1', 'all_kasm_app_users']);
    assert.equal(after.claims?.['email'], 'test_user_2@new.kasm.core');
  });

  test('a user taken out of all_kasm_app_users (no longer matching the users filter) loses the session', async () => {
    const browser = new Browser();
    const first = await authorizeIn(castellan, browser, 'test_user_1', U.test_user_1.password);
    assert.deepEqual(first.claims?.['groups'], ['kasm_group_1', 'all_kasm_app_users']);
    await slapd.modify(`dn: ${G.kasm_group_1}\nchangetype: modify\ndelete: member\nmember: ${U.test_user_1.dn}\n`);

    now += 70_000;
    const again = await authorizeIn(castellan, browser, 'test_user_1', U.test_user_1.password);
    // The portal asks for the password again, and the directory no longer knows the user.
    assert.deepEqual(again.flow.pages, ['sign-in']);
    assert.equal(again.flow.last.status, 401);
    assert.equal(again.flow.callback, undefined);
    assert.equal(await userinfoError(castellan, first.accessToken!, String(first.claims!['sub'])), 'invalid_token');
    assert.match(castellan.logs.join('\n'), /LDAP lookup of 'test_user_1' failed \(USER_NOT_FOUND\)/);
  });

  test("'always': a user deleted from the directory is signed out on the next use of the session", async () => {
    const browser = new Browser();
    const first = await authorizeIn(always, browser, 'jdoe', U.jane.password);
    assert.deepEqual(first.claims?.['groups'], ['kasm_group_1', 'all_kasm_app_users']);
    assert.equal(first.claims?.['name'], 'Doe, Jane (ops)');
    assert.match((await browser.get(`${always.issuer}/`)).body, /Doe, Jane \(ops\)/);
    await slapd.modify(`dn: ${U.jane.dn}\nchangetype: delete\n`);
    assert.doesNotMatch((await browser.get(`${always.issuer}/`)).body, /Doe, Jane/);
    const again = await authorizeIn(always, browser, 'jdoe', U.jane.password);
    assert.deepEqual(again.flow.pages, ['sign-in']);
    assert.equal(again.flow.last.status, 401);
  });
});
