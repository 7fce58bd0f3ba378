// Synchronizer CSRF tokens (ASVS 3.5.1): bound to one session/interaction id, self-contained
// (nonce.mac), constant-time checked, and enforced on every unsafe request by requireCSRF.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Koa from 'koa';
import { csrfToken, requireCSRF, verifyCSRF } from '../../src/portal/csrf.ts';
import { readForm } from '../../src/portal/form.ts';
import { securityHeaders } from '../../src/portal/security-headers.ts';
import { serve, textOf } from './helpers.ts';
import type { Served } from './helpers.ts';

const SECRET = randomBytes(32);

describe('csrfToken / verifyCSRF', () => {
  test('a token verifies for the id it was issued for', () => {
    assert.equal(verifyCSRF(SECRET, 'interaction-1', csrfToken(SECRET, 'interaction-1')), true);
  });

  test('is nonce.mac in base64url and differs every time', () => {
    const a = csrfToken(SECRET, 'x');
    assert.match(a, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, csrfToken(SECRET, 'x'));
  });

  test('does not verify for another id or another secret', () => {
    const token = csrfToken(SECRET, 'interaction-1');
    assert.equal(verifyCSRF(SECRET, 'interaction-2', token), false);
    assert.equal(verifyCSRF(randomBytes(32), 'interaction-1', token), false);
  });

  test('rejects missing, empty and malformed tokens', () => {
    const token = csrfToken(SECRET, 'id');
    const [nonce = '', mac = ''] = token.split('.');
    const flipped = `${nonce}.${mac.slice(0, -2)}${mac.at(-2) === 'A' ? 'B' : 'A'}${mac.at(-1)}`;
    for (const bad of [undefined, '', '.', nonce, `${nonce}.`, `.${mac}`, `${token}.`, `${token}x`, ` ${token}`, `${nonce}.${mac}=`, token.replace('.', ':'), flipped, `${csrfToken(SECRET, 'other').split('.')[0]}.${mac}`]) {
      assert.equal(verifyCSRF(SECRET, 'id', bad), false, String(bad));
    }
  });

  test('rejects a non-canonical encoding of the same MAC', () => {
    const token = csrfToken(SECRET, 'id');
    const last = token.at(-1) ?? 'A';
    // The 43rd base64url character carries 4 payload bits and 2 padding bits; changing the padding bits keeps the bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const index = alphabet.indexOf(last);
    const sibling = alphabet[(index & ~3) | ((index + 1) & 3)] ?? last;
    assert.equal(verifyCSRF(SECRET, 'id', token.slice(0, -1) + sibling), false);
  });

  test('the binding id cannot be shifted into the nonce', () => {
    const token = csrfToken(SECRET, 'b.c');
    assert.equal(verifyCSRF(SECRET, 'c', token), false);
  });

  test('refuses short secrets and empty binding ids', () => {
    assert.throws(() => csrfToken(randomBytes(16), 'id'), RangeError);
    assert.throws(() => verifyCSRF(randomBytes(31), 'id', 'x'), RangeError);
    assert.throws(() => csrfToken(SECRET, ''), RangeError);
    assert.equal(verifyCSRF(SECRET, '', csrfToken(SECRET, 'id')), false);
  });
});

describe('requireCSRF', () => {
  let served: Served;

  before(async () => {
    const app = new Koa();
    app.use(securityHeaders());
    app.use(requireCSRF({ secret: SECRET, binding: (ctx) => ctx.get('X-Test-Binding') || undefined }));
    app.use(async (ctx) => {
      const form = ctx.method === 'POST' ? await readForm(ctx) : undefined;
      ctx.body = { reached: true, name: form?.get('name') ?? null };
    });
    served = await serve(app);
  });

  after(() => served.close());

  function post(body: string, binding = 'interaction-1', type = 'application/x-www-form-urlencoded'): Promise<Response> {
    return fetch(served.url, { method: 'POST', headers: { 'content-type': type, 'x-test-binding': binding }, body });
  }

  test('lets a POST with a valid token through, and the route can still read the form', async () => {
    const token = csrfToken(SECRET, 'interaction-1');
    const response = await post(new URLSearchParams({ csrf_token: token, name: 'john' }).toString());
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { reached: true, name: 'john' });
  });

  test('lets GET through without a token', async () => {
    const response = await fetch(served.url);
    assert.equal(response.status, 200);
  });

  for (const [name, body, binding, type] of [
    ['no token', 'name=john', 'interaction-1', undefined],
    ['a token for another interaction', `csrf_token=${csrfToken(SECRET, 'interaction-2')}`, 'interaction-1', undefined],
    ['two tokens', `csrf_token=${csrfToken(SECRET, 'interaction-1')}&csrf_token=${csrfToken(SECRET, 'interaction-1')}`, 'interaction-1', undefined],
    ['no binding', `csrf_token=${csrfToken(SECRET, 'interaction-1')}`, '', undefined],
    ['a JSON body', JSON.stringify({ csrf_token: csrfToken(SECRET, 'interaction-1') }), 'interaction-1', 'application/json'],
    ['a text/plain body (cross-site simple request)', `csrf_token=${csrfToken(SECRET, 'interaction-1')}`, 'interaction-1', 'text/plain'],
    ['a body over the size limit', `csrf_token=${csrfToken(SECRET, 'interaction-1')}&pad=${'x'.repeat(20_000)}`, 'interaction-1', undefined],
  ] as const) {
    test(`rejects a POST with ${name}: 403 and the error page`, async () => {
      const response = await post(body, binding, type);
      assert.equal(response.status, 403);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const page = await response.text();
      assert.equal(textOf(page, 'error-message'), 'The page you submitted is no longer valid, so nothing was changed.');
      const nonce = /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];
      assert.ok(nonce);
    });
  }

  test('also guards other unsafe methods', async () => {
    const response = await fetch(served.url, { method: 'DELETE', headers: { 'x-test-binding': 'interaction-1' } });
    assert.equal(response.status, 403);
  });

  test('refuses a short secret when the middleware is built', () => {
    assert.throws(() => requireCSRF({ secret: Buffer.alloc(8), binding: () => 'x' }), RangeError);
  });
});
