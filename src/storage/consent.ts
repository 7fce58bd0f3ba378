// Remembered ("pre-configured") consent, with the semantics of Authelia's
// oauth2_consent_preconfiguration: a stored consent answers a request only for the same client and
// subject, while not revoked nor expired, and when the requested scopes and audience are each exactly
// the stored set (order-insensitive, same members). Scopes and audience are stored as canonical sets
// so the whole match is one indexed query. Revocation marks rows; it never deletes them.
import type { Storage } from './database.ts';
import { StorageError } from './errors.ts';

const INSERT = `INSERT INTO oauth2_consent_preconfiguration (client_id, subject, created_at, expires_at, revoked, scopes, audience)
  VALUES (@client_id, @subject, @created_at, @expires_at, @revoked, @scopes, @audience)`;
const COLUMNS = `id, client_id, subject, created_at, expires_at, revoked, scopes, audience`;
const FIND_MATCHING = `SELECT ${COLUMNS} FROM oauth2_consent_preconfiguration
  WHERE client_id = @clientID AND subject = @subject AND revoked = 0
    AND (expires_at IS NULL OR expires_at > @now) AND scopes = @scopes AND audience = @audience
  ORDER BY id DESC LIMIT 1`;
const REVOKE = `UPDATE oauth2_consent_preconfiguration SET revoked = 1
  WHERE subject = @subject AND (@clientID IS NULL OR client_id = @clientID) AND revoked = 0`;
const LIST_FOR_SUBJECT = `SELECT ${COLUMNS} FROM oauth2_consent_preconfiguration WHERE subject = ? ORDER BY id DESC`;

export interface Consent {
  id: number;
  clientID: string;
  subject: string;
  /** Sorted, without duplicates. */
  scopes: string[];
  /** Sorted, without duplicates. */
  audience: string[];
  /** Seconds since the epoch. */
  createdAt: number;
  /** Seconds since the epoch; null = never. */
  expiresAt: number | null;
  revoked: boolean;
}

export interface ConsentGrant {
  clientID: string;
  /** A subject identifier from subjects.ts (the client's `sub` for the user). */
  subject: string;
  scopes: readonly string[];
  audience: readonly string[];
  /** Seconds since the epoch (see Storage.now); null = never. */
  expiresAt: number | null;
}

export interface ConsentRequest {
  clientID: string;
  subject: string;
  scopes: readonly string[];
  audience: readonly string[];
  /** Seconds since the epoch; defaults to Storage.now(). */
  now?: number;
}

interface ConsentRow {
  id: number;
  client_id: string;
  subject: string;
  created_at: number;
  expires_at: number | null;
  revoked: number;
  scopes: string;
  audience: string;
}

/** The canonical text of a set: sorted, deduplicated, JSON. Equal text ⇔ equal sets. */
function canonicalSet(values: readonly string[]): string {
  return JSON.stringify([...new Set(values)].sort());
}

function consentOf(row: ConsentRow): Consent {
  return {
    id: row.id,
    clientID: row.client_id,
    subject: row.subject,
    scopes: JSON.parse(row.scopes) as string[],
    audience: JSON.parse(row.audience) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revoked: row.revoked === 1,
  };
}

/** Remembers a consent; the subject must exist in user_opaque_identifier. */
export function saveConsent(storage: Storage, grant: ConsentGrant): Consent {
  const row = {
    client_id: grant.clientID,
    subject: grant.subject,
    created_at: storage.now(),
    expires_at: grant.expiresAt,
    revoked: 0,
    scopes: canonicalSet(grant.scopes),
    audience: canonicalSet(grant.audience),
  };
  let id: number | bigint;
  try {
    id = storage.statement(INSERT).run(row).lastInsertRowid;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      throw new StorageError('UNKNOWN_SUBJECT', `consent for client '${grant.clientID}' names subject '${grant.subject}', which is not a stored subject identifier`, { cause: error });
    }
    throw error;
  }
  return consentOf({ id: Number(id), ...row });
}

/** The newest remembered consent that answers this request exactly, if any. */
export function findConsent(storage: Storage, request: ConsentRequest): Consent | undefined {
  const row = storage.statement(FIND_MATCHING).get({
    clientID: request.clientID,
    subject: request.subject,
    now: request.now ?? storage.now(),
    scopes: canonicalSet(request.scopes),
    audience: canonicalSet(request.audience),
  }) as ConsentRow | undefined;
  return row && consentOf(row);
}

/** Revokes the subject's remembered consents, for one client or all; returns how many. */
export function revokeConsents(storage: Storage, options: { clientID?: string; subject: string }): number {
  return storage.statement(REVOKE).run({ subject: options.subject, clientID: options.clientID ?? null }).changes;
}

/** Every remembered consent of the subject, newest first, including revoked and expired ones. */
export function listConsents(storage: Storage, subject: string): Consent[] {
  return (storage.statement(LIST_FOR_SUBJECT).all(subject) as ConsentRow[]).map(consentOf);
}
