// Secrets at rest: AES-256-GCM under a key derived from storage.encryption_key, and the check value
// that tells a wrong key from a right one before anything is written. Every value gets a fresh
// random IV; a tampered, truncated or foreign blob fails with DECRYPT_FAILED, never with garbage.
//
// Key: HKDF-SHA256(ikm = storage.encryption_key as UTF-8, salt = empty, info = HKDF_INFO, 32 bytes).
// Blob: version (1 byte, 0x01) || IV (12 bytes) || GCM tag (16 bytes) || ciphertext; the version
// byte is authenticated as additional data.
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Storage } from './database.ts';
import { StorageError } from './errors.ts';

/** Fixed HKDF info string: changing it changes the key, so it is part of the format. */
export const HKDF_INFO = 'castellan storage.encryption_key aes-256-gcm v1';

const FORMAT_V1 = 0x01;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + IV_LENGTH + TAG_LENGTH;
const CHECK_PLAINTEXT = 'castellan storage encryption check v1';

const ENCRYPTION_CHECK_TABLE = `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'encryption_check'`;
const SELECT_CHECK = `SELECT sealed FROM encryption_check WHERE id = 1`;
const INSERT_CHECK = `INSERT INTO encryption_check (id, sealed, created_at) VALUES (1, ?, ?)`;

/** The AES-256 key for a storage.encryption_key. */
export function deriveKey(encryptionKey: string): KeyObject {
  if (encryptionKey === '') throw new StorageError('ENCRYPTION_KEY_MISSING', 'storage.encryption_key is required to open the storage');
  return createSecretKey(Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), HKDF_INFO, 32)));
}

/** Encrypts under `key` in the v1 format. */
export function seal(key: KeyObject, plaintext: Buffer | string): Buffer {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.of(FORMAT_V1));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_V1), iv, cipher.getAuthTag(), ciphertext]);
}

/** Decrypts a v1 blob under `key`; throws StorageError DECRYPT_FAILED for anything else. */
export function unseal(key: KeyObject, blob: Uint8Array): Buffer {
  const data = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (data.length < HEADER_LENGTH || data[0] !== FORMAT_V1) {
    throw new StorageError('DECRYPT_FAILED', 'encrypted value is truncated or of an unknown format');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(1, 1 + IV_LENGTH), { authTagLength: TAG_LENGTH });
    decipher.setAAD(data.subarray(0, 1));
    decipher.setAuthTag(data.subarray(1 + IV_LENGTH, HEADER_LENGTH));
    return Buffer.concat([decipher.update(data.subarray(HEADER_LENGTH)), decipher.final()]);
  } catch (error) {
    throw new StorageError('DECRYPT_FAILED', 'encrypted value does not decrypt under storage.encryption_key (tampered, or sealed under another key)', { cause: error });
  }
}

/** Encrypts a secret for storage in this database. */
export function encrypt(storage: Storage, plaintext: Buffer | string): Buffer {
  return seal(storage.secretKey, plaintext);
}

/** Decrypts a value `encrypt` produced for this database. */
export function decrypt(storage: Storage, blob: Uint8Array): Buffer {
  return unseal(storage.secretKey, blob);
}

/**
 * Reads only. Returns false when the database has no check value yet (new database), true when it
 * decrypts under `key`; throws ENCRYPTION_KEY_MISMATCH when it does not.
 */
export function verifyKeyCheck(db: Database.Database, key: KeyObject): boolean {
  if (db.prepare(ENCRYPTION_CHECK_TABLE).get() === undefined) return false;
  const row = db.prepare(SELECT_CHECK).get() as { sealed: Buffer } | undefined;
  if (row === undefined) return false;
  let plaintext: Buffer | undefined;
  try {
    plaintext = unseal(key, row.sealed);
  } catch {
    plaintext = undefined;
  }
  if (plaintext?.toString('utf8') !== CHECK_PLAINTEXT) {
    throw new StorageError('ENCRYPTION_KEY_MISMATCH', `storage.encryption_key does not match the key this database was created with (${db.name}): configure the original key, or restore a backup; the database was left unchanged`);
  }
  return true;
}

/** Stores the check value of a new database; call inside the migration transaction. */
export function writeKeyCheck(db: Database.Database, key: KeyObject, now: number): void {
  db.prepare(INSERT_CHECK).run(seal(key, CHECK_PLAINTEXT), now);
}
