// Text encodings shared by the digest formats: RawStd base64 (argon2, scrypt), passlib's adapted base64
// (pbkdf2: '.' instead of '+', no padding), and the `k=v,k=v` parameter sections of PHC-style strings.
// Decoders are strict (Buffer.from alone silently skips bad characters) and throw DigestError.
import { malformed } from './digest-error.ts';

const STANDARD_BASE64 = /^[A-Za-z0-9+/]*$/;
const ADAPTED_BASE64 = /^[A-Za-z0-9./]*$/;
const PARAMETER = /^([a-z][a-z0-9]*)=([^,=]+)$/;
const DECIMAL = /^\d{1,15}$/;

/** The crypt(3) base64 alphabet used by SHA-crypt and bcrypt. */
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CRYPT_BASE64 = /^[./0-9A-Za-z]*$/;

/** True when `text` uses only the crypt(3) base64 alphabet. */
export function isCryptBase64(text: string): boolean {
  return CRYPT_BASE64.test(text);
}

/** Decodes unpadded standard base64; `field` names the value in the error, e.g. "argon2 salt". */
export function decodeBase64(text: string, field: string): Buffer {
  if (!STANDARD_BASE64.test(text) || text.length % 4 === 1) throw malformed(`${field} is not valid unpadded base64`);
  return Buffer.from(text, 'base64');
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

/** Decodes passlib's adapted base64 (standard alphabet with '.' for '+', no padding). */
export function decodeAdaptedBase64(text: string, field: string): Buffer {
  if (!ADAPTED_BASE64.test(text) || text.length % 4 === 1) throw malformed(`${field} is not valid adapted base64`);
  return Buffer.from(text.replaceAll('.', '+'), 'base64');
}

export function encodeAdaptedBase64(bytes: Uint8Array): string {
  return encodeBase64(bytes).replaceAll('+', '.');
}

/** Splits a `k=v,k=v` section into a map; `context` names the digest kind in the error. */
export function parseParameters(section: string, context: string): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const pair of section.split(',')) {
    const match = PARAMETER.exec(pair);
    if (!match) throw malformed(`${context} parameters must be 'name=value' pairs separated by commas`);
    const [, key = '', value = ''] = match;
    if (parameters.has(key)) throw malformed(`${context} parameter '${key}' appears twice`);
    parameters.set(key, value);
  }
  return parameters;
}

/** Parses a decimal parameter and checks it against the format's bounds. */
export function parseInteger(value: string, name: string, min: number, max: number): number {
  if (!DECIMAL.test(value)) throw malformed(`${name} must be a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw malformed(`${name} must be between ${min} and ${max} but is ${n}`);
  return n;
}
