// WebAuthn credentials (passkeys and security keys) and each user's WebAuthn user handle.
// Guarantees: a credential id is registered at most once across all users; every read, rename and
// delete is scoped to one username, so nobody reaches another user's credential; the signature
// counter only moves forward, in one compare-and-set statement, so two concurrent assertions with the
// same counter cannot both be recorded; the user handle is random, created once and then stable.
import { randomBytes } from 'node:crypto';
import type { Storage } from './database.ts';
import { StorageError } from './errors.ts';

/** WebAuthn user handles are 32 random bytes (the specification allows up to 64). */
const USER_HANDLE_BYTES = 32;

const SELECT_USER_HANDLE = `SELECT user_handle FROM webauthn_users WHERE username = ?`;
// Only the username may conflict quietly (a concurrent first use); a handle collision (2^-256) throws.
const INSERT_USER_HANDLE_IF_ABSENT = `INSERT INTO webauthn_users (username, user_handle, created_at) VALUES (?, ?, ?)
  ON CONFLICT (username) DO NOTHING`;

const COLUMNS = `id, username, description, credential_id, public_key, sign_count, transports, aaguid,
  backup_eligible, backup_state, attestation_type, created_at, last_used_at`;
const INSERT = `INSERT INTO webauthn_credentials (username, description, credential_id, public_key, sign_count,
    transports, aaguid, backup_eligible, backup_state, attestation_type, created_at, last_used_at)
  VALUES (@username, @description, @credential_id, @public_key, @sign_count,
    @transports, @aaguid, @backup_eligible, @backup_state, @attestation_type, @created_at, NULL)
  ON CONFLICT (credential_id) DO NOTHING`;
const LIST_FOR_USER = `SELECT ${COLUMNS} FROM webauthn_credentials WHERE username = ? ORDER BY id`;
const FIND_FOR_USER = `SELECT ${COLUMNS} FROM webauthn_credentials WHERE username = ? AND credential_id = ?`;
// Counters that were never used (0 before and 0 now, WebAuthn §6.1.1) may stay at 0; any other
// value must be greater than the stored one.
const RECORD_USE = `UPDATE webauthn_credentials
  SET sign_count = @sign_count, backup_state = @backup_state, last_used_at = @now
  WHERE id = @id AND (sign_count < @sign_count OR (sign_count = 0 AND @sign_count = 0))`;
const RENAME = `UPDATE webauthn_credentials SET description = @description WHERE id = @id AND username = @username`;
const DELETE = `DELETE FROM webauthn_credentials WHERE id = @id AND username = @username`;

/** What a registration ceremony yields (see identity/webauthn.ts verifyRegistration). */
export interface WebAuthnCredentialData {
  /** base64url without padding. */
  credentialID: string;
  /** The COSE_Key of the credential. */
  publicKey: Uint8Array;
  signCount: number;
  /** As reported by the browser ('usb', 'nfc', 'ble', 'internal', 'hybrid', …). */
  transports: string[];
  /** The authenticator model, as a UUID; all zeros when attestation was not conveyed. */
  aaguid: string;
  /** The BE flag: the credential may be synced to other devices (a "multi-device" passkey). */
  backupEligible: boolean;
  /** The BS flag: the credential is currently backed up. */
  backupState: boolean;
  /** The attestation statement format, e.g. 'none' or 'packed'. */
  attestationType: string;
}

export interface NewWebAuthnCredential extends WebAuthnCredentialData {
  /** The canonical username (User.username). */
  username: string;
  /** The name the user gave the credential; must not be empty. */
  description: string;
}

export interface WebAuthnCredential extends NewWebAuthnCredential {
  /** The row id: what the portal's rename and delete forms name. */
  id: number;
  /** Seconds since the epoch. */
  createdAt: number;
  /** Seconds since the epoch; null until the first sign-in with it. */
  lastUsedAt: number | null;
}

export interface WebAuthnCredentialUse {
  /** WebAuthnCredential.id. */
  id: number;
  /** The counter of the verified assertion. */
  signCount: number;
  /** The BS flag of the verified assertion. */
  backupState: boolean;
}

