// Secrets at rest (STYLE.md principle 8): AES-256-GCM under HKDF-SHA256(storage.encryption_key),
// a fresh IV per value, authenticated (tampering fails), and a wrong key refused before any write.
import assert from 'node:assert/strict';
import { createDecipheriv, createHmac } from 'node:crypto';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStorage, StorageError } from '../../src/storage/database.ts';
import { decrypt, encrypt, HKDF_INFO } from '../../src/storage/secrets.ts';
import { databasePath, fileBytes, KEY, openTest, OTHER_KEY, temporaryDirectory } from './helpers.ts';

const dir = temporaryDirectory();

/** RFC 5869 HKDF-SHA256 for one output block, written out to pin the documented derivation. */
function hkdfOneBlock(ikm: string, info: string): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
  return createHmac('sha256', prk).update(Buffer.concat([Buffer.from(info), Buffer.of(1)])).digest();
}

test('a wrong encryption key is refused with ENCRYPTION_KEY_MISMATCH and the database is unchanged', () => {
  const path = databasePath(dir);
  openStorage({ path, encryptionKey: KEY }).close();
  const bytes = fileBytes(path);
  assert.throws(() => openStorage({ path, encryptionKey: OTHER_KEY }), (error: unknown) => {
    assert.ok(error instanceof StorageError);
    assert.equal(error.code, 'ENCRYPTION_KEY_MISMATCH');
    assert.match(error.message, /^storage\.encryption_key does not match the key this database was created with/);
    return true;
  });
  assert.deepEqual(fileBytes(path), bytes);

  const storage = openStorage({ path, encryptionKey: KEY });
  assert.equal(storage.healthy(), true, 'the right key still opens it');
  storage.close();
});

test('the check value is written with the first migration and is the only row', () => {
  const storage = openTest(dir);
  const rows = storage.db.prepare('SELECT id, applied_at = created_at AS same_time FROM encryption_check, schema_migrations WHERE version = 1').all();
  assert.deepEqual(rows, [{ id: 1, same_time: 1 }]);
});

test('values round-trip under the right key, as strings and as bytes', () => {
  const storage = openTest(dir);
  assert.equal(decrypt(storage, encrypt(storage, 'client secret ✓')).toString('utf8'), 'client secret ✓');
  const bytes = Buffer.from([0, 1, 2, 255, 254]);
  assert.deepEqual(decrypt(storage, encrypt(storage, bytes)), bytes);
  assert.deepEqual(decrypt(storage, encrypt(storage, '')), Buffer.alloc(0));
});

test('the format is v1 || iv || tag || ciphertext under HKDF-SHA256(key, info) — documented and stable', () => {
  const storage = openTest(dir);
  const blob = encrypt(storage, 'pinned');
  assert.equal(blob[0], 0x01);
  assert.equal(blob.length, 1 + 12 + 16 + 'pinned'.length);
  const decipher = createDecipheriv('aes-256-gcm', hkdfOneBlock(KEY, HKDF_INFO), blob.subarray(1, 13));
  decipher.setAAD(blob.subarray(0, 1));
  decipher.setAuthTag(blob.subarray(13, 29));
  assert.equal(Buffer.concat([decipher.update(blob.subarray(29)), decipher.final()]).toString('utf8'), 'pinned');
});

test('the same plaintext encrypts differently every time (random IV)', () => {
  const storage = openTest(dir);
  const blobs = new Set(Array.from({ length: 20 }, () => encrypt(storage, 'same').toString('hex')));
  assert.equal(blobs.size, 20);
  const ivs = new Set([...blobs].map((hex) => hex.slice(2, 26)));
  assert.equal(ivs.size, 20);
});

test('tampered, truncated or foreign ciphertexts fail with DECRYPT_FAILED', () => {
  const storage = openTest(dir);
  const other = openTest(dir, { encryptionKey: OTHER_KEY });
  const blob = encrypt(storage, 'a secret worth protecting');
  for (const position of [0, 1, 12, 13, 28, 29, blob.length - 1]) {
    const tampered = Buffer.from(blob);
    tampered[position]! ^= 0x01;
    assert.throws(() => decrypt(storage, tampered), { code: 'DECRYPT_FAILED' }, `bit flipped at byte ${position}`);
  }
  assert.throws(() => decrypt(storage, blob.subarray(0, 20)), { code: 'DECRYPT_FAILED' });
  assert.throws(() => decrypt(storage, Buffer.alloc(0)), { code: 'DECRYPT_FAILED' });
  assert.throws(() => decrypt(other, blob), { code: 'DECRYPT_FAILED' });
});

test('a decryption failure never echoes the plaintext or the key', () => {
  const storage = openTest(dir);
  const blob = encrypt(storage, 'do-not-print-me');
  blob[blob.length - 1]! ^= 0xff;
  assert.throws(() => decrypt(storage, blob), (error: Error) => !error.message.includes('do-not-print-me') && !error.message.includes(KEY));
});

test('a database whose check value was tampered with is refused like a wrong key', () => {
  const path = databasePath(dir);
  openStorage({ path, encryptionKey: KEY }).close();
  const db = new Database(path);
  db.prepare('UPDATE encryption_check SET sealed = ? WHERE id = 1').run(Buffer.from([1, 2, 3]));
  db.close();
  assert.throws(() => openStorage({ path, encryptionKey: KEY }), { code: 'ENCRYPTION_KEY_MISMATCH' });
});
