// Reads an application/x-www-form-urlencoded request body once per request, with a size limit, so the
// CSRF check and the route that handles the form share one parse. Only for portal routes: oidc-provider
// reads its own endpoints' bodies and must find the stream unread.
import type { Context } from 'koa';

/** Portal forms are a few short fields; anything larger is refused before it is buffered. */
export const FORM_LIMIT_BYTES = 16 * 1024;

/** The longest value field() returns unless told otherwise. */
export const FIELD_LIMIT_CHARS = 1024;

export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** A body that cannot be read as a portal form; `status` is the HTTP status to answer with. */
export class FormError extends Error {
  readonly status: 400 | 413 | 415;
  /** Koa's default error response may show the message: it names no input. */
  readonly expose = true;

  constructor(status: 400 | 413 | 415, message: string) {
    super(message);
    this.name = 'FormError';
    this.status = status;
  }
}

const parsed = new WeakMap<Context, Promise<URLSearchParams>>();

async function readBody(ctx: Context, limit: number): Promise<string> {
  const declared = ctx.request.length;
  if (declared !== undefined && declared > limit) throw new FormError(413, 'form is too large');
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    received += bytes.length;
    if (received > limit) throw new FormError(413, 'form is too large');
    chunks.push(bytes);
  }
  if (declared !== undefined && received !== declared) throw new FormError(400, 'form length does not match Content-Length');
  return Buffer.concat(chunks, received).toString('utf8');
}

/** True when the request carries a urlencoded form body. */
export function isForm(ctx: Context): boolean {
  return ctx.is(FORM_TYPE) === FORM_TYPE;
}

/**
 * The request's form fields. Rejects with FormError: 415 for another content type, 413 past `limit`,
 * 400 on a body shorter or longer than Content-Length. Repeated calls on one request share one parse.
 */
export function readForm(ctx: Context, limit: number = FORM_LIMIT_BYTES): Promise<URLSearchParams> {
  let form = parsed.get(ctx);
  if (!form) {
    form = isForm(ctx) ? readBody(ctx, limit).then((text) => new URLSearchParams(text)) : Promise.reject(new FormError(415, `expected ${FORM_TYPE}`));
    parsed.set(ctx, form);
  }
  return form;
}

/**
 * The one value of a field, or '' when it is missing, repeated (never legitimate for a portal form) or
 * longer than `maxLength` characters, so callers treat all three as "not given".
 */
export function field(form: URLSearchParams, name: string, maxLength: number = FIELD_LIMIT_CHARS): string {
  const values = form.getAll(name);
  const value = values.length === 1 ? (values[0] ?? '') : '';
  return value.length <= maxLength ? value : '';
}
