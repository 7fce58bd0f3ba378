// Response security headers (ASVS 3.4.x): one table, a fresh CSP nonce per page, form-action
// widened only to origins a route allowed, no-store on HTML, and headers kept on thrown errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Koa from 'koa';
import type { Context } from 'koa';
import { allowFormAction, contentSecurityPolicy, cspNonce, formActionSource, HTML_HEADERS, SECURITY_HEADERS, securityHeaders } from '../../src/portal/security-headers.ts';
import { renderFormPost } from '../../src/portal/views/form-post.ts';
import { serve } from './helpers.ts';
import type { Served } from './helpers.ts';

function nonceIn(policy: string | null): string | undefined {
  return /script-src 'nonce-([A-Za-z0-9_-]+)'/.exec(policy ?? '')?.[1];
}

function directive(policy: string | null, name: string): string | undefined {
  return (policy ?? '').split(';').map((d) => d.trim()).find((d) => d.split(' ')[0] === name);
}

describe('contentSecurityPolicy', () => {
  test('is the portal policy, in order', () => {
    assert.equal(
      contentSecurityPolicy({ nonce: 'abc', formActionOrigins: ['https://app.example.com'] }),
      "default-src 'none'; script-src 'nonce-abc'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self' https://app.example.com; frame-ancestors 'none'; base-uri 'none'",
    );
  });
});

describe('formActionSource', () => {
  test('is the origin of an http(s) URL', () => {
    assert.equal(formActionSource('https://app.example.com:8443/cb?x=1#y'), 'https://app.example.com:8443');
    assert.equal(formActionSource('http://127.0.0.1:49152/callback'), 'http://127.0.0.1:49152');
  });

  test('is the scheme of a native app\'s private-use redirect URI (RFC 8252 §7.1)', () => {
    assert.equal(formActionSource('com.example.app:/oauth2redirect'), 'com.example.app:');
  });

  test('refuses script, data and relative targets', () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,x', 'blob:https://a/b', '/relative', 'not a url']) assert.throws(() => formActionSource(url), TypeError, url);
  });
});

