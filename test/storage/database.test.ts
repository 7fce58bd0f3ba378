// Opening the database: pragmas, numbered migrations applied once and all-or-nothing, and refusal
// of a database from a newer Castellan without touching it (STYLE.md principle 8).
import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { JOURNAL_SIZE_LIMIT, MIGRATIONS_DIRECTORY, openStorage, readMigrations, StorageError, type Migration } from '../../src/storage/database.ts';
import { databasePath, fileBytes, KEY, openTest, temporaryDirectory, testClock } from './helpers.ts';

const dir = temporaryDirectory();
const BUNDLED = readMigrations(MIGRATIONS_DIRECTORY);
const NEWEST = BUNDLED.at(-1)!.version;

function migrationRows(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
  } finally {
    db.close();
  }
}

function tableNames(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

test('the bundled migrations are numbered 1, 2, 3, … and named', () => {
  assert.ok(BUNDLED.length >= 1);
  BUNDLED.forEach((m, i) => {
    assert.equal(m.version, i + 1);
    assert.match(m.name, /^[a-z0-9_]+$/);
  });
});

test('a new database gets every migration once, recorded in schema_migrations, and the pragmas', () => {
  const clock = testClock();
  const path = join(dir, 'nested', 'twice', 'new.sqlite3');
  const storage = openStorage({ path, encryptionKey: KEY, clock });
  assert.equal(storage.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(storage.db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(storage.db.pragma('synchronous', { simple: true }), 1, 'synchronous = NORMAL');
  assert.equal(storage.db.pragma('busy_timeout', { simple: true }), 5000);
  assert.equal(storage.db.pragma('journal_size_limit', { simple: true }), JOURNAL_SIZE_LIMIT, 'a WAL that grew is cut back once it restarts');
  storage.db.exec('CREATE TEMP TABLE t (x)');
  assert.equal(statSync(path).mode & 0o777, 0o600, 'the database is owner-only');
  assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600, 'so is its WAL');
  storage.close();

  const appliedAt = Math.floor(clock() / 1000);
  assert.deepEqual(migrationRows(path), BUNDLED.map((m) => ({ version: m.version, name: m.name, applied_at: appliedAt })));
  for (const table of ['encryption_check', 'oidc_payloads', 'user_opaque_identifier', 'oauth2_consent_preconfiguration', 'signing_keys']) {
    assert.ok(tableNames(path).includes(table), table);
  }
});

test('re-opening an up-to-date database changes nothing', () => {
  const clock = testClock();
  const path = databasePath(dir);
  openStorage({ path, encryptionKey: KEY, clock }).close();
  const rows = migrationRows(path);
  const bytes = fileBytes(path);
  clock.advance(3600);
  const again = openStorage({ path, encryptionKey: KEY, clock });
  assert.equal(again.healthy(), true);
  again.close();
  assert.deepEqual(migrationRows(path), rows);
  assert.deepEqual(fileBytes(path), bytes);
});

test('a database migrated by a newer Castellan is refused and left unchanged', () => {
  const path = databasePath(dir);
  openStorage({ path, encryptionKey: KEY }).close();
  const db = new Database(path);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(NEWEST + 41, 'from_the_future', 1);
  db.close();
  const rows = migrationRows(path);
  const bytes = fileBytes(path);

  assert.throws(() => openStorage({ path, encryptionKey: KEY }), (error: unknown) => {
    assert.ok(error instanceof StorageError);
    assert.equal(error.code, 'SCHEMA_TOO_NEW');
    assert.equal(error.message, `database schema version ${NEWEST + 41} is newer than this Castellan (${NEWEST}): upgrade Castellan or restore a backup`);
    return true;
  });
  assert.deepEqual(fileBytes(path), bytes);
  assert.deepEqual(migrationRows(path), rows);
});

test('pending migrations are applied in one transaction: a failing one leaves no trace of the others', () => {
  const broken: Migration = { version: NEWEST + 2, name: 'broken', sql: 'CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);' };
  const good: Migration = { version: NEWEST + 1, name: 'good', sql: 'CREATE TABLE good_one (x);' };

  const fresh = databasePath(dir);
  assert.throws(() => openStorage({ path: fresh, encryptionKey: KEY, migrations: [...BUNDLED, good, broken] }), { name: 'StorageError', code: 'OPEN_FAILED' });
  assert.deepEqual(tableNames(fresh), [], 'not even migration 0001 or the encryption check value was kept');

  const existing = databasePath(dir);
  openStorage({ path: existing, encryptionKey: KEY }).close();
  const rows = migrationRows(existing);
  assert.throws(() => openStorage({ path: existing, encryptionKey: KEY, migrations: [...BUNDLED, good, broken] }), { code: 'OPEN_FAILED' });
  assert.deepEqual(migrationRows(existing), rows);
  assert.ok(!tableNames(existing).includes('good_one'));
  assert.ok(!tableNames(existing).includes('half_done'));

  const upgraded = openStorage({ path: existing, encryptionKey: KEY, migrations: [...BUNDLED, good] });
  upgraded.close();
  assert.deepEqual((migrationRows(existing) as { version: number }[]).map((r) => r.version), [...BUNDLED.map((m) => m.version), NEWEST + 1]);
});

test('migration files must be named NNNN_name.sql and numbered without gaps or duplicates', () => {
  const cases: Record<string, string[]> = {
    gap: ['0001_a.sql', '0003_c.sql'],
    duplicate: ['0001_a.sql', '0001_b.sql'],
    'bad name': ['0001_a.sql', 'init.sql'],
    'starts at two': ['0002_b.sql'],
  };
  for (const [label, files] of Object.entries(cases)) {
    const folder = join(dir, `migrations-${label.replace(/ /g, '-')}`);
    mkdirSync(folder);
    for (const file of files) writeFileSync(join(folder, file), 'SELECT 1;');
    assert.throws(() => readMigrations(folder), { name: 'StorageError', code: 'MIGRATIONS_INVALID' }, label);
  }
  const fine = join(dir, 'migrations-fine');
  mkdirSync(fine);
  writeFileSync(join(fine, '0002_second.sql'), 'SELECT 2;');
  writeFileSync(join(fine, '0001_first.sql'), 'SELECT 1;');
  writeFileSync(join(fine, 'README.md'), 'ignored');
  assert.deepEqual(readMigrations(fine), [
    { version: 1, name: 'first', sql: 'SELECT 1;' },
    { version: 2, name: 'second', sql: 'SELECT 2;' },
  ]);
});

test('healthy() answers a trivial query; close() is idempotent', () => {
  const storage = openTest(dir);
  assert.equal(storage.healthy(), true);
  storage.close();
  assert.equal(storage.healthy(), false);
  storage.close();
});

test('statements are compiled once per Storage', () => {
  const one = openTest(dir);
  const other = openTest(dir);
  const sql = 'SELECT COUNT(*) AS n FROM oidc_payloads';
  assert.equal(one.statement(sql), one.statement(sql));
  assert.notEqual(one.statement(sql), other.statement(sql));
});

test('a file that is not a database, and an empty key, are refused with their own codes', () => {
  const path = databasePath(dir);
  writeFileSync(path, 'this is not a SQLite database, just text that is long enough to have a header '.repeat(20));
  assert.throws(() => openStorage({ path, encryptionKey: KEY }), { code: 'OPEN_FAILED' });
  assert.throws(() => openStorage({ path: databasePath(dir), encryptionKey: '' }), { code: 'ENCRYPTION_KEY_MISSING' });
});

test('migration 0006 keeps the newest row of each (model, uid) and makes the pair unique', () => {
  const path = databasePath(dir);
  const before = openStorage({ path, encryptionKey: KEY, migrations: BUNDLED.filter((m) => m.version < 6) });
  const insert = before.db.prepare(`INSERT INTO oidc_payloads (model, id_hash, id_is_jti, payload, uid) VALUES (?, ?, 0, '{}', ?)`);
  insert.run('Session', Buffer.from('a'), 'U');
  insert.run('Session', Buffer.from('b'), 'U');
  insert.run('Interaction', Buffer.from('c'), 'U');
  insert.run('Session', Buffer.from('d'), null);
  insert.run('Session', Buffer.from('e'), null);
  before.close();
  const after = openStorage({ path, encryptionKey: KEY });
  try {
    const rows = after.db.prepare('SELECT model, CAST(id_hash AS TEXT) AS id, uid FROM oidc_payloads ORDER BY rowid').all();
    assert.deepEqual(rows, [
      { model: 'Session', id: 'b', uid: 'U' },
      { model: 'Interaction', id: 'c', uid: 'U' },
      { model: 'Session', id: 'd', uid: null },
      { model: 'Session', id: 'e', uid: null },
    ]);
    assert.throws(() => after.db.prepare(`INSERT INTO oidc_payloads (model, id_hash, id_is_jti, payload, uid) VALUES ('Session', x'ff', 0, '{}', 'U')`).run(), /UNIQUE/);
  } finally {
    after.close();
  }
});
