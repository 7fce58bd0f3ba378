// Discovery (both well-known paths) and /jwks.json answered straight from the node:http request
// listener, before Koa and oidc-provider: they change only with the configuration or the keys, and
// clients and resource servers fetch them far more often than anything else. The response is the
// one the Koa stack gives (same body, ETag, Cache-Control, CORS and security headers); whatever
// this path does not handle exactly — another method, a variant path, a wrong host, a document not
// computed yet — falls through to the Koa stack unchanged.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging.ts';
import { DISCOVERY, DOCUMENT_ALLOW_ORIGIN, DOCUMENT_CACHE_CONTROL, noneMatch, type StaticDocument } from '../oidc/discovery.ts';
import { ROUTES } from '../oidc/context.ts';
import { baseSecurityHeaders } from '../portal/security-headers.ts';
import { addressesIssuer, clientAddress } from './request-origin.ts';

/** Request path → the path the document is cached under (RFC 8414's path is the same document). */
const PATHS: ReadonlyMap<string, string> = new Map([
  [DISCOVERY, DISCOVERY],
  ['/.well-known/oauth-authorization-server', DISCOVERY],
  [ROUTES.jwks, ROUTES.jwks],
]);

export interface StaticDocumentOptions {
  readonly issuer: string;
  /** server.trusted_proxies, as a matcher: forwarded headers count only from these peers. */
  readonly isTrusted: (address: string | undefined) => boolean;
  readonly logger: Logger;
  /** The computed document for a cache path, or undefined until the Koa stack has computed it. */
  readonly documents: (path: string) => StaticDocument | undefined;
}

/**
 * Headers as flat [name, value, …] lists: writeHead takes them as they are, which is measurably
 * cheaper than setHeader per header (each is validated and merged one by one).
 */
interface Prepared {
  readonly document: StaticDocument;
  /** The body as text: with a string, node:http sends head and body in one write, not a writev. */
  readonly text: string;
  readonly ok: readonly string[];
  readonly notModified: readonly string[];
}

/** Returns the listener's first step: true when it answered the request, false to pass it on. */
export function staticDocuments(options: StaticDocumentOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const issuer = new URL(options.issuer);
  // Only requests that pass the issuer check get here, so their scheme is the issuer's.
  const security = baseSecurityHeaders({ issuer: options.issuer });
  const prepared = new Map<string, Prepared>();

  function prepare(path: string): Prepared | undefined {
    const document = options.documents(path);
    if (!document) return undefined;
    let entry = prepared.get(path);
    if (entry?.document !== document) {
      const common = Object.entries({ ...security, ETag: document.etag, 'Cache-Control': DOCUMENT_CACHE_CONTROL, 'Access-Control-Allow-Origin': DOCUMENT_ALLOW_ORIGIN }).flat();
      entry = { document, text: document.body.toString('utf8'), ok: [...common, 'Content-Type', document.type, 'Content-Length', String(document.body.length)], notModified: common };
      prepared.set(path, entry);
    }
    return entry;
  }

  return function serveStaticDocument(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const cachePath = PATHS.get(query === -1 ? url : url.slice(0, query));
    if (cachePath === undefined) return false;
    const entry = prepare(cachePath);
    // The host check of the Koa stack, with the same trusted-proxy rule; its 400 comes from there.
    if (!entry || !addressesIssuer(req, issuer, options.isTrusted(req.socket.remoteAddress))) return false;
    const debug = options.logger.isLevelEnabled('debug');
    const started = debug ? process.hrtime.bigint() : 0n;
    const id = randomUUID();
    const status = noneMatch(req.headers['if-none-match'], entry.document.etag) ? 304 : 200;
    const headers = (status === 304 ? entry.notModified : entry.ok).slice();
    headers.push('X-Request-ID', id);
    res.writeHead(status, headers);
    if (status === 200 && method === 'GET') res.end(entry.text, 'utf8');
    else res.end();
    if (debug) {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      options.logger.debug({ request_id: id, method, path: cachePath, status, ms: Math.round(ms * 10) / 10, ip: clientAddress(req, options.isTrusted) }, 'request');
    }
    return true;
  };
}
