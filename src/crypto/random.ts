// Random strings from Authelia's named character sets (internal/random/const.go). Each character is
// drawn with crypto.randomInt, which rejects out-of-range samples, so there is no modulo bias.
import { randomInt } from 'node:crypto';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const SYMBOLS = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const RFC3986_UNRESERVED_SYMBOLS = '-._~';

export const CHARSETS = {
  /** The 94 printable ASCII characters except space. */
  ascii: LOWER + UPPER + DIGITS + SYMBOLS,
  alphanumeric: LOWER + UPPER + DIGITS,
  'alphanumeric-lower': LOWER + DIGITS,
  'alphanumeric-upper': UPPER + DIGITS,
  alphabetic: LOWER + UPPER,
  'alphabetic-lower': LOWER,
  'alphabetic-upper': UPPER,
  numeric: DIGITS,
  'numeric-hex': DIGITS + 'ABCDEF',
  /** RFC 3986 §2.3 unreserved characters. */
  rfc3986: UPPER + LOWER + DIGITS + RFC3986_UNRESERVED_SYMBOLS,
  'rfc3986-lower': LOWER + DIGITS + RFC3986_UNRESERVED_SYMBOLS,
  'rfc3986-upper': UPPER + DIGITS + RFC3986_UNRESERVED_SYMBOLS,
} as const;

export type Charset = keyof typeof CHARSETS;

export const DEFAULT_CHARSET: Charset = 'alphanumeric';

export function isCharset(name: string): name is Charset {
  return Object.hasOwn(CHARSETS, name);
}

/** A string of `length` characters drawn uniformly from the named charset. */
export function randomString(length: number, charset: Charset = DEFAULT_CHARSET): string {
  return randomCharacters(length, CHARSETS[charset]);
}

/** A string of `length` characters drawn uniformly from `characters` (e.g. a custom --characters set). */
export function randomCharacters(length: number, characters: string): string {
  const alphabet = [...new Set(characters)];
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`random string length must be a positive whole number but is ${length}`);
  if (alphabet.length < 2) throw new RangeError('random string needs at least two distinct characters to choose from');
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
