// SHA-crypt digests, `$6$rounds=<n>$<salt>$<hash>` (SHA-512) and `$5$…` (SHA-256); rounds default
// to 5000 when absent and must lie in 1000..999999999 (go-crypt). Salts longer than 16 characters are
// truncated as the spec says. The computation always runs in the worker pool (sha2crypt-pool.ts).
import { checkOptions, type OptionProblem } from './bounds.ts';
import { equalBytes } from './compare.ts';
import { malformed } from './digest-error.ts';
import { CRYPT_ALPHABET, isCryptBase64, parseInteger, parseParameters } from './encoding.ts';
import { randomCharacters } from './random.ts';
import { runSHA2Crypt } from './sha2crypt-pool.ts';
import type { DigestBase } from './types.ts';

export const SHA2CRYPT_VARIANTS = ['sha512', 'sha256'] as const;
export type SHA2CryptVariant = (typeof SHA2CRYPT_VARIANTS)[number];

export interface SHA2CryptDigest extends DigestBase<'sha2crypt', SHA2CryptVariant> {
  readonly rounds: number;
  readonly salt: string;
  /** crypt base64, 86 characters (sha512) or 43 (sha256). */
  readonly hash: string;
}

export interface SHA2CryptOptions {
  readonly variant: SHA2CryptVariant;
  /** Rounds. */
  readonly iterations: number;
  readonly saltLength: number;
}

export const SHA2CRYPT_DEFAULTS: SHA2CryptOptions = { variant: 'sha512', iterations: 50000, saltLength: 16 };

export const SHA2CRYPT_BOUNDS = {
  iterations: { min: 1000, max: 999999999 },
  saltLength: { min: 1, max: 16 },
} as const;

/** Maps a digest identifier ('5' or '6') to its variant. */
export function sha2cryptVariantOf(identifier: string): SHA2CryptVariant | undefined {
  if (identifier === '5') return 'sha256';
  return identifier === '6' ? 'sha512' : undefined;
}

const DEFAULT_ROUNDS = 5000;
const MAX_SALT = 16;
const HASH_CHARS: Readonly<Record<SHA2CryptVariant, number>> = { sha512: 86, sha256: 43 };

export function parseSHA2Crypt(fields: readonly string[], encoded: string): SHA2CryptDigest {
  const variant = sha2cryptVariantOf(fields[1] ?? '');
  if (!variant) throw malformed('sha2crypt digest must start with $5$ or $6$');
  if (fields.length !== 4 && fields.length !== 5) throw malformed(`sha2crypt digest has ${fields.length - 1} fields but needs 3 or 4`);
  let rounds = DEFAULT_ROUNDS;
  if (fields.length === 5) {
    for (const [name, value] of parseParameters(fields[2] ?? '', 'sha2crypt')) {
      if (name !== 'rounds') throw malformed(`sha2crypt parameter '${name}' is unknown`);
      rounds = parseInteger(value, 'sha2crypt rounds', SHA2CRYPT_BOUNDS.iterations.min, SHA2CRYPT_BOUNDS.iterations.max);
    }
  }
  const salt = fields.at(-2) ?? '';
  const hash = fields.at(-1) ?? '';
  if (hash.length !== HASH_CHARS[variant]) throw malformed(`sha2crypt ${variant} hash has ${hash.length} characters but needs ${HASH_CHARS[variant]}`);
  if (!isCryptBase64(hash)) throw malformed('sha2crypt hash is not valid crypt base64');
  return Object.freeze({ algorithm: 'sha2crypt', variant, encoded, rounds, salt, hash });
}

function compute(variant: SHA2CryptVariant, password: string, salt: string, rounds: number): Promise<string> {
  const saltBytes = Buffer.from(salt, 'utf8').subarray(0, MAX_SALT);
  return runSHA2Crypt({ variant, password: Buffer.from(password, 'utf8'), salt: saltBytes, rounds });
}

export async function verifySHA2Crypt(digest: SHA2CryptDigest, password: string): Promise<boolean> {
  const hash = await compute(digest.variant, password, digest.salt, digest.rounds);
  return equalBytes(Buffer.from(hash, 'latin1'), Buffer.from(digest.hash, 'latin1'));
}

export function checkSHA2CryptOptions(options: SHA2CryptOptions): OptionProblem[] {
  return checkOptions(options, SHA2CRYPT_VARIANTS, SHA2CRYPT_BOUNDS);
}

export async function generateSHA2Crypt(options: SHA2CryptOptions, password: string): Promise<string> {
  const salt = randomCharacters(options.saltLength, CRYPT_ALPHABET);
  const hash = await compute(options.variant, password, salt, options.iterations);
  return `$${options.variant === 'sha512' ? '6' : '5'}$rounds=${options.iterations}$${salt}$${hash}`;
}
