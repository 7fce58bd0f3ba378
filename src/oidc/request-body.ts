// Form bodies that Castellan reads before oidc-provider does (pushed authorization requests,
// introspection, revocation): read once, and handed on, possibly rewritten, as if unread.
import type { Context } from 'koa';

const BODY_LIMIT = 56 * 1024;
// The body as last replaced: a later reader gets it without touching the consumed stream.
const REPLACED = Symbol('castellan.replacedBody');

/** Replaces a request body that oidc-provider will read from the stream. */
export function replaceBody(ctx: Context, body: string): void {
  const buffer = Buffer.from(body, 'utf8');
  const req = ctx.req as unknown as Record<string | symbol, unknown>;
  req[REPLACED] = body;
  req['headers'] = { ...ctx.req.headers, 'content-length': String(buffer.length) };
  Object.defineProperty(req, 'readable', { value: true, configurable: true });
  req['iterator'] = async function* iterator(): AsyncGenerator<Buffer> {
    yield buffer;
  };
}

/** Reads a form body oidc-provider has not read yet (at most its 56 KiB limit). */
export async function readBody(ctx: Context): Promise<string> {
  const replaced = (ctx.req as unknown as Record<symbol, unknown>)[REPLACED];
  if (typeof replaced === 'string') return replaced;
  // Refuse by the declared length first, so an oversized body is answered rather than cut off.
  if ((ctx.request.length ?? 0) > BODY_LIMIT) ctx.throw(413, 'request entity too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) ctx.throw(413, 'request entity too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
