// Subject identifiers, as Authelia keeps them in user_opaque_identifier: one random UUIDv4 per
// (service, sector, user), created on first use and stable afterwards. Guarantees: concurrent first
// uses (also from other processes) agree on one UUID; an import is all-or-nothing and never remaps a
// user who already has a different identifier. Usernames are matched exactly as given.
// Mappings are never changed or deleted once stored, so lookups that found one are remembered in
// memory (bounded); a lookup that found nothing is not, as another process may add the mapping.
import { randomUUID } from 'node:crypto';
import type { Storage } from './database.ts';
import { StorageError } from './errors.ts';

/** Authelia's only service value. */
export const OPENID_SERVICE = 'openid';

const SELECT_IDENTIFIER = `SELECT identifier FROM user_opaque_identifier
  WHERE service = ? AND sector_id = ? AND username = ?`;
const INSERT_IF_ABSENT = `INSERT OR IGNORE INTO user_opaque_identifier (service, sector_id, username, identifier)
  VALUES (?, ?, ?, ?)`;
const SELECT_USERNAME = `SELECT username FROM user_opaque_identifier WHERE service = ? AND identifier = ?`;
const SELECT_ALL = `SELECT service, sector_id, username, identifier FROM user_opaque_identifier ORDER BY id`;
const SELECT_BY_IDENTIFIER = `SELECT service, sector_id, username, identifier FROM user_opaque_identifier
  WHERE identifier = ?`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One mapping, in the shape of Authelia's `storage user identifiers export` YAML. */
export interface SubjectRow {
  service: string;
  sector_id: string;
  username: string;
  identifier: string;
}

export interface SubjectImportResult {
  imported: number;
  /** Rows already present with the same identifier. */
  skipped: number;
}

/** Remembered mappings per storage handle and direction; each holds at most CACHE_SIZE entries. */
const CACHE_SIZE = 10_000;
const caches = new WeakMap<Storage, { subjects: Map<string, string>; usernames: Map<string, string> }>();

function cachesOf(storage: Storage): { subjects: Map<string, string>; usernames: Map<string, string> } {
  let cache = caches.get(storage);
  if (!cache) caches.set(storage, (cache = { subjects: new Map(), usernames: new Map() }));
  return cache;
}

function remember(cache: Map<string, string>, key: string, value: string): string {
  // Oldest first out: a Map iterates in insertion order.
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

/** The `sub` of `username` in `sector` ('' = public), created on first use. */
export function subjectFor(storage: Storage, options: { sector: string; username: string }): string {
  const key = [OPENID_SERVICE, options.sector, options.username] as const;
  const { subjects } = cachesOf(storage);
  const cacheKey = JSON.stringify([options.sector, options.username]);
  const cached = subjects.get(cacheKey);
  if (cached !== undefined) return cached;
  const existing = storage.statement(SELECT_IDENTIFIER).get(...key) as { identifier: string } | undefined;
  if (existing) return remember(subjects, cacheKey, existing.identifier);
  const created = storage.db.transaction(() => {
    storage.statement(INSERT_IF_ABSENT).run(...key, randomUUID());
    const row = storage.statement(SELECT_IDENTIFIER).get(...key) as { identifier: string } | undefined;
    if (!row) throw new StorageError('SUBJECT_CONFLICT', 'could not store a new subject identifier (UUID collision); try again');
    return row.identifier;
  }).immediate();
  return remember(subjects, cacheKey, created);
}

/** The username a subject identifier belongs to, if any. */
export function usernameForSubject(storage: Storage, subject: string): string | undefined {
  const { usernames } = cachesOf(storage);
  const cached = usernames.get(subject);
  if (cached !== undefined) return cached;
  const row = storage.statement(SELECT_USERNAME).get(OPENID_SERVICE, subject) as { username: string } | undefined;
  return row ? remember(usernames, subject, row.username) : undefined;
}

/** Every mapping, oldest first. */
export function exportSubjects(storage: Storage): SubjectRow[] {
  return storage.statement(SELECT_ALL).all() as SubjectRow[];
}

function assertSubjectRow(row: SubjectRow, index: number): void {
  const where = `identifiers[${index}]`;
  for (const field of ['service', 'sector_id', 'username', 'identifier'] as const) {
    if (typeof row[field] !== 'string') throw new StorageError('INVALID_INPUT', `${where}.${field}: must be a string`);
  }
  if (row.service === '') throw new StorageError('INVALID_INPUT', `${where}.service: must not be empty`);
  if (row.username === '') throw new StorageError('INVALID_INPUT', `${where}.username: must not be empty`);
  if (!UUID.test(row.identifier)) throw new StorageError('INVALID_INPUT', `${where}.identifier: must be a UUID but is configured as '${row.identifier}'`);
}

function sameRow(a: SubjectRow, b: SubjectRow): boolean {
  return a.service === b.service && a.sector_id === b.sector_id && a.username === b.username && a.identifier === b.identifier;
}

/**
 * Imports mappings (e.g. from Authelia) in one transaction. A row already present unchanged is
 * skipped; a row that conflicts with a stored one aborts the whole import with SUBJECT_CONFLICT.
 */
export function importSubjects(storage: Storage, rows: readonly SubjectRow[]): SubjectImportResult {
  rows.forEach(assertSubjectRow);
  return storage.db.transaction(() => {
    const result: SubjectImportResult = { imported: 0, skipped: 0 };
    for (const row of rows) {
      const { changes } = storage.statement(INSERT_IF_ABSENT).run(row.service, row.sector_id, row.username, row.identifier);
      if (changes === 1) {
        result.imported++;
        continue;
      }
      const stored = storage.statement(SELECT_BY_IDENTIFIER).get(row.identifier) as SubjectRow | undefined;
      if (stored && sameRow(stored, row)) {
        result.skipped++;
        continue;
      }
      throw new StorageError('SUBJECT_CONFLICT', `user '${row.username}' (service '${row.service}', sector '${row.sector_id}') or identifier ${row.identifier} is already mapped differently; nothing was imported`);
    }
    return result;
  }).immediate();
}
