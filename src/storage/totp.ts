// TOTP configurations (one per user, the secret sealed under the storage key) and the history of
// accepted time steps. Guarantees: a secret never reaches the database in the clear; markTOTPStepUsed
// answers true exactly once per (username, step), also across connections and processes.
import type { Storage } from './database.ts';
import { StorageError } from './errors.ts';
import { decrypt, encrypt } from './secrets.ts';

export type TOTPAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

const COLUMNS = `username, issuer, algorithm, digits, period, secret, created_at, last_used_at`;
const UPSERT = `INSERT INTO totp_configurations (${COLUMNS})
  VALUES (@username, @issuer, @algorithm, @digits, @period, @secret, @created_at, NULL)
  ON CONFLICT (username) DO UPDATE SET issuer = excluded.issuer, algorithm = excluded.algorithm,
    digits = excluded.digits, period = excluded.period, secret = excluded.secret,
    created_at = excluded.created_at, last_used_at = NULL`;
const INSERT = `INSERT OR IGNORE INTO totp_configurations (${COLUMNS})
  VALUES (@username, @issuer, @algorithm, @digits, @period, @secret, @created_at, NULL)`;
const SELECT_ONE = `SELECT ${COLUMNS} FROM totp_configurations WHERE username = ?`;
const SELECT_ALL = `SELECT ${COLUMNS} FROM totp_configurations ORDER BY username`;
const DELETE_CONFIGURATION = `DELETE FROM totp_configurations WHERE username = ?`;
const DELETE_HISTORY = `DELETE FROM totp_history WHERE username = ?`;
const MARK_USED = `UPDATE totp_configurations SET last_used_at = ? WHERE username = ?`;
const INSERT_STEP = `INSERT OR IGNORE INTO totp_history (username, step, used_at) VALUES (?, ?, ?)`;
const PRUNE_STEPS = `DELETE FROM totp_history WHERE username = ? AND step < ?`;

/** Steps kept behind the newest one used when markTOTPStepUsed is not told otherwise. */
export const DEFAULT_RETAINED_STEPS = 8;

export interface TOTPSecretParameters {
  issuer: string;
  algorithm: TOTPAlgorithm;
  digits: 6 | 8;
  /** Seconds. */
  period: number;
  /** Base32 (RFC 4648), upper-case, without padding. */
  secret: string;
}

export interface TOTPConfiguration extends TOTPSecretParameters {
  username: string;
  /** Seconds since the epoch. */
  createdAt: number;
  /** Seconds since the epoch; null until a code was accepted. */
  lastUsedAt: number | null;
}

interface TOTPRow {
  username: string;
  issuer: string;
  algorithm: TOTPAlgorithm;
  digits: 6 | 8;
  period: number;
  secret: Buffer;
  created_at: number;
  last_used_at: number | null;
}

function configurationOf(storage: Storage, row: TOTPRow): TOTPConfiguration {
  return {
    username: row.username,
    issuer: row.issuer,
    algorithm: row.algorithm,
    digits: row.digits,
    period: row.period,
    secret: decrypt(storage, row.secret).toString('utf8'),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

/**
 * Stores the user's TOTP configuration, sealing the secret. `replace: false` (the default) keeps an
 * existing one and returns false; `replace: true` overwrites it (and forgets its used steps).
 */
export function saveTOTP(storage: Storage, username: string, parameters: TOTPSecretParameters, options: { replace?: boolean } = {}): boolean {
  if (username === '') throw new StorageError('INVALID_INPUT', 'a TOTP configuration needs a username');
  const row = { username, ...parameters, secret: encrypt(storage, parameters.secret), created_at: storage.now() };
  return storage.db.transaction(() => {
    if (!options.replace) return storage.statement(INSERT).run(row).changes === 1;
    storage.statement(DELETE_HISTORY).run(username);
    storage.statement(UPSERT).run(row);
    return true;
  }).immediate();
}

/** The user's TOTP configuration with its secret decrypted, if any. */
export function findTOTP(storage: Storage, username: string): TOTPConfiguration | undefined {
  const row = storage.statement(SELECT_ONE).get(username) as TOTPRow | undefined;
  return row && configurationOf(storage, row);
}

/** Removes the user's TOTP configuration and history; false when there was none. */
export function deleteTOTP(storage: Storage, username: string): boolean {
  return storage.db.transaction(() => {
    storage.statement(DELETE_HISTORY).run(username);
    return storage.statement(DELETE_CONFIGURATION).run(username).changes === 1;
  }).immediate();
}

/** Every TOTP configuration with its secret decrypted, by username: for export and backup. */
export function listTOTP(storage: Storage): TOTPConfiguration[] {
  return (storage.statement(SELECT_ALL).all() as TOTPRow[]).map((row) => configurationOf(storage, row));
}

/**
 * Records that `step` (a time-step counter, RFC 6238 §4.2) was accepted for the user; true only the
 * first time. Also notes the time on the configuration and forgets steps older than
 * `step - retainSteps`, which must exceed twice the accepted skew so a forgotten step can no longer
 * be accepted.
 */
export function markTOTPStepUsed(storage: Storage, username: string, step: number, retainSteps = DEFAULT_RETAINED_STEPS): boolean {
  if (!Number.isSafeInteger(step) || step < 0) throw new StorageError('INVALID_INPUT', `a TOTP step must be a non-negative integer but is ${step}`);
  const now = storage.now();
  return storage.db.transaction(() => {
    if (storage.statement(INSERT_STEP).run(username, step, now).changes !== 1) return false;
    storage.statement(PRUNE_STEPS).run(username, step - retainSteps);
    storage.statement(MARK_USED).run(now, username);
    return true;
  }).immediate();
}
