// OpenID Connect Back-Channel Logout 1.0: when a signed-in user logs out through RP-initiated logout,
// Castellan POSTs a logout token to the backchannel_logout_uri of each client signed in with that
// session (and no other). A small HTTP server on 127.0.0.1 plays the clients' logout endpoints; the
// tokens are verified with jose against Castellan's /jwks.json.
//
// oidc-provider (9.13) refuses outgoing requests to special-use addresses (loopback, RFC 1918, …) as
// SSRF protection; Castellan lets exactly the configured backchannel_logout_uri values through, since
// self-hosted clients live there — so this receiver on 127.0.0.1 gets its tokens.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { Browser, formAction, inputValue } from '../helpers/browser.ts';
import { discoverClient, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const POST_LOGOUT = 'http://127.0.0.1:7777/signed-out';
const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface Delivery {
  readonly path: string;
  readonly contentType: string;
  readonly body: URLSearchParams;
}

let castellan: TestServer;
let receiver: Server;
let receiverURL: string;
const deliveries: Delivery[] = [];
const failures: Error[] = [];
before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
      // Back-Channel Logout §2.8: the RP answers 200 OK (or 204) after logging the user out.
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverURL = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const withLogout = (id: string): Record<string, unknown> => testClient(id, REDIRECT, { post_logout_redirect_uris: [POST_LOGOUT], backchannel_logout_uri: `${receiverURL}/${id}/backchannel-logout` });
  castellan = await startCastellan({ clients: [withLogout('app'), withLogout('wiki'), withLogout('idle')] });
  castellan.server.built.provider.on('backchannel.error', (_ctx: unknown, error: Error) => failures.push(error));
});
after(async () => {
  await castellan.destroy();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

/** Confirms RP-initiated logout (with "sign out of everything") for the session that signed in to `app`. */
async function logOut(browser: Browser, app: { config: client.Configuration; idToken: string }): Promise<void> {
  const confirm = await browser.get(client.buildEndSessionUrl(app.config, { id_token_hint: app.idToken, post_logout_redirect_uri: POST_LOGOUT }).href);
  const action = formAction(confirm.body, 'logout-button');
  assert.ok(action);
  const done = await browser.post(new URL(action, confirm.url).href, { xsrf: inputValue(confirm.body, 'xsrf') ?? '', logout: 'yes' });
  // RP-Initiated Logout §3: back to the registered post_logout_redirect_uri; oidc-provider has sent the tokens by then.
  assert.equal(done.status, 303);
  assert.ok(done.location?.startsWith(POST_LOGOUT));
}

async function signIn(browser: Browser, clientID: string): Promise<{ config: client.Configuration; idToken: string; sub: string }> {
  const config = await discoverClient(castellan, clientID);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const flow = await authorize(browser, client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state, nonce }).href, { redirectURI: REDIRECT });
  assert.ok(flow.callback, `${clientID}: back at the client`);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state, expectedNonce: nonce });
  return { config, idToken: tokens.id_token!, sub: tokens.claims()!.sub };
}

test('RP-initiated logout sends a verifiable logout token to every client signed in with the session, and only to them', async () => {
  const browser = new Browser();
  const app = await signIn(browser, 'app');
  const wiki = await signIn(browser, 'wiki');
  deliveries.length = 0;
  await logOut(browser, app);

  // §2.5: only the RPs the session was used with; 'idle' has a backchannel_logout_uri but no grant here.
  assert.deepEqual(deliveries.map((d) => d.path).sort(), ['/app/backchannel-logout', '/wiki/backchannel-logout']);
  const jwks = createRemoteJWKSet(new URL(`${castellan.issuer}/jwks.json`));
  for (const [clientID, signedIn] of [['app', app], ['wiki', wiki]] as const) {
    const delivery = deliveries.find((d) => d.path === `/${clientID}/backchannel-logout`)!;
    // §2.5: POSTed as application/x-www-form-urlencoded with a single logout_token parameter.
    assert.match(delivery.contentType, /^application\/x-www-form-urlencoded/);
    assert.deepEqual([...delivery.body.keys()], ['logout_token']);
    // §2.6 steps 3-5: signed by the OP (its JWKS), iss is the issuer, aud the client_id.
    const { payload, protectedHeader } = await jwtVerify(delivery.body.get('logout_token')!, jwks, { issuer: castellan.issuer, audience: clientID });
    // §2.4: typ logout+jwt is recommended; the events claim names the back-channel logout event with an empty object.
    assert.equal(protectedHeader.typ, 'logout+jwt');
    assert.deepEqual(payload['events'], { [LOGOUT_EVENT]: {} });
    // §2.4: sub (as the client knows it) identifies the user; jti and iat are present; nonce is prohibited.
    assert.equal(payload.sub, signedIn.sub);
    assert.equal(typeof payload.jti, 'string');
    assert.equal(typeof payload.iat, 'number');
    assert.equal('nonce' in payload, false);
  }
});

test('a logout without a signed-in session sends nothing', async () => {
  deliveries.length = 0;
  const config = await discoverClient(castellan, 'app');
  const browser = new Browser();
  // Without a session oidc-provider asks nothing: its page posts the confirmation by itself.
  const page = await browser.get(client.buildEndSessionUrl(config, { post_logout_redirect_uri: POST_LOGOUT }).href);
  const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(action);
  const done = await browser.post(new URL(action, page.url).href, { xsrf: inputValue(page.body, 'xsrf') ?? '', logout: 'yes' });
  assert.equal(done.status, 303);
  assert.deepEqual(deliveries, []);
});
