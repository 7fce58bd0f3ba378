// What both servers of the benchmark share: the signing keys (one RSA, one EC, same key ids), the
// users (one argon2id digest with Authelia's default parameters), the clients, secrets and
// lifespans. Castellan gets them as a configuration.yml; the baseline as a JSON file.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { stringify } from 'yaml';
import { generateDigest } from '../src/crypto/digest.ts';
import { KASM_SECRET_DIGEST } from '../test/helpers/castellan.ts';

export const PASSWORD = 'bench-password-0123';
export const SECRET = 'insecure_secret';
/** Never contacted: the load generator reads the code from the redirect's Location. */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const FLOW_SCOPE = 'openid profile email groups';
/** One user per virtual user (at most this many run at once). */
export const USERS = Array.from({ length: 64 }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);

export const CLIENTS = {
  /** Authorization code + PKCE, implicit consent, one_factor, plaintext secret (scenarios 3, 4, 6). */
  app: 'bench-app',
  /** The same with pre-configured (remembered) consent, so the consent table is read (scenario 7). */
  remembered: 'bench-remembered',
  /** client_credentials with `$plaintext$insecure_secret` (scenarios 2 and 5). */
  ccPlain: 'bench-cc-plain',
  /** client_credentials with the `$pbkdf2-sha512$310000$…` digest of insecure_secret (scenario 5). */
  ccHashed: 'bench-cc-hashed',
  /** client_credentials with RS256 / ES256 JWT access tokens (Castellan: access_token_signed_response_alg; baseline: resource indicators). */
  ccRS256: 'bench-cc-rs256',
  ccES256: 'bench-cc-es256',
} as const;

/** Authelia's default lifespans, given to both servers. */
export const LIFESPANS = { accessToken: 3600, authorizeCode: 60, idToken: 3600, refreshToken: 5400, grant: 14 * 24 * 3600, interaction: 3600 } as const;

export interface BenchKeys {
  readonly rsaPEM: string;
  readonly ecPEM: string;
  readonly jwks: JWK[];
}

export interface Fixtures {
  readonly keys: BenchKeys;
  /** `$argon2id$v=19$m=65536,t=3,p=4$…` of PASSWORD. */
  readonly userDigest: string;
}

function privateJWK(key: KeyObject, kid: string, alg: string): JWK {
  return { ...(key.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' };
}

export async function createFixtures(): Promise<Fixtures> {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const keys: BenchKeys = {
    rsaPEM: rsa.export({ format: 'pem', type: 'pkcs8' }).toString(),
    ecPEM: ec.export({ format: 'pem', type: 'pkcs8' }).toString(),
    jwks: [privateJWK(rsa, 'bench-rs256', 'RS256'), privateJWK(ec, 'bench-es256', 'ES256')],
  };
  // Authelia's defaults (argon2id, m=65536, t=3, p=4): what a real users file holds.
  return { keys, userDigest: await generateDigest({ algorithm: 'argon2' }, PASSWORD) };
}

function flowClient(clientID: string, consentMode: string): Record<string, unknown> {
  return {
    client_id: clientID,
    client_secret: `$plaintext$${SECRET}`,
    authorization_policy: 'one_factor',
    consent_mode: consentMode,
    redirect_uris: [REDIRECT_URI],
    scopes: FLOW_SCOPE.split(' '),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    require_pkce: true,
    pkce_challenge_method: 'S256',
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

function serviceClient(clientID: string, secret: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { client_id: clientID, client_secret: secret, authorization_policy: 'one_factor', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', ...extra };
}

/** Writes users.yml and configuration.yml for Castellan listening on `port`; returns the configuration path. */
export async function writeCastellanConfig(directory: string, port: number, fixtures: Fixtures): Promise<string> {
  const issuer = `http://127.0.0.1:${port}`;
  const users = Object.fromEntries(USERS.map((name) => [name, { displayname: `Bench ${name}`, password: fixtures.userDigest, email: `${name}@example.com`, groups: ['bench'] }]));
  await writeFile(join(directory, 'users.yml'), stringify({ users }));
  const config = {
    server: { address: `tcp://127.0.0.1:${port}/` },
    log: { level: 'info', format: 'json' },
    identity_providers: {
      oidc: {
        hmac_secret: 'a-bench-hmac-secret-that-is-long-enough-0123456789abcdef',
        jwks: [
          { key_id: 'bench-rs256', algorithm: 'RS256', key: fixtures.keys.rsaPEM },
          { key_id: 'bench-es256', algorithm: 'ES256', key: fixtures.keys.ecPEM },
        ],
        lifespans: { access_token: `${LIFESPANS.accessToken}s`, authorize_code: `${LIFESPANS.authorizeCode}s`, id_token: `${LIFESPANS.idToken}s`, refresh_token: `${LIFESPANS.refreshToken}s` },
        clients: [
          flowClient(CLIENTS.app, 'implicit'),
          flowClient(CLIENTS.remembered, 'pre-configured'),
          serviceClient(CLIENTS.ccPlain, `$plaintext$${SECRET}`),
          serviceClient(CLIENTS.ccHashed, KASM_SECRET_DIGEST),
          serviceClient(CLIENTS.ccRS256, `$plaintext$${SECRET}`, { access_token_signed_response_alg: 'RS256' }),
          serviceClient(CLIENTS.ccES256, `$plaintext$${SECRET}`, { access_token_signed_response_alg: 'ES256' }),
        ],
      },
    },
    authentication_backend: { file: { path: join(directory, 'users.yml'), watch: false } },
    session: { secret: 'a-bench-session-secret-0123456789', cookies: [{ domain: '127.0.0.1', authelia_url: issuer }] },
    storage: { encryption_key: 'a-bench-encryption-key-0123456789', local: { path: join(directory, 'db.sqlite3') } },
  };
  const file = join(directory, 'configuration.yml');
  await writeFile(file, stringify(config));
  return file;
}

/** What the baseline child reads (bench/baseline-server.ts). */
export interface BaselineOptions {
  readonly port: number;
  readonly jwks: JWK[];
  readonly userDigest: string;
  /** Enables resource indicators so the JWT clients get RS256/ES256 JWT access tokens. */
  readonly jwtAccessTokens: boolean;
}

export async function writeBaselineOptions(directory: string, name: string, options: BaselineOptions): Promise<string> {
  const file = join(directory, `${name}.json`);
  await writeFile(file, JSON.stringify(options));
  return file;
}
