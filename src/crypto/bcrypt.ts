// bcrypt digests: standard MCF `$2b$<cost>$<22 salt><31 hash>` (also $2a$, $2y$, $2x$, $2$), and
// passlib's bcrypt-sha256 v2 `$bcrypt-sha256$v=2,t=2b,r=<cost>$<22 salt>$<31 hash>`, where the
// password first becomes base64(HMAC-SHA256(key = the 22-character salt text, password)), lifting
// bcrypt's 72-byte limit. Hashing runs off the event loop through @node-rs/bcrypt's async API.
import { createHmac } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/bcrypt';
import { checkOptions, type OptionProblem } from './bounds.ts';
import { malformed, unsupported } from './digest-error.ts';
import { isCryptBase64, parseInteger, parseParameters } from './encoding.ts';
import type { DigestBase } from './types.ts';

export const BCRYPT_VARIANTS = ['standard', 'sha256'] as const;
export type BcryptVariant = (typeof BCRYPT_VARIANTS)[number];

export const BCRYPT_VERSIONS = ['2', '2a', '2b', '2x', '2y'] as const;
export type BcryptVersion = (typeof BCRYPT_VERSIONS)[number];

export interface BcryptDigest extends DigestBase<'bcrypt', BcryptVariant> {
  readonly version: BcryptVersion;
  readonly cost: number;
  /** 22 characters of bcrypt base64. */
  readonly salt: string;
  /** 31 characters of bcrypt base64. */
  readonly hash: string;
}

export interface BcryptOptions {
  readonly variant: BcryptVariant;
  readonly cost: number;
}

export const BCRYPT_DEFAULTS: BcryptOptions = { variant: 'standard', cost: 12 };
export const BCRYPT_BOUNDS = { cost: { min: 10, max: 31 } } as const;

/** What the format itself allows; generation is held to BCRYPT_BOUNDS. */
const FORMAT_COST = { min: 4, max: 31 };
const SALT_CHARS = 22;
const HASH_CHARS = 31;
const SHA256_PREFIX = 'bcrypt-sha256';
const PASSLIB_V1_PARAMS = /^2[ab],\d{1,2}$/;

export function isBcryptVersion(identifier: string): identifier is BcryptVersion {
  return (BCRYPT_VERSIONS as readonly string[]).includes(identifier);
}

function checkEncodedPart(text: string, length: number, field: string): string {
  if (text.length !== length) throw malformed(`${field} has ${text.length} characters but needs ${length}`);
  if (!isCryptBase64(text)) throw malformed(`${field} is not valid bcrypt base64`);
  return text;
}

export function parseBcrypt(fields: readonly string[], encoded: string): BcryptDigest {
  const [, identifier = ''] = fields;
  if (identifier === SHA256_PREFIX) return parseBcryptSHA256(fields, encoded);
  if (!isBcryptVersion(identifier)) throw unsupported(`unsupported bcrypt version '${identifier}'`);
  if (fields.length !== 4) throw malformed(`bcrypt digest has ${fields.length - 1} fields but needs 3`);
  const [, , costText = '', rest = ''] = fields;
  if (!/^\d\d$/.test(costText)) throw malformed('bcrypt cost must be two digits');
  const cost = parseInteger(costText, 'bcrypt cost', FORMAT_COST.min, FORMAT_COST.max);
  checkEncodedPart(rest, SALT_CHARS + HASH_CHARS, 'bcrypt salt and hash');
  return Object.freeze({
    algorithm: 'bcrypt', variant: 'standard', encoded, version: identifier, cost,
    salt: rest.slice(0, SALT_CHARS), hash: rest.slice(SALT_CHARS),
  });
}

function parseBcryptSHA256(fields: readonly string[], encoded: string): BcryptDigest {
  const [, , paramSection = '', saltText = '', hashText = ''] = fields;
  if (PASSLIB_V1_PARAMS.test(paramSection)) throw unsupported('bcrypt-sha256 version 1 digests are not supported, only v=2');
  if (fields.length !== 5) throw malformed(`bcrypt-sha256 digest has ${fields.length - 1} fields but needs 4`);
  const params = parseParameters(paramSection, 'bcrypt-sha256');
  for (const name of params.keys()) if (!['v', 't', 'r'].includes(name)) throw malformed(`bcrypt-sha256 parameter '${name}' is unknown`);
  if (params.get('v') !== '2') throw unsupported('bcrypt-sha256 digests must be version v=2');
  if (params.get('t') !== '2b') throw unsupported('bcrypt-sha256 digests must use type t=2b');
  const cost = parseInteger(params.get('r') ?? '', 'bcrypt-sha256 cost (r)', FORMAT_COST.min, FORMAT_COST.max);
  const salt = checkEncodedPart(saltText, SALT_CHARS, 'bcrypt-sha256 salt');
  const hashPart = checkEncodedPart(hashText, HASH_CHARS, 'bcrypt-sha256 hash');
  return Object.freeze({ algorithm: 'bcrypt', variant: 'sha256', encoded, version: '2b', cost, salt, hash: hashPart });
}

/** passlib bcrypt_sha256 v2: the secret bcrypt actually sees (44 ASCII characters). */
function sha256Input(password: string, salt: string): string {
  return createHmac('sha256', salt).update(password, 'utf8').digest('base64');
}

function mcf(version: string, cost: number, salt: string, hashPart = ''): string {
  return `$${version}$${String(cost).padStart(2, '0')}$${salt}${hashPart}`;
}

export async function verifyBcrypt(digest: BcryptDigest, password: string): Promise<boolean> {
  if (digest.variant === 'sha256') return verify(sha256Input(password, digest.salt), mcf('2b', digest.cost, digest.salt, digest.hash));
  // $2x$ means "made by the sign-extension bug"; it equals $2a$ only for ASCII passwords (go-crypt refuses the rest).
  if (digest.version === '2x' && !/^[\x00-\x7f]*$/.test(password)) return false;
  const version = digest.version === '2' || digest.version === '2x' ? '2a' : digest.version;
  return verify(password, mcf(version, digest.cost, digest.salt, digest.hash));
}

export function checkBcryptOptions(options: BcryptOptions): OptionProblem[] {
  return checkOptions(options, BCRYPT_VARIANTS, BCRYPT_BOUNDS);
}

/** @node-rs/bcrypt 1.x writes '$2y$', which is the same algorithm as '$2b$' (the version Authelia writes). */
function as2b(mcfHash: string): string {
  return mcfHash.replace(/^\$2[aby]\$/, '$2b$');
}

export async function generateBcrypt(options: BcryptOptions, password: string): Promise<string> {
  const rawSalt = randomBytes(16);
  if (options.variant === 'standard') return as2b(await hash(password, options.cost, rawSalt));
  // bcrypt-sha256 keys its HMAC with the salt as bcrypt encodes it: a cost-4 hash of nothing reveals that encoding.
  const salt = (await hash('', 4, rawSalt)).slice(7, 7 + SALT_CHARS);
  const full = await hash(sha256Input(password, salt), options.cost, rawSalt);
  if (full.slice(7, 7 + SALT_CHARS) !== salt) throw new Error('bcrypt salt encoding mismatch');
  return `$${SHA256_PREFIX}$v=2,t=2b,r=${options.cost}$${salt}$${full.slice(-HASH_CHARS)}`;
}
