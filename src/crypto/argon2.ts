// Argon2 digests, `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>` (PHC string, RawStd base64).
// Parameters may come in any order and default as go-crypt does (t=1, p=4, m=32768); only v=19 exists.
// Hashing runs on the libuv thread pool through @node-rs/argon2's async hashRaw.
import { randomBytes } from 'node:crypto';
import { hashRaw, type Algorithm, type Options } from '@node-rs/argon2';
import { checkOptions, UINT32_MAX, type OptionProblem } from './bounds.ts';
import { equalBytes } from './compare.ts';
import { malformed, unsupported } from './digest-error.ts';
import { decodeBase64, encodeBase64, parseInteger, parseParameters } from './encoding.ts';
import type { DigestBase } from './types.ts';

export const ARGON2_VARIANTS = ['argon2id', 'argon2i', 'argon2d'] as const;
export type Argon2Variant = (typeof ARGON2_VARIANTS)[number];

export interface Argon2Digest extends DigestBase<'argon2', Argon2Variant> {
  /** Memory in KiB (`m`). */
  readonly memory: number;
  /** Passes (`t`). */
  readonly iterations: number;
  /** Lanes (`p`). */
  readonly parallelism: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

export interface Argon2Options {
  readonly variant: Argon2Variant;
  readonly iterations: number;
  readonly memory: number;
  readonly parallelism: number;
  readonly keyLength: number;
  readonly saltLength: number;
}

export const ARGON2_DEFAULTS: Argon2Options = {
  variant: 'argon2id', iterations: 3, memory: 65536, parallelism: 4, keyLength: 32, saltLength: 16,
};

/** Authelia's bounds, except the salt minimum: @node-rs/argon2 needs at least 8 bytes. */
export const ARGON2_BOUNDS = {
  iterations: { min: 1, max: UINT32_MAX },
  memory: { min: 8, max: UINT32_MAX },
  parallelism: { min: 1, max: 16777215 },
  keyLength: { min: 4, max: UINT32_MAX },
  saltLength: { min: 8, max: UINT32_MAX },
} as const;

const VERSION = 19;
// @node-rs/argon2 declares these as a const enum, which type stripping cannot read.
const ALGORITHM_IDS: Record<Argon2Variant, Algorithm> = { argon2d: 0 as Algorithm, argon2i: 1 as Algorithm, argon2id: 2 as Algorithm };
const VERSION_0X13 = 1 as Options['version'];

export function isArgon2Variant(identifier: string): identifier is Argon2Variant {
  return (ARGON2_VARIANTS as readonly string[]).includes(identifier);
}

/** `fields` is the digest split on '$' (fields[1] is the variant). */
export function parseArgon2(fields: readonly string[], encoded: string): Argon2Digest {
  const [, variant = '', versionSection = '', paramSection = '', saltText = '', keyText = ''] = fields;
  if (!isArgon2Variant(variant)) throw unsupported(`unsupported argon2 variant '${variant}'`);
  if (fields.length !== 6) throw malformed(`argon2 digest has ${fields.length - 1} fields but needs 5`);
  const params = parseParameters(`${versionSection},${paramSection}`, 'argon2');
  let memory = 32 * 1024;
  let iterations = 1;
  let parallelism = 4;
  let version: number | undefined;
  for (const [name, value] of params) {
    if (name === 'v') version = parseInteger(value, 'argon2 version', 0, 255);
    else if (name === 'm') memory = parseInteger(value, 'argon2 memory (m)', 1, UINT32_MAX);
    else if (name === 't') iterations = parseInteger(value, 'argon2 iterations (t)', 1, UINT32_MAX);
    else if (name === 'p') parallelism = parseInteger(value, 'argon2 parallelism (p)', 1, ARGON2_BOUNDS.parallelism.max);
    else if (name !== 'k') throw malformed(`argon2 parameter '${name}' is unknown`);
  }
  if (version === undefined) throw malformed('argon2 digest has no version (v=19)');
  if (version !== VERSION) throw unsupported(`argon2 version ${version} is not supported, only v=${VERSION}`);
  if (memory < 8 * parallelism) throw malformed(`argon2 memory (m) must be at least 8 times the parallelism (p) but is ${memory}`);
  const salt = decodeBase64(saltText, 'argon2 salt');
  const key = decodeBase64(keyText, 'argon2 key');
  if (salt.length < ARGON2_BOUNDS.saltLength.min) throw unsupported(`argon2 salt has ${salt.length} bytes but at least ${ARGON2_BOUNDS.saltLength.min} are supported`);
  if (key.length < ARGON2_BOUNDS.keyLength.min) throw malformed(`argon2 key has ${key.length} bytes but needs at least ${ARGON2_BOUNDS.keyLength.min}`);
  return Object.freeze({ algorithm: 'argon2', variant, encoded, memory, iterations, parallelism, salt, key });
}

function derive(variant: Argon2Variant, password: string, salt: Buffer, p: Omit<Argon2Options, 'variant' | 'saltLength'>): Promise<Buffer> {
  return hashRaw(password, {
    algorithm: ALGORITHM_IDS[variant], version: VERSION_0X13, salt,
    memoryCost: p.memory, timeCost: p.iterations, parallelism: p.parallelism, outputLen: p.keyLength,
  });
}

export async function verifyArgon2(digest: Argon2Digest, password: string): Promise<boolean> {
  const key = await derive(digest.variant, password, digest.salt, { ...digest, keyLength: digest.key.length });
  return equalBytes(key, digest.key);
}

export function checkArgon2Options(options: Argon2Options): OptionProblem[] {
  const problems = checkOptions(options, ARGON2_VARIANTS, ARGON2_BOUNDS);
  const related = problems.some((p) => p.option === 'memory' || p.option === 'parallelism');
  if (!related && options.memory < 8 * options.parallelism) {
    problems.push({ option: 'memory', message: `must be at least 8 times the parallelism (${8 * options.parallelism}) but is ${options.memory}` });
  }
  return problems;
}

export async function generateArgon2(options: Argon2Options, password: string): Promise<string> {
  const salt = randomBytes(options.saltLength);
  const key = await derive(options.variant, password, salt, options);
  const params = `m=${options.memory},t=${options.iterations},p=${options.parallelism}`;
  return `$${options.variant}$v=${VERSION}$${params}$${encodeBase64(salt)}$${encodeBase64(key)}`;
}
