// Password and client-secret digests in the formats Authelia (go-crypt) reads and writes.
// parseDigest is synchronous and cheap (format checks only) so the config validator can call it on
// every secret; verifyDigest and generateDigest never hash on the event loop (libuv thread pool,
// native async bindings, or the SHA-crypt worker pool), run at most MAX_CONCURRENT_HASHES hashes at
// once (hash-queue.ts) and compare in constant time.
import {
  ARGON2_BOUNDS, ARGON2_DEFAULTS, checkArgon2Options, generateArgon2, isArgon2Variant, parseArgon2, verifyArgon2,
  type Argon2Digest, type Argon2Options,
} from './argon2.ts';
import {
  BCRYPT_BOUNDS, BCRYPT_DEFAULTS, checkBcryptOptions, generateBcrypt, isBcryptVersion, parseBcrypt, verifyBcrypt,
  type BcryptDigest, type BcryptOptions,
} from './bcrypt.ts';
import type { OptionProblem } from './bounds.ts';
import { DigestError, malformed, unsupported } from './digest-error.ts';
import { queueHash } from './hash-queue.ts';
import {
  checkPBKDF2Options, generatePBKDF2, parsePBKDF2, pbkdf2VariantOf, PBKDF2_BOUNDS, PBKDF2_DEFAULT_ITERATIONS, PBKDF2_DEFAULTS,
  verifyPBKDF2, type PBKDF2Digest, type PBKDF2Options,
} from './pbkdf2.ts';
import { parsePlaintext, PLAINTEXT_PREFIX, verifyPlaintext, type PlaintextDigest } from './plaintext.ts';
import {
  checkScryptOptions, generateScrypt, parseScrypt, SCRYPT_BOUNDS, SCRYPT_DEFAULTS, verifyScrypt,
  type ScryptDigest, type ScryptOptions,
} from './scrypt.ts';
import {
  checkSHA2CryptOptions, generateSHA2Crypt, parseSHA2Crypt, SHA2CRYPT_BOUNDS, SHA2CRYPT_DEFAULTS, sha2cryptVariantOf,
  verifySHA2Crypt, type SHA2CryptDigest, type SHA2CryptOptions,
} from './sha2crypt.ts';

export { DigestError, type DigestErrorCode } from './digest-error.ts';
export type { OptionProblem } from './bounds.ts';
export type { Argon2Digest, BcryptDigest, PBKDF2Digest, PlaintextDigest, ScryptDigest, SHA2CryptDigest };

export type DigestAlgorithm = 'argon2' | 'pbkdf2' | 'scrypt' | 'bcrypt' | 'sha2crypt' | 'plaintext';

/** A parsed digest; narrow on `algorithm` to reach the algorithm's parameters. */
export type Digest = Argon2Digest | PBKDF2Digest | ScryptDigest | BcryptDigest | SHA2CryptDigest | PlaintextDigest;

/** The algorithms generateDigest can produce (plaintext is never generated). */
export type GenerateAlgorithm = Exclude<DigestAlgorithm, 'plaintext'>;
export const GENERATE_ALGORITHMS: readonly GenerateAlgorithm[] = ['argon2', 'pbkdf2', 'scrypt', 'bcrypt', 'sha2crypt'];

type Optional<T> = { readonly [K in keyof T]?: T[K] | undefined };

/** Options for a new digest; anything left out takes DIGEST_DEFAULTS. Names follow Authelia's config keys. */
export type GenerateOptions =
  | ({ readonly algorithm: 'argon2' } & Optional<Argon2Options>)
  | ({ readonly algorithm: 'pbkdf2' } & Optional<PBKDF2Options>)
  | ({ readonly algorithm: 'scrypt' } & Optional<ScryptOptions>)
  | ({ readonly algorithm: 'bcrypt' } & Optional<BcryptOptions>)
  | ({ readonly algorithm: 'sha2crypt' } & Optional<SHA2CryptOptions>);

