// Durability of `castellan serve` as a real child process: what was issued or remembered before a
// SIGKILL (tokens, refresh tokens, remembered consent, the generated signing key, an authorization
// code in flight) is still valid after a restart on the same database, the database passes
// integrity_check, and SIGTERM stops gracefully (in-flight request answered, exit code 0).
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import * as client from 'openid-client';
import { generateDigest } from '../../src/crypto/digest.ts';
import { Browser } from '../helpers/browser.ts';
import { writeCastellanFiles, type TestFiles } from '../helpers/castellan.ts';
import { killChild, spawnCastellan, waitForHealth, type ChildCastellan } from '../helpers/child.ts';
import { authorize } from '../helpers/flows.ts';

const REDIRECT = 'http://127.0.0.1:7782/callback';
const SECRET = 'insecure_secret';
let files: TestFiles;
let child: ChildCastellan | undefined;
/** A refresh token still valid at the end of the first test, for the SIGTERM test. */
let liveRefreshToken: string | undefined;

function serve(): ChildCastellan {
  return spawnCastellan(['serve', '--config', files.configFile]);
}

function integrity(): string {
  const db = new Database(join(files.directory, 'db.sqlite3'));
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

before(async () => {
  const digest = await generateDigest({ algorithm: 'argon2', memory: 1024, iterations: 1, parallelism: 1 }, SECRET);
  files = await writeCastellanFiles({
    extra: { log: { level: 'info', format: 'json' } },
    clients: [{
      client_id: 'app',
      client_secret: digest,
      authorization_policy: 'one_factor',
      consent_mode: 'pre-configured',
      redirect_uris: [REDIRECT],
      scopes: ['openid', 'profile', 'offline_access'],
      grant_types: ['authorization_code', 'refresh_token'],
    }],
  });
  child = serve();
  await waitForHealth(files.issuer, child);
});

after(async () => {
  await killChild(child);
  await rm(files.directory, { recursive: true, force: true });
});

async function discover(): Promise<client.Configuration> {
  return client.discovery(new URL(files.issuer), 'app', undefined, client.ClientSecretBasic(SECRET), { execute: [client.allowInsecureRequests] });
}

async function signIn(scope: string, rememberConsent = false) {
  const config = await discover();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, state });
  const flow = await authorize(new Browser(), url.href, { redirectURI: REDIRECT, rememberConsent });
  assert.ok(flow.callback, `expected a redirect to the client, got ${flow.last.status}`);
  return { config, state, pages: flow.pages, callback: new URL(flow.callback) };
}

async function keyIDs(): Promise<string[]> {
  const jwks = await (await fetch(`${files.issuer}/jwks.json`)).json() as { keys: { kid: string }[] };
  return jwks.keys.map((k) => k.kid).sort();
}

test('tokens, remembered consent and the signing key survive a SIGKILL in the middle of a flow', async () => {
  const offline = await signIn('openid profile offline_access');
  const tokens = await client.authorizationCodeGrant(offline.config, offline.callback, { expectedState: offline.state });
  const sub = tokens.claims()!.sub;
  assert.ok(tokens.refresh_token);
  // Authelia pre-configured consent: remembered for exactly these scopes ...
  assert.deepEqual((await signIn('openid profile', true)).pages, ['sign-in', 'consent']);
  // ... and applied from then on (the control: it would apply without a restart too).
  assert.deepEqual((await signIn('openid profile')).pages, ['sign-in']);
  const keysBefore = await keyIDs();

  // Another flow is halfway: the browser is back at the client with a code, not yet exchanged.
  const halfway = await signIn('openid profile');
  child!.process.kill('SIGKILL');
  assert.equal((await child!.exited).signal, 'SIGKILL');
  // SQLite with WAL: a crash at any point leaves a consistent database.
  assert.equal(integrity(), 'ok');

  child = serve();
  await waitForHealth(files.issuer, child);
  const config = await discover();
  // RFC 6750: an access token issued before the restart is still accepted at userinfo.
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, sub);
  assert.equal(userinfo.preferred_username, 'john');
  // RFC 6749 §6: the refresh token still refreshes (and rotates).
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
  assert.ok(refreshed.access_token);
  liveRefreshToken = refreshed.refresh_token;
  // The remembered consent is still there: sign-in only, no consent page.
  assert.deepEqual((await signIn('openid profile')).pages, ['sign-in']);
  // The code issued just before the crash can still be redeemed once (RFC 6749 §4.1.2: within its lifetime).
  const late = await client.authorizationCodeGrant(config, halfway.callback, { expectedState: halfway.state });
  assert.equal(late.claims()!.sub, sub);
  // The generated signing key is the same, so ID tokens issued before still verify (OIDC Core §10.1).
  assert.deepEqual(await keyIDs(), keysBefore);
});

/** Sends a token request's headers and half its body; `finish` sends the rest and resolves with the response. */
function slowTokenRequest(body: string): { finish(): Promise<{ status: number; body: string }> } {
  const url = new URL(`${files.issuer}/api/oidc/token`);
  const half = Math.floor(body.length / 2);
  let resolveResponse: (value: { status: number; body: string }) => void;
  let rejectResponse: (error: Error) => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    resolveResponse = resolve;
    rejectResponse = reject;
  });
  const req = httpRequest({
    host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      authorization: `Basic ${Buffer.from(`app:${SECRET}`).toString('base64')}`,
    },
  }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
  });
  req.on('error', (error) => rejectResponse(error));
  req.write(body.slice(0, half));
  return {
    finish(): Promise<{ status: number; body: string }> {
      req.end(body.slice(half));
      return response;
    },
  };
}

test('SIGTERM stops gracefully: no new connections, the in-flight request is answered, exit code 0', async () => {
  assert.ok(liveRefreshToken, 'the first test left a refresh token');
  const inFlight = slowTokenRequest(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: liveRefreshToken }).toString());
  await sleep(200);
  child!.process.kill('SIGTERM');
  await child!.waitForOutput('"msg":"stopping"');
  // The listener is closed at once: new connections are refused.
  await assert.rejects(fetch(`${files.issuer}/api/health`));
  // The request that had started is still served to the end.
  const response = await inFlight.finish();
  assert.equal(response.status, 200, response.body);
  assert.ok((JSON.parse(response.body) as { access_token?: string }).access_token);
  const exit = await child!.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, child!.output());
  assert.match(child!.output(), /"msg":"stopped"/);
  assert.equal(integrity(), 'ok');
});
