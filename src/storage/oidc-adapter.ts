// oidc-provider's Adapter over the one table oidc_payloads (sessions, interactions, grants, codes,
// tokens, …). Guarantees: rows are keyed by SHA-256 of the id, so a copy of the database yields no
// usable token, code or session id; expiry is honoured on every read; consume is one conditional
// UPDATE, so of two racing consumers exactly one succeeds; revokeByGrantId is one DELETE.
// Upserts issued in the same event-loop turn are committed together, in one transaction (a commit
// costs more than the row on this storage); each upsert resolves only once its row is committed, and
// an operation on a row with a pending write (same id, uid or user code) commits the batch first, so
// no read ever misses an earlier write.
// Contract: panva/node-oidc-provider example/my_adapter.js; reference: lib/adapters/memory_adapter.js.
import { hash } from 'node:crypto';
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { Storage } from './database.ts';
import { purgeGrantAudiences } from './grant-audience.ts';
import { StorageError } from './errors.ts';
import { decrypt, encrypt } from './secrets.ts';

const UPSERT = `INSERT OR REPLACE INTO oidc_payloads
  (model, id_hash, sealed_id, id_is_jti, payload, grant_id, user_code, uid, expires_at, consumed_at)
  VALUES (@model, @idHash, @sealedID, @idIsJTI, @payload, @grantID, @userCode, @uid, @expiresAt, @consumedAt)`;
const FIND = `SELECT payload, id_is_jti, consumed_at, uid FROM oidc_payloads
  WHERE model = ? AND id_hash = ? AND (expires_at IS NULL OR expires_at > ?)`;
// (model, uid) is unique (migration 0006): an upsert with a uid replaces the older row of that uid.
const FIND_BY_UID = `SELECT payload, id_is_jti, sealed_id, consumed_at FROM oidc_payloads
  WHERE model = ? AND uid = ? AND (expires_at IS NULL OR expires_at > ?)`;
const FIND_BY_USER_CODE = `SELECT payload, id_is_jti, sealed_id, consumed_at FROM oidc_payloads
  WHERE model = ? AND user_code = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY rowid DESC LIMIT 1`;
const CONSUME = `UPDATE oidc_payloads SET consumed_at = ? WHERE model = ? AND id_hash = ? AND consumed_at IS NULL`;
const DESTROY = `DELETE FROM oidc_payloads WHERE model = ? AND id_hash = ?`;
const REVOKE_BY_GRANT_ID = `DELETE FROM oidc_payloads WHERE grant_id = ?`;
const PURGE_EXPIRED_BATCH = `DELETE FROM oidc_payloads WHERE rowid IN
  (SELECT rowid FROM oidc_payloads WHERE expires_at <= ? LIMIT ?)`;

/** Rows deleted per statement by purgeExpired, so a purge never holds the write lock for long. */
const PURGE_BATCH_SIZE = 500;

/**
 * Models whose grantId ties them to a grant (memory_adapter.js `grantable`). Only these rows carry
 * grant_id, so revoking a grant removes its codes and tokens but not an Interaction that names it.
 */
const GRANT_BOUND_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

export interface AdapterOptions {
  /** Seconds rows outlive their expiresIn, as oidc-provider's clockTolerance (default 0). */
  clockTolerance?: number;
}

interface PayloadRow {
  payload: string;
  uid?: string | null;
  id_is_jti: number;
  sealed_id?: Buffer | null;
  consumed_at: number | null;
}

function idHash(id: string): Buffer {
  return hash('sha256', id, 'buffer');
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The stored row back as the payload upsert was given, plus `consumed` when consume() ran. */
function payloadOf(storage: Storage, row: PayloadRow | undefined, id?: string): AdapterPayload | undefined {
  if (row === undefined) return undefined;
  const payload = JSON.parse(row.payload) as AdapterPayload;
  if (row.id_is_jti === 1) {
    const jti = id ?? (row.sealed_id ? decrypt(storage, row.sealed_id).toString('utf8') : undefined);
    if (jti !== undefined) payload.jti = jti;
  }
  if (row.consumed_at !== null && payload.consumed === undefined) payload.consumed = row.consumed_at;
  return payload;
}

type UpsertRow = Record<string, string | number | Buffer | null>;

interface PendingUpsert {
  readonly row: UpsertRow;
  resolve(): void;
  reject(error: unknown): void;
}

interface WriteBatch {
  /** Queues a row; resolves once it is committed. */
  write(row: UpsertRow, keys: readonly string[]): Promise<void>;
  /** Commits everything queued, now. */
  flush(): void;
  /** Commits everything queued if a queued row has this key; says whether it did. */
  flushFor(key: string): boolean;
}

/** What a queued row is found by: its id, and its uid and user code where it has them. */
const idKey = (model: string, hashed: Buffer): string => `id ${model} ${hashed.toString('base64')}`;
const uidKey = (model: string, uid: string): string => `uid ${model} ${uid}`;
const userCodeKey = (model: string, userCode: string): string => `user_code ${model} ${userCode}`;

const batches = new WeakMap<Storage, WriteBatch>();

/** The upsert batch of `storage`: one per handle, whichever adapter classes share it. */
function writeBatch(storage: Storage): WriteBatch {
  let batch = batches.get(storage);
  if (batch) return batch;
  let pending: PendingUpsert[] = [];
  const pendingKeys = new Set<string>();
  let scheduled = false;
  const commitAll = storage.db.transaction((rows: readonly PendingUpsert[]) => {
    for (const { row } of rows) storage.statement(UPSERT).run(row);
  });
  function flush(): void {
    const rows = pending;
    pending = [];
    pendingKeys.clear();
    if (rows.length === 0) return;
    try {
      commitAll.immediate(rows);
    } catch (error) {
      // A busy or closed database fails the whole batch; a row SQLite refuses (a constraint) must
      // not fail the others: then each is tried alone, and only its own upsert fails.
      if (!String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_CONSTRAINT')) {
        for (const upsert of rows) upsert.reject(error);
        return;
      }
      for (const upsert of rows) {
        try {
          storage.statement(UPSERT).run(upsert.row);
        } catch (error) {
          upsert.reject(error);
          continue;
        }
        upsert.resolve();
      }
      return;
    }
    for (const upsert of rows) upsert.resolve();
  }
  batch = {
    write(row, keys) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ row, resolve, reject });
        for (const key of keys) pendingKeys.add(key);
        if (scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      });
    },
    flush,
    flushFor(key) {
      if (!pendingKeys.has(key)) return false;
      flush();
      return true;
    },
  };
  batches.set(storage, batch);
  return batch;
}