describe('securityHeaders', () => {
  let served: Served;
  let https: Served;

  function routes(app: Koa): void {
    app.use(async (ctx: Context) => {
      switch (ctx.path) {
        case '/page':
          ctx.type = 'html';
          ctx.body = `<p>${cspNonce(ctx)}</p>`;
          return;
        case '/form-post': {
          const action = 'https://app.example.com:8443/cb';
          allowFormAction(ctx, action);
          allowFormAction(ctx, action);
          ctx.type = 'html';
          ctx.body = renderFormPost({ action, fields: { code: 'x' }, nonce: cspNonce(ctx) });
          return;
        }
        case '/push':
          (ctx.state.formActionOrigins as string[]).push('https://rp.example.net');
          ctx.type = 'html';
          ctx.body = '<p>pushed</p>';
          return;
        case '/bad-push':
          (ctx.state.formActionOrigins as string[]).push("'unsafe-inline'; script-src *");
          ctx.body = 'x';
          return;
        case '/sha':
          // What oidc-provider's pushInlineSha does to the header while rendering.
          ctx.set('Content-Security-Policy', ctx.response.get('Content-Security-Policy').replace(/(script-src [^;]+)/, "$1 'sha256-abc'"));
          allowFormAction(ctx, 'https://app.example.com/cb');
          ctx.type = 'html';
          ctx.body = 'x';
          return;
        case '/json':
          ctx.body = { ok: true };
          return;
        case '/throw':
          ctx.throw(418, 'teapot');
          return;
        default:
          ctx.status = 404;
      }
    });
  }

  before(async () => {
    const app = new Koa();
    app.silent = true;
    app.use(securityHeaders());
    routes(app);
    served = await serve(app);
    const behindTLS = new Koa();
    behindTLS.use(securityHeaders({ issuer: 'https://auth.example.com' }));
    routes(behindTLS);
    https = await serve(behindTLS);
  });

  after(async () => {
    await served.close();
    await https.close();
  });

  test('sets every header of the table and the CSP', async () => {
    const response = await fetch(`${served.url}/page`);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(response.headers.get(name), value, name);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    const permissions = response.headers.get('permissions-policy') ?? '';
    for (const off of ['camera=()', 'microphone=()', 'geolocation=()', 'payment=()', 'usb=()']) assert.ok(permissions.includes(off), off);
    assert.ok(permissions.includes('publickey-credentials-get=(self)'));
    assert.ok(permissions.includes('publickey-credentials-create=(self)'));
    const policy = response.headers.get('content-security-policy');
    assert.equal(policy, contentSecurityPolicy({ nonce: nonceIn(policy) ?? '', formActionOrigins: [] }));
    assert.equal(response.headers.get('strict-transport-security'), null, 'no HSTS over plain http');
  });

  test('gives every response a new 128-bit nonce, the one on ctx.state', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${served.url}/page`);
      const nonce = nonceIn(response.headers.get('content-security-policy'));
      assert.ok(nonce && nonce.length === 22);
      assert.equal(await response.text(), `<p>${nonce}</p>`);
      nonces.add(nonce);
    }
    assert.equal(nonces.size, 5);
  });

  test('a response that renders no page takes no nonce: no script may run', async () => {
    const policy = (await fetch(`${served.url}/json`)).headers.get('content-security-policy');
    assert.equal(policy, contentSecurityPolicy({ formActionOrigins: [] }));
    assert.equal(directive(policy, 'script-src'), "script-src 'none'");
  });

  test('script hashes added without a nonce replace the \'none\' they were appended to', async () => {
    const policy = (await fetch(`${served.url}/sha`)).headers.get('content-security-policy');
    assert.equal(directive(policy, 'script-src'), "script-src 'sha256-abc'");
  });

  test('HTML responses are not stored; other responses keep their own caching', async () => {
    const page = await fetch(`${served.url}/page`);
    for (const [name, value] of Object.entries(HTML_HEADERS)) assert.equal(page.headers.get(name), value);
    const json = await fetch(`${served.url}/json`);
    assert.equal(json.headers.get('cache-control'), null);
    assert.equal(json.headers.get('x-content-type-options'), 'nosniff');
  });

  test('the form_post page may post exactly to its redirect URI origin, and its script runs by nonce', async () => {
    const response = await fetch(`${served.url}/form-post`);
    const policy = response.headers.get('content-security-policy');
    assert.equal(directive(policy, 'form-action'), "form-action 'self' https://app.example.com:8443");
    assert.match(await response.text(), new RegExp(`<script nonce="${nonceIn(policy)}">`));
  });

  test('a route may push an origin onto ctx.state.formActionOrigins', async () => {
    const response = await fetch(`${served.url}/push`);
    assert.equal(directive(response.headers.get('content-security-policy'), 'form-action'), "form-action 'self' https://rp.example.net");
  });

  test('a pushed value that is not an origin fails the response instead of loosening the policy', async () => {
    const response = await fetch(`${served.url}/bad-push`);
    assert.equal(response.status, 500);
    assert.equal(directive(response.headers.get('content-security-policy'), 'form-action'), "form-action 'self'");
  });

  test('widening form-action keeps script hashes oidc-provider added', async () => {
    const policy = (await fetch(`${served.url}/sha`)).headers.get('content-security-policy');
    assert.match(directive(policy, 'script-src') ?? '', /'sha256-abc'/);
    assert.equal(directive(policy, 'form-action'), "form-action 'self' https://app.example.com");
  });

  test('a thrown error still gets the headers', async () => {
    const response = await fetch(`${served.url}/throw`);
    assert.equal(response.status, 418);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.ok(nonceIn(response.headers.get('content-security-policy')));
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  test('sends HSTS when the issuer is https (TLS ends at a proxy)', async () => {
    const response = await fetch(`${https.url}/page`);
    assert.equal(response.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
  });

  test('cspNonce and allowFormAction refuse to work without the middleware', () => {
    const ctx = { state: {} } as unknown as Context;
    assert.throws(() => cspNonce(ctx), /securityHeaders/);
    assert.throws(() => allowFormAction(ctx, 'https://a.example'), /securityHeaders/);
  });
});
