// The audience granted with a grant: written when consent is given (or assumed), read for every
// access token of that grant. Keyed by the SHA-256 of the grant id; expired rows are purged.
import { createHash } from 'node:crypto';
import type { Storage } from './database.ts';

const UPSERT = `INSERT INTO oidc_grant_audience (grant_id_hash, audience, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (grant_id_hash) DO UPDATE SET audience = excluded.audience, expires_at = excluded.expires_at`;
const FIND = `SELECT audience FROM oidc_grant_audience WHERE grant_id_hash = ? AND expires_at > ?`;
const PURGE = `DELETE FROM oidc_grant_audience WHERE expires_at <= ?`;

function hash(grantID: string): Buffer {
  return createHash('sha256').update(grantID, 'utf8').digest();
}

/** Records the granted audience (sorted, without duplicates) until `expiresAt` (epoch seconds). */
export function saveGrantAudience(storage: Storage, grantID: string, audience: readonly string[], expiresAt: number): void {
  storage.statement(UPSERT).run(hash(grantID), JSON.stringify([...new Set(audience)].sort()), expiresAt);
}

export function findGrantAudience(storage: Storage, grantID: string): string[] {
  const row = storage.statement(FIND).get(hash(grantID), storage.now()) as { audience: string } | undefined;
  return row ? (JSON.parse(row.audience) as string[]) : [];
}

export function purgeGrantAudiences(storage: Storage): number {
  return storage.statement(PURGE).run(storage.now()).changes;
}