type ResolvedOptions =
  | ({ readonly algorithm: 'argon2' } & Argon2Options)
  | ({ readonly algorithm: 'pbkdf2' } & PBKDF2Options)
  | ({ readonly algorithm: 'scrypt' } & ScryptOptions)
  | ({ readonly algorithm: 'bcrypt' } & BcryptOptions)
  | ({ readonly algorithm: 'sha2crypt' } & SHA2CryptOptions);

/** Authelia's defaults for new digests (authentication_backend.file.password and the CLI). */
export const DIGEST_DEFAULTS = {
  algorithm: 'argon2',
  argon2: ARGON2_DEFAULTS,
  pbkdf2: PBKDF2_DEFAULTS,
  scrypt: SCRYPT_DEFAULTS,
  bcrypt: BCRYPT_DEFAULTS,
  sha2crypt: SHA2CRYPT_DEFAULTS,
} as const;

/** Bounds generateDigest enforces, per algorithm and option. */
export const DIGEST_BOUNDS = {
  argon2: ARGON2_BOUNDS,
  pbkdf2: PBKDF2_BOUNDS,
  scrypt: SCRYPT_BOUNDS,
  bcrypt: BCRYPT_BOUNDS,
  sha2crypt: SHA2CRYPT_BOUNDS,
} as const;

export interface ParseOptions {
  /** Accept a bare value that does not start with '$' as a plaintext secret (client secrets only). */
  readonly allowPlaintext?: boolean;
}

const PBKDF2_LDAP_PREFIX = /^\{(PBKDF2(?:-SHA\d+)?)\}(\d+\$.*)$/s;

// Identifiers of formats we recognise but do not implement, named in the error (never other text).
const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  '1': 'md5crypt', md5: 'md5crypt', sha1: 'sha1crypt', y: 'yescrypt', gy: 'gost-yescrypt', '7': 'crypt scrypt',
  base64: 'base64 plaintext',
};

/** go-crypt Normalize(): strips `{CRYPT}` and `{ARGON2}`, rewrites `{PBKDF2-SHA256}n$…` to `$pbkdf2-sha256$n$…`. */
function normalize(encoded: string): string {
  let text = encoded;
  if (text.startsWith('{CRYPT}')) text = text.slice('{CRYPT}'.length);
  if (text.startsWith('{ARGON2}')) text = text.slice('{ARGON2}'.length);
  const pbkdf2 = PBKDF2_LDAP_PREFIX.exec(text);
  if (pbkdf2) text = `$${(pbkdf2[1] ?? '').toLowerCase()}$${pbkdf2[2] ?? ''}`;
  return text;
}

/**
 * Parses a stored digest without hashing anything. Throws DigestError ('DIGEST_MALFORMED' or
 * 'DIGEST_UNSUPPORTED') with a message that never contains the digest itself.
 */
export function parseDigest(encoded: string, options: ParseOptions = {}): Digest {
  if (typeof encoded !== 'string') throw malformed('digest must be a string');
  const text = normalize(encoded);
  if (text.length === 0) throw malformed('digest is empty');
  if (!text.startsWith('$')) {
    if (options.allowPlaintext) return parsePlaintext(PLAINTEXT_PREFIX + text);
    throw malformed("digest must start with '$' and an algorithm identifier such as $argon2id$");
  }
  if (text.startsWith(PLAINTEXT_PREFIX)) return parsePlaintext(text);
  const fields = text.split('$');
  const identifier = fields[1] ?? '';
  if (isArgon2Variant(identifier)) return parseArgon2(fields, text);
  if (pbkdf2VariantOf(identifier)) return parsePBKDF2(fields, text);
  if (identifier === 'scrypt') return parseScrypt(fields, text);
  if (identifier === 'bcrypt-sha256' || isBcryptVersion(identifier)) return parseBcrypt(fields, text);
  if (sha2cryptVariantOf(identifier)) return parseSHA2Crypt(fields, text);
  const known = Object.hasOwn(KNOWN_UNSUPPORTED, identifier) ? KNOWN_UNSUPPORTED[identifier] : undefined;
  throw known
    ? unsupported(`unsupported digest prefix '$${identifier}$' (${known})`)
    : unsupported('unsupported digest prefix: not one of argon2, pbkdf2, scrypt, bcrypt, sha2crypt or plaintext');
}

