// The portal's HTML templating: a tagged template that escapes every interpolated value, so a view can
// only emit markup it wrote itself or wrapped in raw(). Escaping covers text and quoted-attribute
// context (& < > " ' `); views always quote attribute values.

const BRAND: unique symbol = Symbol('castellan.html');

/** Markup that is already safe to emit: the result of html`…`, raw() or join(). */
export interface SafeHTML {
  readonly [BRAND]: true;
  readonly value: string;
  toString(): string;
}

/** What a template may interpolate: text is escaped; nullish and false render nothing; arrays are concatenated. */
export type Interpolation = SafeHTML | string | number | bigint | false | null | undefined | readonly Interpolation[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

const SPECIAL = /[&<>"'`]/g;

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHTML(text: string): string {
  return text.replace(SPECIAL, (c) => ESCAPES[c] ?? c);
}

function safe(value: string): SafeHTML {
  return Object.freeze({ [BRAND]: true as const, value, toString: () => value });
}

export function isSafeHTML(value: unknown): value is SafeHTML {
  return typeof value === 'object' && value !== null && (value as Partial<SafeHTML>)[BRAND] === true;
}

/** Marks a trusted fragment (never user input) as markup. */
export function raw(markup: string): SafeHTML {
  return safe(markup);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'string') return escapeHTML(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (isSafeHTML(value)) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  // A type hole (e.g. `true` or a plain object from untyped code) must not become "[object Object]".
  throw new TypeError(`cannot interpolate a ${typeof value} into HTML`);
}

/** The escaping tagged template: html`<p>${userText}</p>`. */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): SafeHTML {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return safe(out);
}

/** Joins items (escaping text items) with a separator, which is itself escaped unless it is SafeHTML. */
export function join(items: readonly Interpolation[], separator: Interpolation = ''): SafeHTML {
  const glue = render(separator);
  return safe(items.map(render).join(glue));
}

/**
 * The href for a link built from data: a same-origin absolute path ("/…", not "//…" or "/\…") or an
 * http(s) URL; anything else (javascript:, data:, relative paths, and any whitespace or control character,
 * which browsers strip so that "/\t/host" becomes "//host") gives undefined so the link is left out.
 */
export function safeHref(url: string): string | undefined {
  if (/[\u0000-\u0020\u007f]/.test(url)) return undefined;
  if (/^\/(?![/\\])/.test(url)) return url;
  if (!URL.canParse(url)) return undefined;
  const { protocol } = new URL(url);
  return protocol === 'https:' || protocol === 'http:' ? url : undefined;
}
