// Provider signing keys that Castellan generated itself (when no jwks is configured). Guarantees:
// the private JWK is only ever written encrypted; kid and alg stay readable for operators; keys load
// in the order they were saved, so the first key of an algorithm stays that algorithm's default.
import type { JWK } from 'jose';
import type { Storage } from './database.ts';
import { StorageError } from './errors.ts';
import { decrypt, encrypt } from './secrets.ts';

const INSERT = `INSERT INTO signing_keys (kid, alg, sealed_jwk, created_at) VALUES (?, ?, ?, ?)`;
const SELECT_ALL = `SELECT sealed_jwk FROM signing_keys ORDER BY id`;

/** The stored private JWKs, decrypted, oldest first. */
export function loadSigningKeys(storage: Storage): JWK[] {
  return (storage.statement(SELECT_ALL).all() as { sealed_jwk: Buffer }[])
    .map((row) => JSON.parse(decrypt(storage, row.sealed_jwk).toString('utf8')) as JWK);
}

/** Stores a private JWK with a kid; a second key with the same kid is refused. */
export function saveSigningKey(storage: Storage, jwk: JWK): void {
  if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new StorageError('INVALID_INPUT', 'signing key: must have a kid');
  if (typeof jwk.d !== 'string') throw new StorageError('INVALID_INPUT', `signing key '${jwk.kid}': must be a private key (no 'd')`);
  try {
    storage.statement(INSERT).run(jwk.kid, jwk.alg ?? null, encrypt(storage, JSON.stringify(jwk)), storage.now());
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new StorageError('SIGNING_KEY_EXISTS', `signing key '${jwk.kid}' is already stored`, { cause: error });
    }
    throw error;
  }
}
