// scrypt digests, `$scrypt$ln=<log2 N>,r=<block size>,p=<parallelism>$<salt>$<key>` (RawStd base64),
// parameters defaulting to ln=16, r=8, p=1 as in go-crypt. yescrypt (`$y$`) is not implemented.
// Hashing runs on the libuv thread pool (node:crypto async scrypt) with a maxmem sized to the cost.
import { randomBytes, scrypt, type ScryptOptions as NodeScryptOptions } from 'node:crypto';
import { checkOptions, INT32_MAX, type OptionProblem } from './bounds.ts';
import { equalBytes } from './compare.ts';
import { DigestError, malformed } from './digest-error.ts';
import { decodeBase64, encodeBase64, parseInteger, parseParameters } from './encoding.ts';
import type { DigestBase } from './types.ts';

export const SCRYPT_VARIANTS = ['scrypt'] as const;
export type ScryptVariant = (typeof SCRYPT_VARIANTS)[number];

export interface ScryptDigest extends DigestBase<'scrypt', ScryptVariant> {
  /** log2 of the CPU/memory cost N (`ln`). */
  readonly iterations: number;
  /** `r` */
  readonly blockSize: number;
  /** `p` */
  readonly parallelism: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

export interface ScryptOptions {
  readonly variant: ScryptVariant;
  readonly iterations: number;
  readonly blockSize: number;
  readonly parallelism: number;
  readonly keyLength: number;
  readonly saltLength: number;
}

export const SCRYPT_DEFAULTS: ScryptOptions = {
  variant: 'scrypt', iterations: 16, blockSize: 8, parallelism: 1, keyLength: 32, saltLength: 16,
};

export const SCRYPT_BOUNDS = {
  iterations: { min: 1, max: 58 },
  blockSize: { min: 1, max: INT32_MAX },
  parallelism: { min: 1, max: 1073741823 },
  keyLength: { min: 1, max: INT32_MAX },
  saltLength: { min: 8, max: 1024 },
} as const;

function derive(password: string, salt: Buffer, keyLength: number, ln: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** ln;
  const options: NodeScryptOptions = { N, r, p, maxmem: 2 * 128 * N * r + 128 * r * p };
  return new Promise((resolve, reject) => {
    try {
      scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(tooCostly(error)) : resolve(key)));
    } catch (error) {
      reject(tooCostly(error));
    }
  });
}

function tooCostly(error: unknown): DigestError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DigestError('DIGEST_UNSUPPORTED', `scrypt parameters cannot be computed here: ${reason}`);
}

export function parseScrypt(fields: readonly string[], encoded: string): ScryptDigest {
  const [, , paramSection = '', saltText = '', keyText = ''] = fields;
  if (fields.length !== 5) throw malformed(`scrypt digest has ${fields.length - 1} fields but needs 4`);
  let { iterations, blockSize, parallelism } = SCRYPT_DEFAULTS;
  for (const [name, value] of parseParameters(paramSection, 'scrypt')) {
    if (name === 'ln') iterations = parseInteger(value, 'scrypt ln', SCRYPT_BOUNDS.iterations.min, SCRYPT_BOUNDS.iterations.max);
    else if (name === 'r') blockSize = parseInteger(value, 'scrypt block size (r)', 1, SCRYPT_BOUNDS.blockSize.max);
    else if (name === 'p') parallelism = parseInteger(value, 'scrypt parallelism (p)', 1, SCRYPT_BOUNDS.parallelism.max);
    else throw malformed(`scrypt parameter '${name}' is unknown`);
  }
  const salt = decodeBase64(saltText, 'scrypt salt');
  const key = decodeBase64(keyText, 'scrypt key');
  if (key.length === 0) throw malformed('scrypt key is empty');
  return Object.freeze({ algorithm: 'scrypt', variant: 'scrypt', encoded, iterations, blockSize, parallelism, salt, key });
}

export async function verifyScrypt(digest: ScryptDigest, password: string): Promise<boolean> {
  const key = await derive(password, digest.salt, digest.key.length, digest.iterations, digest.blockSize, digest.parallelism);
  return equalBytes(key, digest.key);
}

export function checkScryptOptions(options: ScryptOptions): OptionProblem[] {
  return checkOptions(options, SCRYPT_VARIANTS, SCRYPT_BOUNDS);
}

export async function generateScrypt(options: ScryptOptions, password: string): Promise<string> {
  const salt = randomBytes(options.saltLength);
  const key = await derive(password, salt, options.keyLength, options.iterations, options.blockSize, options.parallelism);
  const params = `ln=${options.iterations},r=${options.blockSize},p=${options.parallelism}`;
  return `$scrypt$${params}$${encodeBase64(salt)}$${encodeBase64(key)}`;
}
