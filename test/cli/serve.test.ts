// `castellan serve` as an operator runs it: a configuration with errors never starts (exit 1, every
// error printed, nothing listening), and `npm start` — config.example.yml from the repository —
// serves discovery on 127.0.0.1:9091 where the demo client signs the demo user in with PKCE.
import assert from 'node:assert/strict';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { freePort } from '../helpers/castellan.ts';
import { killChild, spawnCastellan, waitForHealth, type ChildCastellan } from '../helpers/child.ts';
import { authorize } from '../helpers/flows.ts';

const EXAMPLE_ISSUER = 'http://127.0.0.1:9091';
const DEMO_REDIRECT = 'http://127.0.0.1:8080/callback';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

test('a configuration with errors: exit 1, every error printed, nothing listening', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'castellan-serve-'));
  try {
    const port = await freePort();
    const file = join(directory, 'configuration.yml');
    await writeFile(file, [
      'server:',
      `  address: 'tcp://127.0.0.1:${port}/'`,
      'identity_providers:',
      '  oidc:',
      '    clients:',
      "      - client_id: 'app'",
      "        redirect_uri: 'https://app.example.com/callback'",
      "        consent_mode: 'sometimes'",
      'authentication_backend:',
      '  file:',
      `    path: '${join(directory, 'users.yml')}'`,
      'session:',
      "  secret: 'a-session-secret-0123456789'",
      '  cookies:',
      "    - domain: '127.0.0.1'",
      `      authelia_url: 'http://127.0.0.1:${port}'`,
      'storage:',
      "  encryption_key: 'short'",
      '  local:',
      `    path: '${join(directory, 'db.sqlite3')}'`,
      '',
    ].join('\n'));
    const child = spawnCastellan(['serve', '--config', file]);
    const exit = await child.exited;
    // A configuration with errors never starts (Authelia: validation errors abort startup).
    assert.equal(exit.code, 1, child.output());
    const errors = child.output().split('\n').filter((line) => line.startsWith('error: '));
    // Every error, as validate-config prints them: FILE:LINE:COLUMN PATH: message.
    assert.ok(errors.some((line) => line.includes(`${file}:7:`) && line.includes('redirect_uri')), child.output());
    assert.ok(errors.some((line) => line.includes(`${file}:8:`) && line.includes('consent_mode')), child.output());
    assert.ok(errors.some((line) => line.includes('storage.encryption_key')), child.output());
    assert.match(child.output(), /did not start: the configuration has \d+ error\(s\)/);
    assert.equal(await listening(port), false);
    // Validation comes before anything is opened: no database was created.
    await assert.rejects(access(join(directory, 'db.sqlite3')));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('npm start: config.example.yml serves discovery on 127.0.0.1:9091 and the demo client signs john in with PKCE', async (t) => {
  if (!(await portIsFree(9091))) {
    t.skip('port 9091 is in use on this machine, so config.example.yml cannot listen there');
    return;
  }
  const directory = await mkdtemp(join(tmpdir(), 'castellan-example-'));
  let child: ChildCastellan | undefined;
  try {
    // `npm start` from the repository, with the database in a temp directory (env override).
    child = spawnCastellan(['serve', '--config', 'config.example.yml'], { env: { CASTELLAN_STORAGE_LOCAL_PATH: join(directory, 'db.sqlite3') } });
    await waitForHealth(EXAMPLE_ISSUER, child);
    const discovery = await fetch(`${EXAMPLE_ISSUER}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    assert.equal((await discovery.json() as { issuer: string }).issuer, EXAMPLE_ISSUER);

    const config = await client.discovery(new URL(EXAMPLE_ISSUER), 'demo', undefined, client.ClientSecretBasic('insecure_secret'), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: DEMO_REDIRECT, scope: 'openid profile email groups offline_access', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    // The demo user from examples/users_database.yml; the demo client has explicit consent.
    const flow = await authorize(new Browser(), url.href, { redirectURI: DEMO_REDIRECT, username: 'john', password: 'password' });
    assert.deepEqual(flow.pages, ['sign-in', 'consent']);
    assert.ok(flow.callback, `expected a redirect to the demo client, got ${flow.last.status}`);
    const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    assert.ok(tokens.refresh_token, 'the demo client has offline_access and refresh_token');
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(userinfo.preferred_username, 'john');
    assert.equal(userinfo.email, 'john.doe@example.com');
    // The demo client requires PKCE (require_pkce: true): without it the request is refused.
    const withoutPKCE = client.buildAuthorizationUrl(config, { redirect_uri: DEMO_REDIRECT, scope: 'openid', state: client.randomState() });
    const refused = await new Browser().get(withoutPKCE.href);
    assert.match(refused.location ?? '', /error=invalid_request/);
    child.process.kill('SIGTERM');
    assert.equal((await child.exited).code, 0, child.output());
  } finally {
    await killChild(child);
    await rm(directory, { recursive: true, force: true });
  }
});
