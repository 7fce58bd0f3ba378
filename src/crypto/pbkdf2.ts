// PBKDF2 digests, `$pbkdf2-sha512$<iterations>$<salt>$<key>` (`$pbkdf2$` is SHA-1), with salt and key
// in passlib's adapted base64. The key length is the hash size; verification uses the stored key's
// length, as go-crypt does. Hashing runs on the libuv thread pool (node:crypto async pbkdf2).
import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { checkOptions, INT32_MAX, type OptionProblem } from './bounds.ts';
import { equalBytes } from './compare.ts';
import { malformed, unsupported } from './digest-error.ts';
import { decodeAdaptedBase64, encodeAdaptedBase64, parseInteger } from './encoding.ts';
import type { DigestBase } from './types.ts';

const pbkdf2Async = promisify(pbkdf2);

export const PBKDF2_VARIANTS = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type PBKDF2Variant = (typeof PBKDF2_VARIANTS)[number];

export interface PBKDF2Digest extends DigestBase<'pbkdf2', PBKDF2Variant> {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

export interface PBKDF2Options {
  readonly variant: PBKDF2Variant;
  /** Defaults per variant (PBKDF2_DEFAULT_ITERATIONS) when left out of GenerateOptions. */
  readonly iterations: number;
  readonly saltLength: number;
}

/** Authelia's per-variant iteration defaults (OWASP 2023). */
export const PBKDF2_DEFAULT_ITERATIONS: Readonly<Record<PBKDF2Variant, number>> = {
  sha1: 1600000, sha224: 900000, sha256: 700000, sha384: 280000, sha512: 310000,
};

export const PBKDF2_DEFAULTS = { variant: 'sha512', iterations: PBKDF2_DEFAULT_ITERATIONS, saltLength: 16 } as const;

export const PBKDF2_BOUNDS = {
  iterations: { min: 100000, max: INT32_MAX },
  saltLength: { min: 8, max: INT32_MAX },
} as const;

const KEY_LENGTHS: Readonly<Record<PBKDF2Variant, number>> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

export function isPBKDF2Variant(name: string): name is PBKDF2Variant {
  return (PBKDF2_VARIANTS as readonly string[]).includes(name);
}

/** Maps a digest identifier ('pbkdf2', 'pbkdf2-sha256', …) to its variant. */
export function pbkdf2VariantOf(identifier: string): PBKDF2Variant | undefined {
  if (identifier === 'pbkdf2') return 'sha1';
  const name = identifier.startsWith('pbkdf2-') ? identifier.slice('pbkdf2-'.length) : '';
  return isPBKDF2Variant(name) ? name : undefined;
}

export function parsePBKDF2(fields: readonly string[], encoded: string): PBKDF2Digest {
  const [, identifier = '', iterationsText = '', saltText = '', keyText = ''] = fields;
  const variant = pbkdf2VariantOf(identifier);
  if (!variant) throw unsupported(`unsupported pbkdf2 variant '${identifier}'`);
  if (fields.length !== 5) throw malformed(`pbkdf2 digest has ${fields.length - 1} fields but needs 4`);
  const iterations = parseInteger(iterationsText, 'pbkdf2 iterations', 1, INT32_MAX);
  const salt = decodeAdaptedBase64(saltText, 'pbkdf2 salt');
  const key = decodeAdaptedBase64(keyText, 'pbkdf2 key');
  if (key.length === 0) throw malformed('pbkdf2 key is empty');
  return Object.freeze({ algorithm: 'pbkdf2', variant, encoded, iterations, salt, key });
}

export async function verifyPBKDF2(digest: PBKDF2Digest, password: string): Promise<boolean> {
  const key = await pbkdf2Async(password, digest.salt, digest.iterations, digest.key.length, digest.variant);
  return equalBytes(key, digest.key);
}

export function checkPBKDF2Options(options: PBKDF2Options): OptionProblem[] {
  return checkOptions(options, PBKDF2_VARIANTS, PBKDF2_BOUNDS);
}

export async function generatePBKDF2(options: PBKDF2Options, password: string): Promise<string> {
  const salt = randomBytes(options.saltLength);
  const key = await pbkdf2Async(password, salt, options.iterations, KEY_LENGTHS[options.variant], options.variant);
  const identifier = options.variant === 'sha1' ? 'pbkdf2' : `pbkdf2-${options.variant}`;
  return `$${identifier}$${options.iterations}$${encodeAdaptedBase64(salt)}$${encodeAdaptedBase64(key)}`;
}
