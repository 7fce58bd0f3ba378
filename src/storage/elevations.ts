// Elevated portal sessions: the time a signed-in user re-entered their password, so that they may
// change their second factors for a few minutes, and the state of a change in progress. Guarantees:
// rows are keyed by the SHA-256 of the session id (never the id itself); an elevation is only found
// for the username it was made for and before it expires; a pending TOTP enrolment is sealed under
// the storage key; a passkey challenge is taken at most once, in one transaction.
import { createHash } from 'node:crypto';
import type { Storage } from './database.ts';
import { decrypt, encrypt } from './secrets.ts';

const PURGE = `DELETE FROM portal_elevations WHERE expires_at <= ?`;
// A new elevation starts clean: nothing of an earlier change in progress survives a password re-entry.
const UPSERT = `INSERT INTO portal_elevations (session_hash, username, elevated_at, expires_at, totp_enrolment, webauthn_challenge, challenge_expires_at)
  VALUES (@hash, @username, @now, @expires_at, NULL, NULL, NULL)
  ON CONFLICT (session_hash) DO UPDATE SET username = excluded.username, elevated_at = excluded.elevated_at,
    expires_at = excluded.expires_at, totp_enrolment = NULL, webauthn_challenge = NULL, challenge_expires_at = NULL`;
const FIND = `SELECT elevated_at, expires_at, totp_enrolment FROM portal_elevations
  WHERE session_hash = ? AND username = ? AND expires_at > ?`;
const SET_ENROLMENT = `UPDATE portal_elevations SET totp_enrolment = ? WHERE session_hash = ? AND expires_at > ?`;
const SET_CHALLENGE = `UPDATE portal_elevations SET webauthn_challenge = ?, challenge_expires_at = ? WHERE session_hash = ? AND expires_at > ?`;
const SELECT_CHALLENGE = `SELECT webauthn_challenge, challenge_expires_at, expires_at FROM portal_elevations
  WHERE session_hash = ? AND webauthn_challenge IS NOT NULL`;
const CLEAR_CHALLENGE = `UPDATE portal_elevations SET webauthn_challenge = NULL, challenge_expires_at = NULL WHERE session_hash = ?`;

export interface Elevation {
  /** Seconds since the epoch. */
  readonly elevatedAt: number;
  readonly expiresAt: number;
  /** The pending TOTP enrolment, unsealed, as it was saved. */
  readonly totpEnrolment?: string;
}

function hash(sessionID: string): Buffer {
  return createHash('sha256').update(sessionID, 'utf8').digest();
}

/** Records a password re-entry in this session for `validity` seconds from now, and forgets expired ones. */
export function elevate(storage: Storage, sessionID: string, username: string, validity: number): Elevation {
  const now = storage.now();
  const expiresAt = now + validity;
  storage.db.transaction(() => {
    storage.statement(PURGE).run(now);
    storage.statement(UPSERT).run({ hash: hash(sessionID), username, now, expires_at: expiresAt });
  }).immediate();
  return { elevatedAt: now, expiresAt };
}

/** The session's elevation for `username`, while it lasts. */
export function findElevation(storage: Storage, sessionID: string, username: string): Elevation | undefined {
  const row = storage.statement(FIND).get(hash(sessionID), username, storage.now()) as { elevated_at: number; expires_at: number; totp_enrolment: Buffer | null } | undefined;
  if (!row) return undefined;
  const pending = row.totp_enrolment === null ? {} : { totpEnrolment: decrypt(storage, row.totp_enrolment).toString('utf8') };
  return { elevatedAt: row.elevated_at, expiresAt: row.expires_at, ...pending };
}

/** Keeps (sealed) or, with undefined, forgets the TOTP enrolment in progress; false without a live elevation. */
export function savePendingTOTPEnrolment(storage: Storage, sessionID: string, enrolment: string | undefined): boolean {
  const sealed = enrolment === undefined ? null : encrypt(storage, enrolment);
  return storage.statement(SET_ENROLMENT).run(sealed, hash(sessionID), storage.now()).changes === 1;
}

/** Remembers the challenge of a passkey registration until `expiresAt`; false without a live elevation. */
export function saveWebAuthnChallenge(storage: Storage, sessionID: string, challenge: string, expiresAt: number): boolean {
  return storage.statement(SET_CHALLENGE).run(challenge, expiresAt, hash(sessionID), storage.now()).changes === 1;
}

/**
 * The session's passkey challenge, forgotten as it is read (whatever the verification's outcome);
 * undefined when there is none, or when it or the elevation has expired.
 */
export function takeWebAuthnChallenge(storage: Storage, sessionID: string): string | undefined {
  const key = hash(sessionID);
  // Read and cleared under the write lock: two requests racing for one challenge cannot both get it.
  const row = storage.db.transaction(() => {
    const found = storage.statement(SELECT_CHALLENGE).get(key) as { webauthn_challenge: string; challenge_expires_at: number; expires_at: number } | undefined;
    if (found) storage.statement(CLEAR_CHALLENGE).run(key);
    return found;
  }).immediate();
  const now = storage.now();
  return row && row.challenge_expires_at > now && row.expires_at > now ? row.webauthn_challenge : undefined;
}
