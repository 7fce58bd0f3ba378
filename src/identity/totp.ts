// TOTP second factor (RFC 6238) with the `totp:` section's parameters: secrets, otpauth:// URIs and
// their QR code (SVG, rendered on the server), enrolment confirmed by a valid code, and sign-in
// checks. Guarantees: codes are compared in constant time; a time step is accepted at most once
// per user (RFC 6238 §5.2), the enrolment code included; secrets are stored sealed (storage/totp.ts).
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { TOTPConfig } from '../config/types.ts';
import type { Storage } from '../storage/database.ts';
import { findTOTP, markTOTPStepUsed, saveTOTP, type TOTPAlgorithm, type TOTPSecretParameters } from '../storage/totp.ts';

export type { TOTPAlgorithm } from '../storage/totp.ts';

export const TOTP_ALGORITHMS: readonly TOTPAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];

/** RFC 4226 §4 R6: a shared secret MUST be at least 128 bits. */
export const MINIMUM_SECRET_BYTES = 16;

const BASE32 = /^[A-Z2-7]+$/;

export interface TOTPVerification {
  /** Base32. */
  readonly secret: string;
  readonly algorithm: TOTPAlgorithm;
  readonly digits: number;
  /** Seconds. */
  readonly period: number;
  /** Steps accepted either side of the current one. */
  readonly skew: number;
}

export interface OTPAuthParameters extends TOTPSecretParameters {
  readonly username: string;
}

/** A secret shown to the user and not yet confirmed by a code; nothing is stored yet. */
export interface TOTPEnrolment extends OTPAuthParameters {
  readonly uri: string;
  /** The QR code of `uri`, an `<svg>` element. */
  readonly svg: string;
}

/** Whether a sign-in code was accepted, and if not why (for logs; users see one message). */
export type TOTPCheck = 'accepted' | 'invalid' | 'replayed' | 'unenrolled';

/** `totp.algorithm` is case-insensitive, as in Authelia. */
export function totpAlgorithm(name: string): TOTPAlgorithm {
  const upper = name.toUpperCase();
  const found = TOTP_ALGORITHMS.find((algorithm) => algorithm === upper);
  if (!found) throw new RangeError(`TOTP algorithm must be one of ${TOTP_ALGORITHMS.join(', ')} but is '${name}'`);
  return found;
}

/** `secret_size` random bytes as unpadded upper-case base32. */
export function generateTOTPSecret(config: Pick<TOTPConfig, 'secret_size'>): string {
  return new Secret({ buffer: new Uint8Array(randomBytes(config.secret_size)).buffer }).base32;
}

/**
 * A base32 secret as typed (any case, spaces, `=` padding) in canonical form, or undefined when it
 * is not base32 or shorter than MINIMUM_SECRET_BYTES.
 */
export function canonicalTOTPSecret(text: string): string | undefined {
  const canonical = text.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase();
  if (!BASE32.test(canonical) || Math.floor((canonical.length * 5) / 8) < MINIMUM_SECRET_BYTES) return undefined;
  return canonical;
}

/** The new-secret parameters of the `totp:` section. */
export function totpParameters(config: TOTPConfig): Omit<TOTPSecretParameters, 'secret'> {
  return { issuer: config.issuer, algorithm: totpAlgorithm(config.algorithm), digits: config.digits, period: config.period };
}

/** The `otpauth://totp/ISSUER:USERNAME?…` URI authenticator apps import. */
export function otpauthURI(parameters: OTPAuthParameters): string {
  const { issuer, username, secret, algorithm, digits, period } = parameters;
  return new TOTP({ issuer, label: username, secret: Secret.fromBase32(secret), algorithm, digits, period }).toString();
}

/** The QR code of `uri` as an SVG document fragment. */
export function qrSVG(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * The time step (RFC 6238 §4.2 T) whose code `code` is, within `skew` steps of `now` (seconds since
 * the epoch), or undefined. Every candidate is compared in constant time (otpauth's validate).
 */
export function verifyTOTP(verification: TOTPVerification, code: string, now: number): number | undefined {
  const { secret, algorithm, digits, period, skew } = verification;
  if (code.length !== digits || !/^\d+$/.test(code)) return undefined;
  const timestamp = now * 1000;
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secret), algorithm, digits, period, timestamp, window: skew });
  return delta === null ? undefined : TOTP.counter({ period, timestamp }) + delta;
}

/** Steps of history that must be kept so no forgotten step is still inside the skew window. */
function retainedSteps(skew: number): number {
  return 2 * skew + 2;
}

/** A fresh secret for `username` with the section's parameters, its URI and QR code. */
export async function beginEnrolment(config: TOTPConfig, username: string): Promise<TOTPEnrolment> {
  const parameters: OTPAuthParameters = { username, ...totpParameters(config), secret: generateTOTPSecret(config) };
  const uri = otpauthURI(parameters);
  return { ...parameters, uri, svg: await qrSVG(uri) };
}

/**
 * Saves the enrolment as the user's TOTP configuration (replacing an earlier one) when `code` is
 * valid for it now; the code's step counts as used, so it cannot also sign in. False otherwise.
 */
export function confirmEnrolment(storage: Storage, config: Pick<TOTPConfig, 'skew'>, enrolment: TOTPEnrolment, code: string): boolean {
  const step = verifyTOTP({ ...enrolment, skew: config.skew }, code, storage.now());
  if (step === undefined) return false;
  const { username, issuer, algorithm, digits, period, secret } = enrolment;
  saveTOTP(storage, username, { issuer, algorithm, digits, period, secret }, { replace: true });
  markTOTPStepUsed(storage, username, step, retainedSteps(config.skew));
  return true;
}

/** Checks a sign-in code against the user's stored configuration and uses up its step. */
export function checkTOTPCode(storage: Storage, config: Pick<TOTPConfig, 'skew'>, username: string, code: string): TOTPCheck {
  const stored = findTOTP(storage, username);
  if (!stored) return 'unenrolled';
  const step = verifyTOTP({ ...stored, skew: config.skew }, code, storage.now());
  if (step === undefined) return 'invalid';
  return markTOTPStepUsed(storage, username, step, retainedSteps(config.skew)) ? 'accepted' : 'replayed';
}
