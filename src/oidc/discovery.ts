// Discovery and JWKS documents change only when the configuration or keys do, so they are computed
// once by oidc-provider, adjusted for what Castellan adds (the plain PKCE method when enabled, an
// explicit require_pushed_authorization_requests), and then served from a precomputed body with an
// ETag and conditional GET. The first request of each goes through the Koa stack (this middleware
// computes and keeps it); later ones are answered by src/server/static-documents.ts before Koa.
import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import { ROUTES, type ProviderContext } from './context.ts';

export const DISCOVERY = '/.well-known/openid-configuration';
const CACHEABLE = new Set([DISCOVERY, ROUTES.jwks]);

/** One document as served: the exact bytes, its strong validator and media type. */
export interface StaticDocument {
  readonly body: Buffer;
  readonly etag: string;
  readonly type: string;
}

/** What discovery and JWKS responses carry besides the security headers. */
export const DOCUMENT_CACHE_CONTROL = 'public, max-age=300';
/** Public documents: any origin may read them (CORS), as Authelia allows. */
export const DOCUMENT_ALLOW_ORIGIN = '*';

/**
 * RFC 9110 §13.1.2: If-None-Match matches when it is `*` or lists the ETag, compared weakly
 * (a W/ prefix on either side does not matter).
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined || header === '') return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}

export interface DocumentCache {
  /** Koa middleware: computes each document once through oidc-provider, then serves it. */
  readonly middleware: (ctx: Context, next: Next) => Promise<void>;
  /** The document at this exact path, once it has been computed (undefined before the first request). */
  get(path: string): StaticDocument | undefined;
}

function adjust(path: string, body: Record<string, unknown>, context: ProviderContext): Record<string, unknown> {
  if (path !== DISCOVERY) return body;
  const methods = new Set((body['code_challenge_methods_supported'] as string[] | undefined) ?? ['S256']);
  if (context.oidc.enable_pkce_plain_challenge) methods.add('plain');
  // oidc-provider omits require_pushed_authorization_requests when false; Authelia always publishes it.
  const requirePAR = context.oidc.require_pushed_authorization_requests === true;
  return { ...body, code_challenge_methods_supported: [...methods], require_pushed_authorization_requests: requirePAR };
}

export function documentCache(context: ProviderContext): DocumentCache {
  const cache = new Map<string, StaticDocument>();
  async function documents(ctx: Context, next: Next): Promise<void> {
    if (!CACHEABLE.has(ctx.path) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    let entry = cache.get(ctx.path);
    if (!entry) {
      await next();
      if (ctx.status !== 200 || ctx.body === null || typeof ctx.body !== 'object') return;
      const body = Buffer.from(JSON.stringify(adjust(ctx.path, ctx.body as Record<string, unknown>, context)), 'utf8');
      entry = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, type: ctx.path === ROUTES.jwks ? 'application/jwk-set+json; charset=utf-8' : 'application/json; charset=utf-8' };
      cache.set(ctx.path, entry);
    }
    ctx.set('ETag', entry.etag);
    ctx.set('Cache-Control', DOCUMENT_CACHE_CONTROL);
    ctx.set('Access-Control-Allow-Origin', DOCUMENT_ALLOW_ORIGIN);
    ctx.remove('Pragma');
    if (noneMatch(ctx.get('If-None-Match'), entry.etag)) {
      ctx.status = 304;
      ctx.body = null;
      return;
    }
    ctx.status = 200;
    ctx.type = entry.type;
    ctx.body = entry.body;
  }
  return { middleware: documents, get: (path) => cache.get(path) };
}
