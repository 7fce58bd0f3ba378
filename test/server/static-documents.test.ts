// The static-document fast path (src/server/static-documents.ts): discovery and JWKS answered before
// Koa with exactly the response the Koa stack gives, and everything it must not answer passed on.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/logging.ts';
import type { StaticDocument } from '../../src/oidc/discovery.ts';
import { SECURITY_HEADERS } from '../../src/portal/security-headers.ts';
import { staticDocuments } from '../../src/server/static-documents.ts';
import { networkMatcher } from '../../src/util/network.ts';
import { startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';

interface Raw {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function raw(port: number, method: string, path: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Headers that legitimately differ between two responses; and Vary: Origin, which only the very
 * first request gets (it passes oidc-provider's CORS middleware) and which `*` makes moot.
 */
function comparable(headers: IncomingHttpHeaders): Record<string, unknown> {
  const { date: _date, 'x-request-id': _id, vary: _vary, ...rest } = headers;
  return rest;
}

describe('against a running Castellan', () => {
  let castellan: TestServer;
  let host: string;

  before(async () => {
    castellan = await startCastellan({ clients: [testClient('app', 'http://127.0.0.1:7790/cb')] });
    host = `127.0.0.1:${castellan.port}`;
  });

  after(() => castellan.destroy());

  test('the fast path gives the response the Koa stack gave the first request', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/jwks.json']) {
      // The first GET of a document is computed through Koa and oidc-provider; the next are not.
      const first = await raw(castellan.port, 'GET', path, { Host: host });
      const second = await raw(castellan.port, 'GET', path, { Host: host });
      assert.equal(first.status, 200, path);
      assert.equal(second.status, 200, path);
      assert.equal(second.body, first.body, path);
      assert.deepEqual(comparable(second.headers), comparable(first.headers), path);
      assert.match(String(second.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      const head = await raw(castellan.port, 'HEAD', path, { Host: host });
      assert.equal(head.body, '');
      assert.deepEqual(comparable(head.headers), comparable(first.headers), path);
    }
  });

  test('the request log keeps one debug line per document request', async () => {
    const before = castellan.logs.length;
    await raw(castellan.port, 'GET', '/jwks.json', { Host: host });
    const line = castellan.logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r['msg'] === 'request');
    assert.equal(line?.['path'], '/jwks.json');
    assert.equal(line?.['status'], 200);
    assert.equal(line?.['method'], 'GET');
  });

  test('what the fast path does not answer still gets the Koa answer', async () => {
    // A wrong host gets the host check's 400, a variant path canonicalPaths' 404, POST the router's 404.
    assert.equal((await raw(castellan.port, 'GET', '/.well-known/openid-configuration', { Host: 'auth.evil.example' })).status, 400);
    assert.equal((await raw(castellan.port, 'GET', '/.well-known/openid-configuration/', { Host: host })).status, 404);
    assert.equal((await raw(castellan.port, 'POST', '/jwks.json', { Host: host })).status, 404);
  });
});

describe('staticDocuments', () => {
  const DOCUMENT: StaticDocument = { body: Buffer.from('{"keys":[]}'), etag: '"abc"', type: 'application/jwk-set+json; charset=utf-8' };
  let server: Server;
  let port: number;
  let ready = true;
  let passed: string[] = [];
  const lines: string[] = [];

  before(async () => {
    const logger = createLogger({ level: 'debug', format: 'json' }, new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString()); done(); } }));
    // 127.0.0.1 is a trusted proxy here; the other tests send as an untrusted peer by trusting nothing.
    const trusting = staticDocuments({ issuer: 'https://auth.example.com', isTrusted: networkMatcher(['127.0.0.1']), logger, documents: (path) => (ready && path === '/jwks.json' ? DOCUMENT : undefined) });
    const untrusting = staticDocuments({ issuer: 'https://auth.example.com', isTrusted: networkMatcher([]), logger, documents: (path) => (ready && path === '/jwks.json' ? DOCUMENT : undefined) });
    server = createServer((req, res) => {
      const serve = req.headers['x-test-untrusted'] ? untrusting : trusting;
      if (serve(req, res)) return;
      passed.push(`${req.method} ${req.url}`);
      res.writeHead(599).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const proxied = { Host: 'internal:8080', 'X-Forwarded-Host': 'auth.example.com', 'X-Forwarded-Proto': 'https' };

  test('answers GET and HEAD for the issuer host, with the security headers, CORS, caching and HSTS', async () => {
    passed = [];
    const response = await raw(port, 'GET', '/jwks.json?ignored=1', proxied);
    assert.equal(response.status, 200);
    assert.equal(response.body, '{"keys":[]}');
    assert.equal(response.headers['content-type'], DOCUMENT.type);
    assert.equal(response.headers['content-length'], String(DOCUMENT.body.length));
    assert.equal(response.headers['etag'], '"abc"');
    assert.equal(response.headers['cache-control'], 'public, max-age=300');
    assert.equal(response.headers['access-control-allow-origin'], '*');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(response.headers[name.toLowerCase()], value, name);
    assert.match(String(response.headers['content-security-policy']), /default-src 'none'; script-src 'none'/);
    assert.equal(response.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    const head = await raw(port, 'HEAD', '/jwks.json', proxied);
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(DOCUMENT.body.length));
    assert.deepEqual(passed, []);
  });

  test('answers If-None-Match with 304 by RFC 9110 §13.1.2 (lists, weak comparison, *)', async () => {
    for (const tag of ['"abc"', 'W/"abc"', '"x", "abc"', '*']) {
      const response = await raw(port, 'GET', '/jwks.json', { ...proxied, 'If-None-Match': tag });
      assert.equal(response.status, 304, tag);
      assert.equal(response.body, '');
      assert.equal(response.headers['etag'], '"abc"');
      assert.equal(response.headers['content-type'], undefined);
    }
    assert.equal((await raw(port, 'GET', '/jwks.json', { ...proxied, 'If-None-Match': '"other"' })).status, 200);
  });

  test('passes on other methods, other paths, other hosts and documents not computed yet', async () => {
    passed = [];
    await raw(port, 'POST', '/jwks.json', proxied);
    await raw(port, 'OPTIONS', '/jwks.json', proxied);
    await raw(port, 'GET', '/JWKS.json', proxied);
    await raw(port, 'GET', '/jwks.json/', proxied);
    await raw(port, 'GET', '/jwks.json', { ...proxied, 'X-Forwarded-Host': 'auth.evil.example' });
    await raw(port, 'GET', '/jwks.json', { ...proxied, 'X-Forwarded-Proto': 'http' });
    // From an untrusted peer the forwarded headers do not count: Host internal:8080 is not the issuer.
    await raw(port, 'GET', '/jwks.json', { ...proxied, 'X-Test-Untrusted': '1' });
    await raw(port, 'GET', '/.well-known/openid-configuration', proxied);
    ready = false;
    await raw(port, 'GET', '/jwks.json', proxied);
    ready = true;
    assert.deepEqual(passed, ['POST /jwks.json', 'OPTIONS /jwks.json', 'GET /JWKS.json', 'GET /jwks.json/', 'GET /jwks.json', 'GET /jwks.json', 'GET /jwks.json', 'GET /.well-known/openid-configuration', 'GET /jwks.json']);
  });

  test('logs each answer at debug, with the client address from the trusted proxy', async () => {
    lines.length = 0;
    await raw(port, 'GET', '/jwks.json', { ...proxied, 'X-Forwarded-For': '203.0.113.9' });
    const record = JSON.parse(lines.join('')) as Record<string, unknown>;
    assert.equal(record['msg'], 'request');
    assert.equal(record['level'], 20);
    assert.equal(record['ip'], '203.0.113.9');
    assert.equal(record['path'], '/jwks.json');
  });
});
