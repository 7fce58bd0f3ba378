// Synchronizer CSRF tokens for portal forms (ASVS 3.5.1). A token is `nonce.mac`: 16 random bytes and
// HMAC-SHA256(secret, nonce "." bindingID), both base64url, so it is self-contained and only valid for
// the server-side session or interaction it was issued for. Verification is constant-time.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { FIELDS } from './fields.ts';
import { field, FormError, isForm, readForm } from './form.ts';
import { renderError } from './views/error.ts';

/** The HMAC key must carry at least 256 bits. */
export const CSRF_SECRET_MIN_BYTES = 32;

const NONCE_BYTES = 16;
const TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

function checkSecret(secret: Buffer): void {
  if (secret.length < CSRF_SECRET_MIN_BYTES) {
    throw new RangeError(`CSRF secret must be at least ${CSRF_SECRET_MIN_BYTES} bytes but is ${secret.length}`);
  }
}

function mac(secret: Buffer, nonce: string, bindingID: string): Buffer {
  return createHmac('sha256', secret).update(`${nonce}.${bindingID}`, 'utf8').digest();
}

/** A fresh token for a form bound to `bindingID` (a session or interaction id, never empty). */
export function csrfToken(secret: Buffer, bindingID: string): string {
  checkSecret(secret);
  if (bindingID === '') throw new RangeError('CSRF binding id must not be empty');
  const nonce = randomBytes(NONCE_BYTES).toString('base64url');
  return `${nonce}.${mac(secret, nonce, bindingID).toString('base64url')}`;
}

/** True only for a well-formed token issued with this secret for this binding id. */
export function verifyCSRF(secret: Buffer, bindingID: string, token: string | undefined): boolean {
  checkSecret(secret);
  if (bindingID === '' || typeof token !== 'string') return false;
  const match = TOKEN.exec(token);
  if (!match) return false;
  const [, nonce = '', given = ''] = match;
  const presented = Buffer.from(given, 'base64url');
  // Non-canonical base64url (stray low bits in the last character) would decode to the same bytes.
  if (presented.toString('base64url') !== given) return false;
  return timingSafeEqual(presented, mac(secret, nonce, bindingID));
}

export interface RequireCSRFOptions {
  readonly secret: Buffer;
  /** The id the form's token was bound to (interaction uid or session id); undefined rejects the request. */
  readonly binding: (ctx: Context) => string | undefined;
}

function reject(ctx: Context): void {
  ctx.status = 403;
  ctx.type = 'html';
  ctx.body = renderError({
    status: 403,
    title: 'This form has expired',
    message: 'The page you submitted is no longer valid, so nothing was changed.',
    hint: 'Go back, reload the page and try again.',
    nonce: String(ctx.state.cspNonce ?? ''),
  });
}

/**
 * Mount on portal routes that accept forms, after securityHeaders (it reads ctx.state.cspNonce).
 * Safe methods pass through; any other request needs a readable urlencoded body whose single
 * `csrf_token` verifies for binding(ctx), else it gets a 403 error page. The parsed form stays available to the
 * route through readForm(ctx).
 */
export function requireCSRF(options: RequireCSRFOptions): Middleware {
  checkSecret(options.secret);
  return async function requireCSRFMiddleware(ctx: Context, next: Next): Promise<void> {
    if (SAFE_METHODS.has(ctx.method)) return next();
    const bindingID = options.binding(ctx);
    if (bindingID === undefined || !isForm(ctx)) return reject(ctx);
    const form = await readForm(ctx).catch((error: unknown) => {
      if (error instanceof FormError) return undefined;
      throw error;
    });
    if (!form || !verifyCSRF(options.secret, bindingID, field(form, FIELDS.csrf))) return reject(ctx);
    return next();
  };
}
