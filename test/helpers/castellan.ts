// Starts a real Castellan server for a test: configuration and users written to a temp directory,
// loaded through the real configuration pipeline, served on a free 127.0.0.1 port.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as client from 'openid-client';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/index.ts';
import { generateDigest } from '../../src/crypto/digest.ts';
import { createLogger } from '../../src/logging.ts';
import { startServer, type RunningServer } from '../../src/server.ts';

export const KASM_SECRET_DIGEST = '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';

export interface TestUser {
  readonly password: string;
  readonly displayname: string;
  readonly email?: string;
  readonly groups?: string[];
  readonly disabled?: boolean;
}

export interface TestServerOptions {
  readonly clients: Record<string, unknown>[];
  readonly users?: Record<string, TestUser>;
  /** Merged into identity_providers.oidc. */
  readonly oidc?: Record<string, unknown>;
  /** Merged into the top level. */
  readonly extra?: Record<string, unknown>;
  /** Merged into `session` (the cookie for the test issuer stays). */
  readonly session?: Record<string, unknown>;
  /** Reuse a directory (and its database) from an earlier server. */
  readonly directory?: string;
  readonly port?: number;
  /** Milliseconds since the epoch for storage (consent and token expiry); defaults to Date.now. */
  readonly clock?: () => number;
}

export interface TestServer {
  readonly issuer: string;
  readonly port: number;
  readonly directory: string;
  readonly server: RunningServer;
  readonly logs: string[];
  close(): Promise<void>;
  /** Stops, and removes the directory. */
  destroy(): Promise<void>;
}

export const DEFAULT_USERS: Record<string, TestUser> = {
  john: { password: 'password', displayname: 'John Doe', email: 'john.doe@example.com', groups: ['admins', 'dev'] },
  harry: { password: 'hunter2', displayname: 'Harry Potter', email: 'harry.potter@example.com', groups: [] },
};

/**
 * A confidential client block: the insecure_secret digest (client_secret_basic), one_factor,
 * implicit consent, one redirect URI; `extra` overrides or adds any key.
 */
export function testClient(clientID: string, redirectURI: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { client_id: clientID, client_secret: KASM_SECRET_DIGEST, authorization_policy: 'one_factor', consent_mode: 'implicit', redirect_uris: [redirectURI], ...extra };
}

/** openid-client's view of a test client that authenticates with insecure_secret (client_secret_basic). */
export async function discoverClient(castellan: TestServer, clientID: string, metadata?: Partial<client.ClientMetadata>): Promise<client.Configuration> {
  return client.discovery(new URL(castellan.issuer), clientID, metadata, client.ClientSecretBasic('insecure_secret'), { execute: [client.allowInsecureRequests] });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface TestFiles {
  readonly directory: string;
  readonly port: number;
  readonly issuer: string;
  /** The configuration.yml written, for loadConfig or `castellan serve --config`. */
  readonly configFile: string;
}

/** Writes the users file and configuration.yml for a test server without starting it. */
export async function writeCastellanFiles(options: Omit<TestServerOptions, 'clock'>): Promise<TestFiles> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'castellan-test-')));
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const users: Record<string, unknown> = {};
  for (const [name, user] of Object.entries(options.users ?? DEFAULT_USERS)) {
    // Cheap argon2id parameters keep tests fast; production defaults are tested in the crypto suite.
    const password = await generateDigest({ algorithm: 'argon2', memory: 1024, iterations: 1, parallelism: 1 }, user.password);
    users[name] = { displayname: user.displayname, password, email: user.email, groups: user.groups ?? [], disabled: user.disabled ?? false };
  }
  await writeFile(join(directory, 'users.yml'), stringify({ users }));
  const config = {
    server: { address: `tcp://127.0.0.1:${port}/` },
    log: { level: 'debug', format: 'json' },
    identity_providers: { oidc: { hmac_secret: 'a-test-hmac-secret-that-is-long-enough-0123456789', ...options.oidc, clients: options.clients } },
    authentication_backend: { file: { path: join(directory, 'users.yml') } },
    session: { secret: 'a-test-session-secret-0123456789', ...options.session, cookies: [{ domain: '127.0.0.1', authelia_url: issuer }] },
    storage: { encryption_key: 'a-test-encryption-key-0123456789', local: { path: join(directory, 'db.sqlite3') } },
    ...options.extra,
  };
  const configFile = join(directory, 'configuration.yml');
  await writeFile(configFile, stringify(config));
  return { directory, port, issuer, configFile };
}

export async function startCastellan(options: TestServerOptions): Promise<TestServer> {
  const { directory, port, issuer, configFile } = await writeCastellanFiles(options);
  const loaded = await loadConfig({ files: [configFile], env: {} });
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { logs.push(...chunk.toString().split('\n').filter((l) => l !== '')); done(); } });
  // No timing pad in tests: it would add a second to every sign-in (tested in test/identity/timing.test.ts).
  const server = await startServer(loaded.config, createLogger(loaded.config.log, sink), { clock: options.clock, timing: { seedMs: 0, minimumMs: 0, jitterMs: 0 } });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await server.close();
  };
  return { issuer, port, directory, server, logs, close, destroy: async () => { await close(); await rm(directory, { recursive: true, force: true }); } };
}
