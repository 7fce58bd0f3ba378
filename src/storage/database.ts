// The one SQLite file Castellan keeps: opening it, its pragmas and its numbered migrations.
// Guarantees: a database migrated by a newer Castellan, or created under another encryption key, is
// refused before anything in it is written; all pending migrations (and, on a new database, the
// encryption check value) are applied in one transaction and recorded in schema_migrations.
import Database from 'better-sqlite3';
import type { KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError } from './errors.ts';
import { deriveKey, verifyKeyCheck, writeKeyCheck } from './secrets.ts';

export { StorageError, type StorageErrorCode } from './errors.ts';

/** The migrations shipped with this Castellan. */
export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('./migrations/', import.meta.url));

const BUSY_TIMEOUT_MS = 5000;
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

const SCHEMA_MIGRATIONS_TABLE = `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`;
const HIGHEST_APPLIED = `SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations`;
const RECORD_MIGRATION = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`;
const HEALTH_CHECK = `SELECT 1 AS ok`;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface StorageOptions {
  /** storage.local.path; parent directories are created. */
  path: string;
  /** storage.encryption_key. */
  encryptionKey: string;
  /** Milliseconds since the epoch, like Date.now (the default); tests pass a controllable clock. */
  clock?: () => number;
  /** Defaults to the files in MIGRATIONS_DIRECTORY; tests pass their own lists. */
  migrations?: readonly Migration[];
}

export interface Storage {
  /** The connection, for the repository modules of src/storage only. */
  readonly db: Database.Database;
  readonly path: string;
  /** The AES-256-GCM key derived from storage.encryption_key, for secrets.ts only. */
  readonly secretKey: KeyObject;
  /** The current time in whole seconds since the epoch. */
  now(): number;
  /** The prepared statement for `sql`, compiled on first use and then reused by this Storage. */
  statement(sql: string): Database.Statement;
  /** True when the database answers a trivial query. */
  healthy(): boolean;
  close(): void;
}

/** Reads `NNNN_name.sql` files; they must be numbered 1, 2, 3, … without gaps or duplicates. */
export function readMigrations(directory: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(directory).filter((f) => f.endsWith('.sql')).sort()) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) throw new StorageError('MIGRATIONS_INVALID', `migration file '${file}' must be named NNNN_name.sql (four digits, lower-case name)`);
    const version = Number(match[1]);
    if (version !== migrations.length + 1) {
      throw new StorageError('MIGRATIONS_INVALID', `migration file '${file}' should be number ${migrations.length + 1}: migrations are numbered 1, 2, 3, … without gaps or duplicates`);
    }
    migrations.push({ version, name: match[2]!, sql: readFileSync(join(directory, file), 'utf8') });
  }
  return migrations;
}

let bundled: readonly Migration[] | undefined;

function bundledMigrations(): readonly Migration[] {
  bundled ??= readMigrations(MIGRATIONS_DIRECTORY);
  return bundled;
}

function highestApplied(db: Database.Database): number {
  if (db.prepare(SCHEMA_MIGRATIONS_TABLE).get() === undefined) return 0;
  return (db.prepare(HIGHEST_APPLIED).get() as { version: number }).version;
}

interface Compatibility {
  readonly applied: number;
  /** False on a new database, which has no encryption check value yet. */
  readonly keyChecked: boolean;
}

/** Reads only: throws when this Castellan must not touch the database. */
function assertCompatible(db: Database.Database, migrations: readonly Migration[], key: KeyObject): Compatibility {
  const applied = highestApplied(db);
  const newest = migrations.at(-1)?.version ?? 0;
  if (applied > newest) {
    throw new StorageError('SCHEMA_TOO_NEW', `database schema version ${applied} is newer than this Castellan (${newest}): upgrade Castellan or restore a backup`);
  }
  return { applied, keyChecked: verifyKeyCheck(db, key) };
}

function migrate(db: Database.Database, migrations: readonly Migration[], key: KeyObject, now: number): void {
  // Checked again under the write lock: another process may have migrated since the first look.
  const { applied, keyChecked } = assertCompatible(db, migrations, key);
  for (const migration of migrations.filter((m) => m.version > applied)) {
    db.exec(migration.sql);
    db.prepare(RECORD_MIGRATION).run(migration.version, migration.name, now);
  }
  if (!keyChecked) writeKeyCheck(db, key, now);
}

function asStorageError(error: unknown, path: string): StorageError {
  if (error instanceof StorageError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageError('OPEN_FAILED', `cannot open the storage at '${path}': ${reason}`, { cause: error });
}

/** Opens (creating, owner-only, and migrating when needed) the database at `options.path`. */
export function openStorage(options: StorageOptions): Storage {
  const { path } = options;
  const clock = options.clock ?? Date.now;
  const migrations = options.migrations ?? bundledMigrations();
  const secretKey = deriveKey(options.encryptionKey);
  let db: Database.Database;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const created = !existsSync(path);
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    // Owner-only before the first write; SQLite gives the -wal and -shm files the same mode.
    if (created) chmodSync(path, 0o600);
  } catch (error) {
    throw asStorageError(error, path);
  }
  try {
    db.pragma('foreign_keys = ON');
    // Before journal_mode, which is persistent: a refused database is left exactly as it was.
    assertCompatible(db, migrations, secretKey);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Once a checkpoint lets the WAL start over, it is cut back to this size: a burst of writes (a
    // large purge, a pre-fill) must not leave a WAL of hundreds of MB on disk for good.
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    db.transaction(migrate).immediate(db, migrations, secretKey, Math.floor(clock() / 1000));
  } catch (error) {
    db.close();
    throw asStorageError(error, path);
  }
  return storageHandle(db, path, secretKey, clock);
}

/** Bytes the WAL file is truncated to after it restarts (SQLite's journal_size_limit). */
export const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

function storageHandle(db: Database.Database, path: string, secretKey: KeyObject, clock: () => number): Storage {
  const statements = new Map<string, Database.Statement>();
  function statement(sql: string): Database.Statement {
    let prepared = statements.get(sql);
    if (prepared === undefined) {
      prepared = db.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  }
  return {
    db,
    path,
    secretKey,
    now: () => Math.floor(clock() / 1000),
    statement,
    healthy(): boolean {
      if (!db.open) return false;
      try {
        return (statement(HEALTH_CHECK).get() as { ok: number } | undefined)?.ok === 1;
      } catch {
        return false;
      }
    },
    close(): void {
      statements.clear();
      if (db.open) db.close();
    },
  };
}
