// The state cookie binds a sign-in to its browser (RFC 6749 §10.12, OpenID Connect Core §3.1.2.1 for
// the nonce): signed with HMAC-SHA256, short-lived, HttpOnly, SameSite=Lax; tampering is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearStateCookie, cookieValue, readStateCookie, stateCookie, STATE_LIFETIME_SECONDS, type SignInTransaction } from '../../src/relying-party/index.ts';
import { COOKIE_SECRET, thrownCode } from './helpers.ts';

const NOW = 1_800_000_000_000;
const TRANSACTION: SignInTransaction = { providerID: 'castellan', state: 'state-1', nonce: 'nonce-1', codeVerifier: 'verifier-1', expiresAt: NOW / 1000 + STATE_LIFETIME_SECONDS };
const HTTPS = 'https://kasm.example.com/api/oidc_callback';

function issued(transaction = TRANSACTION, redirect = HTTPS): { header: string; value: string } {
  const header = stateCookie(transaction, redirect, { cookieSecret: COOKIE_SECRET, now: NOW });
  return { header, value: cookieValue(header.split(';')[0], 'workspaces_oidc_state')! };
}

test('the cookie round-trips and has the attributes of a short-lived HttpOnly cookie', () => {
  const { header, value } = issued();
  assert.deepEqual(readStateCookie(value, { cookieSecret: COOKIE_SECRET, now: NOW }), TRANSACTION);
  assert.match(header, /^workspaces_oidc_state=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; /);
  assert.match(header, /; Path=\/api\/oidc_callback; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/);
  assert.doesNotMatch(issued(TRANSACTION, 'http://127.0.0.1:3000/api/oidc_callback').header, /Secure/);
  assert.equal(clearStateCookie(), 'workspaces_oidc_state=; Path=/api/oidc_callback; HttpOnly; SameSite=Lax; Max-Age=0');
  const withoutPKCE = { ...TRANSACTION, codeVerifier: undefined };
  assert.equal(readStateCookie(issued(withoutPKCE).value, { cookieSecret: COOKIE_SECRET, now: NOW }).codeVerifier, undefined);
});

test('a missing, tampered, re-signed or malformed cookie is refused', () => {
  const { value } = issued();
  const [payload, signature] = value.split('.') as [string, string];
  const read = (v: string | undefined, secret = COOKIE_SECRET) => () => readStateCookie(v, { cookieSecret: secret, now: NOW });
  assert.equal(thrownCode(read(undefined)), 'state_missing');
  assert.equal(thrownCode(read('')), 'state_missing');
  const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), p: 'other' })).toString('base64url');
  assert.equal(thrownCode(read(`${altered}.${signature}`)), 'state_invalid');
  assert.equal(thrownCode(read(`${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`)), 'state_invalid');
  assert.equal(thrownCode(read(`${payload}.${signature}x`)), 'state_invalid');
  assert.equal(thrownCode(read(payload)), 'state_invalid');
  assert.equal(thrownCode(read(value, 'another-secret-that-is-long-enough-0123')), 'state_invalid');
  // A valid signature over something that is not a transaction.
  const malformed = issued({ ...TRANSACTION, expiresAt: 'later' as unknown as number }).value;
  assert.equal(thrownCode(read(malformed)), 'state_invalid');
});

test('the cookie expires after its lifetime', () => {
  const { value } = issued();
  assert.equal(thrownCode(() => readStateCookie(value, { cookieSecret: COOKIE_SECRET, now: NOW + (STATE_LIFETIME_SECONDS - 1) * 1000 })), 'accepted');
  assert.equal(thrownCode(() => readStateCookie(value, { cookieSecret: COOKIE_SECRET, now: NOW + STATE_LIFETIME_SECONDS * 1000 })), 'state_expired');
});

test('a short cookie secret is refused', () => {
  assert.throws(() => stateCookie(TRANSACTION, HTTPS, { cookieSecret: 'short', now: NOW }), /at least 32 characters/);
});
