// Discovery and JWKS documents change only when the configuration or keys do, so they are computed
// once by oidc-provider, adjusted for what Castellan adds (the plain PKCE method when enabled, an
// explicit require_pushed_authorization_requests), and then served from a precomputed body with an
// ETag and conditional GET, ahead of everything else.
import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import { ROUTES, type ProviderContext } from './context.ts';

const DISCOVERY = '/.well-known/openid-configuration';
const CACHEABLE = new Set([DISCOVERY, ROUTES.jwks]);

interface Cached {
  readonly body: string;
  readonly etag: string;
  readonly type: string;
}

function adjust(path: string, body: Record<string, unknown>, context: ProviderContext): Record<string, unknown> {
  if (path !== DISCOVERY) return body;
  const methods = new Set((body['code_challenge_methods_supported'] as string[] | undefined) ?? ['S256']);
  if (context.oidc.enable_pkce_plain_challenge) methods.add('plain');
  // oidc-provider omits require_pushed_authorization_requests when false; Authelia always publishes it.
  const requirePAR = context.oidc.require_pushed_authorization_requests === true;
  return { ...body, code_challenge_methods_supported: [...methods], require_pushed_authorization_requests: requirePAR };
}

export function precomputedDocuments(context: ProviderContext) {
  const cache = new Map<string, Cached>();
  return async function documents(ctx: Context, next: Next): Promise<void> {
    if (!CACHEABLE.has(ctx.path) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    let entry = cache.get(ctx.path);
    if (!entry) {
      await next();
      if (ctx.status !== 200 || ctx.body === null || typeof ctx.body !== 'object') return;
      const body = JSON.stringify(adjust(ctx.path, ctx.body as Record<string, unknown>, context));
      entry = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, type: ctx.path === ROUTES.jwks ? 'application/jwk-set+json; charset=utf-8' : 'application/json; charset=utf-8' };
      cache.set(ctx.path, entry);
    }
    ctx.set('ETag', entry.etag);
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.remove('Pragma');
    if (ctx.get('If-None-Match') === entry.etag) {
      ctx.status = 304;
      ctx.body = null;
      return;
    }
    ctx.status = 200;
    ctx.type = entry.type;
    ctx.body = entry.body;
  };
}