/** Checks a password against a parsed digest; resolves false on mismatch. */
export function verifyDigest(digest: Digest, password: string): Promise<boolean> {
  if (typeof password !== 'string') return Promise.reject(new TypeError('password must be a string'));
  switch (digest.algorithm) {
    case 'argon2': return queueHash(() => verifyArgon2(digest, password));
    case 'pbkdf2': return queueHash(() => verifyPBKDF2(digest, password));
    case 'scrypt': return queueHash(() => verifyScrypt(digest, password));
    case 'bcrypt': return queueHash(() => verifyBcrypt(digest, password));
    case 'sha2crypt': return queueHash(() => verifySHA2Crypt(digest, password));
    case 'plaintext': return verifyPlaintext(digest, password);
    default: return Promise.reject(new TypeError('verifyDigest needs a digest returned by parseDigest'));
  }
}

function withDefaults<T extends object>(defaults: T, options: object): T {
  const defined = Object.entries(options).filter(([key, value]) => value !== undefined && key !== 'algorithm');
  return { ...defaults, ...Object.fromEntries(defined) };
}

function resolve(options: GenerateOptions): ResolvedOptions {
  switch (options.algorithm) {
    case 'argon2': return { algorithm: 'argon2', ...withDefaults(ARGON2_DEFAULTS, options) };
    case 'pbkdf2': {
      const variant = options.variant ?? PBKDF2_DEFAULTS.variant;
      const iterations = options.iterations ?? (PBKDF2_DEFAULT_ITERATIONS[variant] as number | undefined) ?? 0;
      return { algorithm: 'pbkdf2', ...withDefaults({ variant, iterations, saltLength: PBKDF2_DEFAULTS.saltLength }, options) };
    }
    case 'scrypt': return { algorithm: 'scrypt', ...withDefaults(SCRYPT_DEFAULTS, options) };
    case 'bcrypt': return { algorithm: 'bcrypt', ...withDefaults(BCRYPT_DEFAULTS, options) };
    case 'sha2crypt': return { algorithm: 'sha2crypt', ...withDefaults(SHA2CRYPT_DEFAULTS, options) };
  }
}

function check(options: ResolvedOptions): OptionProblem[] {
  switch (options.algorithm) {
    case 'argon2': return checkArgon2Options(options);
    case 'pbkdf2': return checkPBKDF2Options(options);
    case 'scrypt': return checkScryptOptions(options);
    case 'bcrypt': return checkBcryptOptions(options);
    case 'sha2crypt': return checkSHA2CryptOptions(options);
  }
}

/** Every problem with the options (after defaults), empty when generateDigest would accept them. */
export function validateGenerateOptions(options: GenerateOptions): OptionProblem[] {
  if (!(GENERATE_ALGORITHMS as readonly string[]).includes(options.algorithm)) {
    return [{ option: 'algorithm', message: `must be one of ${GENERATE_ALGORITHMS.join(', ')} but is '${String(options.algorithm)}'` }];
  }
  return check(resolve(options));
}

/** Hashes `password` into a new digest in Authelia's encoding; throws DigestError 'DIGEST_INVALID_OPTIONS'. */
export async function generateDigest(options: GenerateOptions, password: string): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  const problems = validateGenerateOptions(options);
  if (problems.length > 0) {
    throw new DigestError('DIGEST_INVALID_OPTIONS', `${options.algorithm} ${problems.map((p) => `${p.option} ${p.message}`).join('; ')}`);
  }
  const resolved = resolve(options);
  switch (resolved.algorithm) {
    case 'argon2': return queueHash(() => generateArgon2(resolved, password));
    case 'pbkdf2': return queueHash(() => generatePBKDF2(resolved, password));
    case 'scrypt': return queueHash(() => generateScrypt(resolved, password));
    case 'bcrypt': return queueHash(() => generateBcrypt(resolved, password));
    case 'sha2crypt': return queueHash(() => generateSHA2Crypt(resolved, password));
  }
}