interface CredentialRow {
  id: number;
  username: string;
  description: string;
  credential_id: string;
  public_key: Buffer;
  sign_count: number;
  transports: string;
  aaguid: string;
  backup_eligible: number;
  backup_state: number;
  attestation_type: string;
  created_at: number;
  last_used_at: number | null;
}

function credentialOf(row: CredentialRow): WebAuthnCredential {
  return {
    id: row.id,
    username: row.username,
    description: row.description,
    credentialID: row.credential_id,
    publicKey: new Uint8Array(row.public_key),
    signCount: row.sign_count,
    transports: JSON.parse(row.transports) as string[],
    aaguid: row.aaguid,
    backupEligible: row.backup_eligible === 1,
    backupState: row.backup_state === 1,
    attestationType: row.attestation_type,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

function assertDescription(description: string): void {
  if (description.trim() === '') throw new StorageError('INVALID_INPUT', 'webauthn credential description: must not be empty');
}

/** The user's WebAuthn user handle (base64url of 32 random bytes), created on first use. */
export function webAuthnUserHandle(storage: Storage, username: string): string {
  const existing = storage.statement(SELECT_USER_HANDLE).get(username) as { user_handle: Buffer } | undefined;
  if (existing) return existing.user_handle.toString('base64url');
  return storage.db.transaction(() => {
    storage.statement(INSERT_USER_HANDLE_IF_ABSENT).run(username, randomBytes(USER_HANDLE_BYTES), storage.now());
    const row = storage.statement(SELECT_USER_HANDLE).get(username) as { user_handle: Buffer };
    return row.user_handle.toString('base64url');
  }).immediate();
}

/**
 * Stores a newly registered credential; undefined when its credential id is already registered (to
 * this user or another), which the relying party must refuse (WebAuthn §7.1 step 25).
 */
export function saveWebAuthnCredential(storage: Storage, credential: NewWebAuthnCredential): WebAuthnCredential | undefined {
  assertDescription(credential.description);
  const row = {
    username: credential.username,
    description: credential.description,
    credential_id: credential.credentialID,
    public_key: Buffer.from(credential.publicKey),
    sign_count: credential.signCount,
    transports: JSON.stringify(credential.transports),
    aaguid: credential.aaguid,
    backup_eligible: credential.backupEligible ? 1 : 0,
    backup_state: credential.backupState ? 1 : 0,
    attestation_type: credential.attestationType,
    created_at: storage.now(),
  };
  const { changes, lastInsertRowid } = storage.statement(INSERT).run(row);
  if (changes === 0) return undefined;
  return credentialOf({ id: Number(lastInsertRowid), ...row, last_used_at: null });
}

/** The user's credentials, oldest first (for excludeCredentials, allowCredentials and the portal list). */
export function listWebAuthnCredentials(storage: Storage, username: string): WebAuthnCredential[] {
  return (storage.statement(LIST_FOR_USER).all(username) as CredentialRow[]).map(credentialOf);
}

/** The user's credential with this credential id (base64url), if the user has it. */
export function findWebAuthnCredential(storage: Storage, options: { username: string; credentialID: string }): WebAuthnCredential | undefined {
  const row = storage.statement(FIND_FOR_USER).get(options.username, options.credentialID) as CredentialRow | undefined;
  return row && credentialOf(row);
}

/**
 * Records a verified assertion: the new counter, the backup state and the time of use, in one
 * statement. False when the stored counter has meanwhile reached or passed `signCount` (a concurrent
 * or replayed assertion) or the credential is gone: the sign-in must then be refused.
 */
export function recordWebAuthnCredentialUse(storage: Storage, use: WebAuthnCredentialUse): boolean {
  const params = { id: use.id, sign_count: use.signCount, backup_state: use.backupState ? 1 : 0, now: storage.now() };
  return storage.statement(RECORD_USE).run(params).changes === 1;
}

/** Renames one of the user's credentials; false when the user has no credential with this id. */
export function renameWebAuthnCredential(storage: Storage, options: { username: string; id: number; description: string }): boolean {
  assertDescription(options.description);
  return storage.statement(RENAME).run(options).changes === 1;
}

/** Deletes one of the user's credentials; false when the user has no credential with this id. */
export function deleteWebAuthnCredential(storage: Storage, options: { username: string; id: number }): boolean {
  return storage.statement(DELETE).run(options).changes === 1;
}
