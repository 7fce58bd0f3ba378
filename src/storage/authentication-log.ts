// The authentication log (every first- and second-factor attempt, Authelia's authentication_logs)
// and the bans regulation decides from it (Authelia's banned_user and banned_ip). Rows are only
// appended: a ban ends by expiring, so the log stays a faithful record of what happened.
import type { Storage } from './database.ts';

export type AttemptKind = '1fa' | 'totp' | 'webauthn';

/** What a ban applies to: a folded username, or a canonical client IP. */
export type BanBucket = 'user' | 'ip';

const INSERT_ATTEMPT = `INSERT INTO authentication_logs (time, successful, banned, username, kind, remote_ip, request_uri, request_method)
  VALUES (@time, @successful, @banned, @username, @kind, @remote_ip, @request_uri, @request_method)`;
const RECENT_FILTER = `time > @since AND banned = 0 AND kind IN (SELECT value FROM json_each(@kinds))
  ORDER BY time DESC, id DESC LIMIT @limit`;
const RECENT_BY_USER = `SELECT time, successful FROM authentication_logs WHERE username = @value AND ${RECENT_FILTER}`;
const RECENT_BY_IP = `SELECT time, successful FROM authentication_logs WHERE remote_ip = @value AND ${RECENT_FILTER}`;
const INSERT_BAN = `INSERT INTO regulation_bans (bucket, value, created_at, expires_at) VALUES (?, ?, ?, ?)`;
const BAN_END = `SELECT MAX(expires_at) AS expires_at FROM regulation_bans
  WHERE bucket = ? AND value = ? AND revoked = 0 AND expires_at > ?`;

export interface AuthenticationAttempt {
  /** Folded (foldLoginName); '' when the form gave none. */
  username: string;
  kind: AttemptKind;
  successful: boolean;
  /** Refused without a check because a ban was in force. */
  banned: boolean;
  /** Canonical client IP; undefined when unknown. */
  remoteIP?: string | undefined;
  requestURI?: string | undefined;
  requestMethod?: string | undefined;
}

export interface LoggedAttempt {
  /** Seconds since the epoch. */
  time: number;
  successful: boolean;
}

export interface RecentAttemptsQuery {
  bucket: BanBucket;
  value: string;
  /** Only attempts strictly after this time (seconds since the epoch). */
  since: number;
  kinds: readonly AttemptKind[];
  limit: number;
}

/** Appends one attempt at Storage.now(). */
export function recordAttempt(storage: Storage, attempt: AuthenticationAttempt): void {
  storage.statement(INSERT_ATTEMPT).run({
    time: storage.now(),
    successful: attempt.successful ? 1 : 0,
    banned: attempt.banned ? 1 : 0,
    username: attempt.username,
    kind: attempt.kind,
    remote_ip: attempt.remoteIP ?? null,
    request_uri: attempt.requestURI ?? '',
    request_method: attempt.requestMethod ?? '',
  });
}

/** The bucket's newest attempts of these kinds that were checked (not refused by a ban), newest first. */
export function recentAttempts(storage: Storage, query: RecentAttemptsQuery): LoggedAttempt[] {
  const rows = storage.statement(query.bucket === 'user' ? RECENT_BY_USER : RECENT_BY_IP).all({
    value: query.value,
    since: query.since,
    kinds: JSON.stringify(query.kinds),
    limit: query.limit,
  }) as { time: number; successful: number }[];
  return rows.map((row) => ({ time: row.time, successful: row.successful === 1 }));
}

/** Bans the bucket's value until `expiresAt` (seconds since the epoch). */
export function saveBan(storage: Storage, bucket: BanBucket, value: string, expiresAt: number): void {
  storage.statement(INSERT_BAN).run(bucket, value, storage.now(), expiresAt);
}

/** When the latest ban in force on the bucket's value ends (seconds since the epoch), if one is. */
export function lastBanEnd(storage: Storage, bucket: BanBucket, value: string, now = storage.now()): number | undefined {
  return (storage.statement(BAN_END).get(bucket, value, now) as { expires_at: number | null }).expires_at ?? undefined;
}
