// Binds a sign-in to the browser that started it (the step Kasm 1.15 skips): state, nonce and the PKCE
// verifier travel in a short-lived cookie signed with HMAC-SHA256, HttpOnly, SameSite=Lax, scoped to
// the callback path. A missing, altered, expired or foreign cookie is a typed error, never a sign-in.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { CALLBACK_PATH } from './config.ts';
import { RelyingPartyError } from './errors.ts';

/** Apart from Castellan's own cookies: both often run on one host, and cookies ignore ports. */
export const STATE_COOKIE_NAME = 'workspaces_oidc_state';
/** Ten minutes to sign in at the provider. */
export const STATE_LIFETIME_SECONDS = 600;
/** An HMAC key of 256 bits wants at least as many bits of secret. */
export const MINIMUM_SECRET_LENGTH = 32;

export interface SignInTransaction {
  /** The provider configuration's id. */
  readonly providerID: string;
  readonly state: string;
  readonly nonce: string;
  /** Absent when the configuration turns PKCE off. */
  readonly codeVerifier?: string;
  /** Epoch seconds after which the cookie is refused. */
  readonly expiresAt: number;
}

export interface CookieOptions {
  readonly cookieSecret: string;
  readonly cookieName?: string;
  /** Epoch milliseconds; defaults to Date.now(). */
  readonly now?: number;
}

const ATTRIBUTES = `Path=${CALLBACK_PATH}; HttpOnly; SameSite=Lax`;

/** The attributes of the cookie, as one place (Secure whenever the callback is https). */
function attributes(redirectURL: string, maxAge: number): string {
  return `${ATTRIBUTES}; Max-Age=${maxAge}${new URL(redirectURL).protocol === 'https:' ? '; Secure' : ''}`;
}

/** The signing key is derived, so the application may use the same secret for other purposes. */
function signingKey(secret: string): Buffer {
  if (secret.length < MINIMUM_SECRET_LENGTH) throw new RangeError(`the cookie secret must be at least ${MINIMUM_SECRET_LENGTH} characters long`);
  return Buffer.from(hkdfSync('sha256', secret, '', 'relying-party state cookie', 32));
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', signingKey(secret)).update(payload).digest('base64url');
}

/** The Set-Cookie header value that carries the transaction. */
export function stateCookie(transaction: SignInTransaction, redirectURL: string, options: CookieOptions): string {
  const payload = Buffer.from(JSON.stringify({ p: transaction.providerID, s: transaction.state, n: transaction.nonce, v: transaction.codeVerifier, e: transaction.expiresAt })).toString('base64url');
  const maxAge = Math.max(0, transaction.expiresAt - Math.floor((options.now ?? Date.now()) / 1000));
  return `${options.cookieName ?? STATE_COOKIE_NAME}=${payload}.${sign(payload, options.cookieSecret)}; ${attributes(redirectURL, maxAge)}`;
}

/** The Set-Cookie header value that removes the cookie (sent with every callback answer; removal needs no Secure). */
export function clearStateCookie(cookieName = STATE_COOKIE_NAME): string {
  return `${cookieName}=; ${ATTRIBUTES}; Max-Age=0`;
}

/** The cookie's value from a Cookie request header. */
export function cookieValue(header: string | undefined, name = STATE_COOKIE_NAME): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index !== -1 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

function isTransaction(value: unknown): value is { p: string; s: string; n: string; v?: string; e: number } {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && typeof v['p'] === 'string' && typeof v['s'] === 'string' && typeof v['n'] === 'string'
    && (v['v'] === undefined || typeof v['v'] === 'string') && typeof v['e'] === 'number';
}

/** Verifies a cookie value: signature first (constant time), then shape, then expiry. */
export function readStateCookie(value: string | undefined, options: CookieOptions): SignInTransaction {
  if (value === undefined || value === '') throw new RelyingPartyError('state_missing', { detail: 'no state cookie' });
  const dot = value.lastIndexOf('.');
  const payload = value.slice(0, Math.max(dot, 0));
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(sign(payload, options.cookieSecret));
  if (dot === -1 || given.length !== expected.length || !timingSafeEqual(given, expected)) throw new RelyingPartyError('state_invalid', { detail: 'the state cookie signature does not verify' });
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!isTransaction(decoded)) throw new RelyingPartyError('state_invalid', { detail: 'the state cookie payload is malformed' });
  const transaction: SignInTransaction = { providerID: decoded.p, state: decoded.s, nonce: decoded.n, codeVerifier: decoded.v, expiresAt: decoded.e };
  if (Math.floor((options.now ?? Date.now()) / 1000) >= transaction.expiresAt) throw new RelyingPartyError('state_expired', { providerID: transaction.providerID, detail: `the state cookie expired at ${transaction.expiresAt}` });
  return transaction;
}
