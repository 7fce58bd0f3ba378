// The digest a login is checked against when its name matches no user, so that an unknown name
// costs the same hashing work as a known one (ASVS 6.3.8: no enumeration through response times).
// It copies the algorithm and cost shared by most users, is made once per load, and matches nothing.
import { randomBytes } from 'node:crypto';
import {
  DIGEST_DEFAULTS, generateDigest, parseDigest, validateGenerateOptions, type Digest, type GenerateOptions,
} from '../crypto/digest.ts';

export interface DummyDigest {
  /** The cost class it was made for (see costClass); a reload with the same class keeps it. */
  readonly costClass: string;
  readonly digest: Digest;
}

/** What sets the hashing work of a digest: algorithm, variant and cost parameters, not salt or key. */
export function costClass(digest: Digest): string {
  switch (digest.algorithm) {
    case 'argon2': return `${digest.variant} m=${digest.memory} t=${digest.iterations} p=${digest.parallelism} k=${digest.key.length}`;
    case 'pbkdf2': return `pbkdf2-${digest.variant} i=${digest.iterations} k=${digest.key.length}`;
    case 'scrypt': return `scrypt ln=${digest.iterations} r=${digest.blockSize} p=${digest.parallelism} k=${digest.key.length}`;
    case 'bcrypt': return `bcrypt-${digest.variant} cost=${digest.cost}`;
    case 'sha2crypt': return `sha2crypt-${digest.variant} rounds=${digest.rounds}`;
    case 'plaintext': return 'plaintext';
  }
}

/** Options that make a new digest of the same cost class, or undefined when there are none. */
function sameCost(digest: Digest): GenerateOptions | undefined {
  switch (digest.algorithm) {
    case 'argon2': return {
      algorithm: 'argon2', variant: digest.variant, memory: digest.memory, iterations: digest.iterations,
      parallelism: digest.parallelism, keyLength: digest.key.length, saltLength: digest.salt.length,
    };
    case 'pbkdf2': return { algorithm: 'pbkdf2', variant: digest.variant, iterations: digest.iterations, saltLength: digest.salt.length };
    case 'scrypt': return {
      algorithm: 'scrypt', iterations: digest.iterations, blockSize: digest.blockSize, parallelism: digest.parallelism,
      keyLength: digest.key.length, saltLength: digest.salt.length,
    };
    case 'bcrypt': return { algorithm: 'bcrypt', variant: digest.variant, cost: digest.cost };
    case 'sha2crypt': return { algorithm: 'sha2crypt', variant: digest.variant, iterations: digest.rounds, saltLength: Math.min(digest.salt.length, 16) };
    case 'plaintext': return undefined;
  }
}

/** The digest of the most common cost class (the first in file order on a tie). */
function mostCommon(digests: Iterable<Digest>): { costClass: string; digest: Digest } | undefined {
  const classes = new Map<string, { digest: Digest; count: number }>();
  for (const digest of digests) {
    const key = costClass(digest);
    const entry = classes.get(key);
    if (entry) entry.count++;
    else classes.set(key, { digest, count: 1 });
  }
  let best: { costClass: string; digest: Digest; count: number } | undefined;
  for (const [key, entry] of classes) if (!best || entry.count > best.count) best = { costClass: key, ...entry };
  return best;
}

/**
 * A dummy for the users' most common cost class; `previous` is returned when the class is unchanged.
 * With no users it has Authelia's default cost. When the parameters are outside what generateDigest
 * will make (say bcrypt cost 4), the representative user's own digest serves: the result of a check
 * against the dummy is always discarded, so it only has to cost the same.
 */
export async function createDummyDigest(digests: Iterable<Digest>, previous?: DummyDigest): Promise<DummyDigest> {
  const common = mostCommon(digests);
  const key = common?.costClass ?? 'default';
  if (previous?.costClass === key) return previous;
  if (!common) return { costClass: key, digest: await matchingNothing({ algorithm: 'argon2', ...DIGEST_DEFAULTS.argon2 }) };
  const options = sameCost(common.digest);
  const usable = options !== undefined && validateGenerateOptions(options).length === 0;
  return { costClass: key, digest: usable ? await matchingNothing(options) : common.digest };
}

/** A digest of a random password nobody knows. */
async function matchingNothing(options: GenerateOptions): Promise<Digest> {
  return parseDigest(await generateDigest(options, randomBytes(24).toString('base64url')));
}