/** Commits the upserts still queued on `storage` (before it closes). */
export function commitPendingWrites(storage: Storage): void {
  batches.get(storage)?.flush();
}

/** An oidc-provider `adapter` (a class it instantiates per model) backed by `storage`. */
export function createOIDCAdapter(storage: Storage, options: AdapterOptions = {}): AdapterConstructor {
  const clockTolerance = options.clockTolerance ?? 0;
  const batch = writeBatch(storage);

  return class SQLiteAdapter implements Adapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const now = storage.now();
      const { jti, ...rest } = payload;
      const idIsJTI = jti === id;
      const uid = optionalString(payload.uid);
      const userCode = optionalString(payload.userCode);
      const hashed = idHash(id);
      const keys = [idKey(this.model, hashed), ...(uid !== null ? [uidKey(this.model, uid)] : []), ...(userCode !== null ? [userCodeKey(this.model, userCode)] : [])];
      return batch.write({
        model: this.model,
        idHash: hashed,
        sealedID: uid !== null || userCode !== null ? encrypt(storage, id) : null,
        idIsJTI: idIsJTI ? 1 : 0,
        payload: JSON.stringify(idIsJTI ? rest : payload),
        grantID: GRANT_BOUND_MODELS.has(this.model) ? optionalString(payload.grantId) : null,
        userCode,
        uid,
        expiresAt: typeof expiresIn === 'number' ? now + Math.ceil(expiresIn + clockTolerance) : null,
        consumedAt: payload.consumed ? (typeof payload.consumed === 'number' ? payload.consumed : now) : null,
      }, keys);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const hashed = idHash(id);
      batch.flushFor(idKey(this.model, hashed));
      const read = (): PayloadRow | undefined => storage.statement(FIND).get(this.model, hashed, storage.now()) as PayloadRow | undefined;
      const row = read();
      // A queued row with the same uid replaces this one when committed: answer as after that commit.
      return payloadOf(storage, row?.uid && batch.flushFor(uidKey(this.model, row.uid)) ? read() : row, id);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      batch.flushFor(uidKey(this.model, uid));
      return payloadOf(storage, storage.statement(FIND_BY_UID).get(this.model, uid, storage.now()) as PayloadRow | undefined);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      batch.flushFor(userCodeKey(this.model, userCode));
      return payloadOf(storage, storage.statement(FIND_BY_USER_CODE).get(this.model, userCode, storage.now()) as PayloadRow | undefined);
    }

    /**
     * Marks the row consumed, only if nobody did before. oidc-provider checks `consumed` after a
     * find and before this call, so a concurrent second redemption lands here and is rejected.
     */
    async consume(id: string): Promise<void> {
      const hashed = idHash(id);
      batch.flushFor(idKey(this.model, hashed));
      const { changes } = storage.statement(CONSUME).run(storage.now(), this.model, hashed);
      if (changes !== 1) throw new StorageError('ALREADY_CONSUMED', `${this.model} was already consumed or no longer exists`);
    }

    async destroy(id: string): Promise<void> {
      const hashed = idHash(id);
      // Committed first, so a queued write cannot bring the row back after the delete.
      batch.flushFor(idKey(this.model, hashed));
      storage.statement(DESTROY).run(this.model, hashed);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // Rare, and any queued row may belong to the grant.
      batch.flush();
      storage.statement(REVOKE_BY_GRANT_ID).run(grantId);
    }
  };
}

/**
 * Deletes expired rows, PURGE_BATCH_SIZE per statement, and returns how many went. Between batches it
 * yields to the event loop: after a long pause (or a large expiry wave) there may be hundreds of
 * thousands of rows, and one synchronous loop over them would stall every request for seconds and
 * let the WAL grow by the whole deletion before any checkpoint could run.
 */
export async function purgeExpired(storage: Storage): Promise<number> {
  const now = storage.now();
  let total = 0;
  let changes: number;
  do {
    if (!storage.db.open) return total;
    changes = storage.statement(PURGE_EXPIRED_BATCH).run(now, PURGE_BATCH_SIZE).changes;
    total += changes;
    if (changes === PURGE_BATCH_SIZE) await new Promise<void>((resolve) => setImmediate(resolve));
  } while (changes === PURGE_BATCH_SIZE);
  return storage.db.open ? total + purgeGrantAudiences(storage) : total;
}

/**
 * Runs purgeExpired every `intervalMs` on a timer that does not keep the process alive (a purge
 * still running when the next is due is not doubled); returns the function that stops it.
 * Failures go to `onError` (default: a process warning).
 */
export function startPurging(storage: Storage, intervalMs: number, onError: (error: unknown) => void = warn): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (!storage.db.open || running) return;
    running = true;
    purgeExpired(storage).catch(onError).finally(() => {
      running = false;
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function warn(error: unknown): void {
  process.emitWarning(`purging expired oidc_payloads failed: ${error instanceof Error ? error.message : String(error)}`);
}
