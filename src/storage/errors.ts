// The one error type of the storage modules. Codes are stable (tests and logs match on them);
// messages are for operators and never contain secrets, token ids or decrypted values.

export type StorageErrorCode =
  /** The database file cannot be opened or is not a SQLite database. */
  | 'OPEN_FAILED'
  /** storage.encryption_key is empty. */
  | 'ENCRYPTION_KEY_MISSING'
  /** The database was created under another storage.encryption_key; nothing was changed. */
  | 'ENCRYPTION_KEY_MISMATCH'
  /** The database was migrated by a newer Castellan; nothing was changed. */
  | 'SCHEMA_TOO_NEW'
  /** The migration files are misnamed, duplicated or not numbered 1, 2, 3, … without gaps. */
  | 'MIGRATIONS_INVALID'
  /** A value at rest does not decrypt under the key: tampered, truncated or of an unknown format. */
  | 'DECRYPT_FAILED'
  /** consume() lost a race: the row was consumed (or removed) by someone else first. */
  | 'ALREADY_CONSUMED'
  /** An import row names a user or identifier that is already mapped differently. */
  | 'SUBJECT_CONFLICT'
  /** A consent names a subject that user_opaque_identifier does not know. */
  | 'UNKNOWN_SUBJECT'
  /** A signing key with this kid is already stored. */
  | 'SIGNING_KEY_EXISTS'
  /** An argument is malformed (the message says which and why). */
  | 'INVALID_INPUT';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
