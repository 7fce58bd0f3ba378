// Brute-force regulation, with Authelia 4.39's rule (internal/regulation/regulator.go): when a
// regulated attempt fails, the bucket's newest attempts within find_time are read newest first; a
// success ends the run, and max_retries failures in the run ban the bucket until ban_time after the
// newest of them. Attempts refused by a ban are logged but never counted, so a ban is not extended
// by knocking on it. Buckets are the username (folded like the file backend folds login names, so
// `John`, `JOHN` and `ＪＯＨＮ` are one bucket) and the client IP, as regulation.modes selects;
// max_retries 0 disables regulation. Everything is recorded in SQLite, so bans survive restarts and
// hold across processes sharing the database.
import { isIP } from 'node:net';
import type { RegulationConfig } from '../config/types.ts';
import { lastBanEnd, recentAttempts, recordAttempt, saveBan, type AttemptKind, type BanBucket } from '../storage/authentication-log.ts';
import type { Storage } from '../storage/database.ts';
import { foldLoginName } from './user-directory.ts';

export type { AttemptKind } from '../storage/authentication-log.ts';

/** The attempts whose failures count towards a ban: the first factor, as in Authelia 4.39. */
export const REGULATED_KINDS: readonly AttemptKind[] = ['1fa'];

export interface RegulatedClient {
  /** As typed in the form; folded before use. */
  readonly username: string;
  /** The client IP as the server sees it (IPv4-mapped IPv6 and spelling variants are canonicalised). */
  readonly ip?: string | undefined;
}

export interface RegulatedAttempt extends RegulatedClient {
  readonly kind: AttemptKind;
  readonly requestURI?: string | undefined;
  readonly requestMethod?: string | undefined;
}

export interface BanStatus {
  readonly banned: boolean;
  /** Whole seconds until every ban on the client has ended (at least 1), when banned. */
  readonly retryAfter?: number;
}

export interface RegulatorOptions {
  /** Attempt kinds whose failures count; defaults to REGULATED_KINDS. */
  readonly regulatedKinds?: readonly AttemptKind[];
}

export interface Regulator {
  /** False when max_retries is 0 or modes is empty: nothing is ever banned. */
  readonly enabled: boolean;
  /** Whether a ban on the username or the IP is in force now. */
  isBanned(client: RegulatedClient): BanStatus;
  /** Logs a failed attempt and bans what it pushes over max_retries; returns the resulting status. */
  recordFailure(attempt: RegulatedAttempt): BanStatus;
  /** Logs a successful attempt, which ends the run of failures before it. */
  recordSuccess(attempt: RegulatedAttempt): void;
  /** Logs an attempt refused, without a check, because isBanned said so. */
  recordBanned(attempt: RegulatedAttempt): void;
}

const NOT_BANNED: BanStatus = { banned: false };
const MAPPED_IPV4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * One spelling per address: IPv6 compressed and lower-cased (WHATWG URL serialisation), IPv4-mapped
 * IPv6 as dotted IPv4. Undefined for no address; anything that is not an IP is kept as given.
 */
export function canonicalIP(ip: string | undefined): string | undefined {
  if (ip === undefined || ip === '') return undefined;
  if (isIP(ip) !== 6 || ip.includes('%')) return ip;
  const compressed = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = MAPPED_IPV4.exec(compressed);
  if (!mapped) return compressed;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

interface Bucket {
  readonly bucket: BanBucket;
  readonly value: string;
}

export function createRegulator(storage: Storage, config: RegulationConfig, options: RegulatorOptions = {}): Regulator {
  const kinds = options.regulatedKinds ?? REGULATED_KINDS;
  const enabled = config.max_retries > 0 && config.modes.length > 0;

  function bucketsOf(client: RegulatedClient): Bucket[] {
    if (!enabled) return [];
    const buckets: Bucket[] = [];
    const username = foldLoginName(client.username);
    const ip = canonicalIP(client.ip);
    if (config.modes.includes('user') && username !== '') buckets.push({ bucket: 'user', value: username });
    if (config.modes.includes('ip') && ip !== undefined) buckets.push({ bucket: 'ip', value: ip });
    return buckets;
  }

  function status(client: RegulatedClient): BanStatus {
    const now = storage.now();
    const ends = bucketsOf(client).map(({ bucket, value }) => lastBanEnd(storage, bucket, value, now) ?? 0);
    const end = Math.max(0, ...ends);
    return end > now ? { banned: true, retryAfter: end - now } : NOT_BANNED;
  }

  /** Authelia's `expires`: when a ban decided now would end, if the run warrants one. */
  function banEnd({ bucket, value }: Bucket): number | undefined {
    const attempts = recentAttempts(storage, { bucket, value, since: storage.now() - config.find_time, kinds, limit: config.max_retries });
    const failures: number[] = [];
    for (const attempt of attempts) {
      if (attempt.successful) break;
      failures.push(attempt.time);
    }
    return failures.length >= config.max_retries ? failures[0]! + config.ban_time : undefined;
  }

  function record(attempt: RegulatedAttempt, successful: boolean, banned: boolean): void {
    recordAttempt(storage, {
      username: foldLoginName(attempt.username),
      kind: attempt.kind,
      successful,
      banned,
      remoteIP: canonicalIP(attempt.ip),
      requestURI: attempt.requestURI,
      requestMethod: attempt.requestMethod,
    });
  }

  return {
    enabled,
    isBanned: status,
    recordFailure(attempt: RegulatedAttempt): BanStatus {
      record(attempt, false, false);
      if (kinds.includes(attempt.kind)) {
        for (const bucket of bucketsOf(attempt)) {
          const end = banEnd(bucket);
          if (end !== undefined) saveBan(storage, bucket.bucket, bucket.value, end);
        }
      }
      return status(attempt);
    },
    recordSuccess(attempt: RegulatedAttempt): void {
      record(attempt, true, false);
    },
    recordBanned(attempt: RegulatedAttempt): void {
      record(attempt, false, true);
    },
  };
}
