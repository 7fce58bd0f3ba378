// Growth scenario: fills a Castellan database with `count` realistic users' worth of stored state,
// written straight into the tables in one transaction: per user a subject identifier, a remembered
// consent, a successful sign-in in the authentication log, and in oidc_payloads a Grant, a Session
// and an AccessToken of that grant, shaped like the rows oidc-provider and the adapter write.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { CLIENTS, FLOW_SCOPE, LIFESPANS } from './fixtures.ts';

const INSERT_SUBJECT = `INSERT INTO user_opaque_identifier (service, sector_id, username, identifier) VALUES ('openid', '', ?, ?)`;
const INSERT_CONSENT = `INSERT INTO oauth2_consent_preconfiguration (client_id, subject, created_at, expires_at, revoked, scopes, audience)
  VALUES (?, ?, ?, ?, 0, ?, '[]')`;
const INSERT_LOG = `INSERT INTO authentication_logs (time, successful, banned, username, kind, remote_ip, request_uri, request_method)
  VALUES (?, 1, 0, ?, '1fa', ?, ?, 'POST')`;
const INSERT_PAYLOAD = `INSERT INTO oidc_payloads (model, id_hash, sealed_id, id_is_jti, payload, grant_id, user_code, uid, expires_at, consumed_at)
  VALUES (?, ?, NULL, 1, ?, ?, NULL, ?, ?, NULL)`;

/** Other clients' rows, so the remembered client's share is what a real installation would see. */
const CONSENT_CLIENTS = [CLIENTS.remembered, CLIENTS.app, 'grafana', 'nextcloud', 'gitea'];
const SCOPES_JSON = JSON.stringify([...FLOW_SCOPE.split(' ')].sort());

function id(): string {
  return randomBytes(32).toString('base64url').slice(0, 43);
}

function idHash(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Adds users `from`…`to - 1` (usernames `stored-<n>`); returns the seconds it took. */
export function prefill(path: string, from: number, to: number): number {
  const started = performance.now();
  const db = new Database(path, { timeout: 10_000 });
  const subject = db.prepare(INSERT_SUBJECT);
  const consent = db.prepare(INSERT_CONSENT);
  const log = db.prepare(INSERT_LOG);
  const payload = db.prepare(INSERT_PAYLOAD);
  const now = Math.floor(Date.now() / 1000);
  db.transaction(() => {
    for (let n = from; n < to; n++) {
      const username = `stored-${n}`;
      const accountId = randomUUID();
      const clientId = CONSENT_CLIENTS[n % CONSENT_CLIENTS.length]!;
      // Spread over the last hour, as a busy day would leave them.
      const iat = now - (n % 3600);
      subject.run(username, accountId);
      consent.run(clientId, accountId, iat, iat + 7 * 24 * 3600, SCOPES_JSON);
      log.run(iat, username, `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, '/interaction/login');
      const grantId = id();
      const sessionUid = id();
      const grant = { iat, exp: iat + LIFESPANS.grant, accountId, clientId, kind: 'Grant', openid: { scope: FLOW_SCOPE, claims: ['auth_time'] } };
      payload.run('Grant', idHash(grantId), JSON.stringify(grant), null, null, grant.exp);
      const session = { iat, exp: iat + 3600, kind: 'Session', uid: sessionUid, accountId, loginTs: iat, amr: ['pwd'], transient: true, authorizations: { [clientId]: { sid: id(), grantId } } };
      payload.run('Session', idHash(id()), JSON.stringify(session), null, sessionUid, session.exp);
      const token = { iat, exp: iat + LIFESPANS.accessToken, accountId, expiresWithSession: true, grantId, gty: 'authorization_code', sessionUid, kind: 'AccessToken', clientId, claims: { id_token: { auth_time: { essential: true } } }, scope: FLOW_SCOPE };
      payload.run('AccessToken', idHash(id()), JSON.stringify(token), grantId, null, token.exp);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return (performance.now() - started) / 1000;
}

export interface DatabaseSize {
  /** Main file plus write-ahead log, in bytes. */
  readonly bytes: number;
  readonly payloadRows: number;
  readonly consentRows: number;
}

export function databaseSize(path: string): DatabaseSize {
  const db = new Database(path, { readonly: true, timeout: 10_000 });
  const count = (table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const result = { payloadRows: count('oidc_payloads'), consentRows: count('oauth2_consent_preconfiguration') };
  db.close();
  return { bytes: fileSize(path) + fileSize(`${path}-wal`), ...result };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
