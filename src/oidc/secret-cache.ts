// Remembers successful client secret verifications for a few minutes, so a client whose secret is
// a deliberately slow digest (pbkdf2-sha512 at 310000 iterations: ~150 ms of CPU) does not pay it on
// every token request. The key is an HMAC, under a random key made at start and never stored, of the
// client id, its configured digest and the presented secret: the secret itself is never kept, a
// changed digest misses, and failures are never remembered (so guessing stays slow).
import { createHmac, randomBytes } from 'node:crypto';

export interface VerificationCache {
  has(clientID: string, digest: string, secret: string): boolean;
  remember(clientID: string, digest: string, secret: string): void;
}

export interface VerificationCacheOptions {
  readonly ttlSeconds?: number;
  readonly maxEntries?: number;
  /** Milliseconds, like Date.now. */
  readonly now?: () => number;
}

export function createVerificationCache(options: VerificationCacheOptions = {}): VerificationCache {
  const key = randomBytes(32);
  const ttl = (options.ttlSeconds ?? 300) * 1000;
  const maxEntries = options.maxEntries ?? 1024;
  const now = options.now ?? Date.now;
  const entries = new Map<string, number>();
  const id = (clientID: string, digest: string, secret: string): string =>
    createHmac('sha256', key).update(clientID).update('\0').update(digest).update('\0').update(secret).digest('base64url');
  return {
    has(clientID, digest, secret): boolean {
      const k = id(clientID, digest, secret);
      const expires = entries.get(k);
      if (expires === undefined) return false;
      if (expires <= now()) {
        entries.delete(k);
        return false;
      }
      return true;
    },
    remember(clientID, digest, secret): void {
      const k = id(clientID, digest, secret);
      entries.delete(k);
      entries.set(k, now() + ttl);
      // Maps keep insertion order: the first entry is the oldest.
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}
