// Response security headers as data: one table of fixed headers, one of CSP directives, and a
// middleware that applies them. A response that renders a page gets a fresh CSP nonce, made when
// the page first asks for it (ctx.state.cspNonce); JSON and redirects get script-src 'none' and
// cost no randomness. Routes never call ctx.set for these; a route that must post a form to
// another origin says so with allowFormAction().
import { randomBytes } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';

/** Browser features the portal never uses are off; WebAuthn is allowed for this origin (passkeys). */
export const PERMISSIONS: Readonly<Record<string, string>> = {
  accelerometer: '()',
  autoplay: '()',
  camera: '()',
  'display-capture': '()',
  'encrypted-media': '()',
  fullscreen: '()',
  geolocation: '()',
  gyroscope: '()',
  hid: '()',
  magnetometer: '()',
  microphone: '()',
  midi: '()',
  payment: '()',
  'picture-in-picture': '()',
  'publickey-credentials-create': '(self)',
  'publickey-credentials-get': '(self)',
  'screen-wake-lock': '()',
  serial: '()',
  usb: '()',
  'xr-spatial-tracking': '()',
};

/** Sent on every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Permissions-Policy': Object.entries(PERMISSIONS).map(([feature, allow]) => `${feature}=${allow}`).join(', '),
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Added when the response body is HTML: pages carry CSRF tokens and personal data. */
export const HTML_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

/** Sent on https responses unless the `hsts` option is false (ASVS 3.4.1: at least a year). */
export const HSTS_HEADER = { name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' } as const;

/** What varies per response. */
export interface PolicyInputs {
  /** The page's script nonce; without one no script may run (script-src 'none'). */
  readonly nonce?: string;
  /** Origins (or scheme sources) the page may submit forms to besides its own. */
  readonly formActionOrigins: readonly string[];
}

/** The Content-Security-Policy, in order; functions fill in the per-response parts. */
export const CSP_DIRECTIVES: ReadonlyArray<readonly [string, (inputs: PolicyInputs) => readonly string[]]> = [
  ['default-src', () => ["'none'"]],
  ['script-src', ({ nonce }) => (nonce === undefined ? ["'none'"] : [`'nonce-${nonce}'`])],
  ['style-src', () => ["'self'"]],
  ['img-src', () => ["'self'", 'data:']],
  // The passkey page fetches its WebAuthn options from the portal itself.
  ['connect-src', () => ["'self'"]],
  ['form-action', ({ formActionOrigins }) => ["'self'", ...formActionOrigins]],
  ['frame-ancestors', () => ["'none'"]],
  ['base-uri', () => ["'none'"]],
];

export function contentSecurityPolicy(inputs: PolicyInputs): string {
  return CSP_DIRECTIVES.map(([name, values]) => [name, ...values(inputs)].join(' ')).join('; ');
}

/** What securityHeaders puts on ctx.state. */
export interface SecurityState {
  /** Base64url, 128 bits, new for every response that reads it; pass it to views as `nonce`. */
  readonly cspNonce: string;
  /** Push (never reassign) an origin to let this response's page post a form there; prefer allowFormAction(). */
  formActionOrigins: string[];
}

export interface SecurityHeadersOptions {
  /** The external URL; when it is https, responses are treated as https (the TLS proxy case) for HSTS. */
  readonly issuer?: string;
  /** Send Strict-Transport-Security on https responses (default true). */
  readonly hsts?: boolean;
}

const NONCE_BYTES = 16;
const HTTP_ORIGIN = /^https?:\/\/[^\s;,'"/?#\\]+$/;
const SCHEME_SOURCE = /^[a-z][a-z0-9+.-]*:$/;
const NEVER_FORM_TARGETS: ReadonlySet<string> = new Set(['javascript:', 'data:', 'blob:', 'filesystem:', 'about:', 'file:']);

/**
 * The CSP source that lets a form post to `url`: its origin for http(s), else its scheme (native apps'
 * private-use redirect URIs, RFC 8252 §7.1). Throws for URLs no form should post to.
 */
export function formActionSource(url: string): string {
  if (!URL.canParse(url)) throw new TypeError('form-action target must be an absolute URL');
  const target = new URL(url);
  if (target.protocol === 'http:' || target.protocol === 'https:') return target.origin;
  if (NEVER_FORM_TARGETS.has(target.protocol) || !SCHEME_SOURCE.test(target.protocol)) {
    throw new TypeError(`form-action target must not use the ${target.protocol} scheme`);
  }
  return target.protocol;
}

function checkSource(source: string): string {
  if (HTTP_ORIGIN.test(source) || (SCHEME_SOURCE.test(source) && !NEVER_FORM_TARGETS.has(source))) return source;
  throw new TypeError(`form-action source must be an origin or a scheme but is ${JSON.stringify(source)}`);
}

function state(ctx: Context): SecurityState {
  const s = ctx.state as Partial<SecurityState>;
  // formActionOrigins, not cspNonce: reading the nonce would make one.
  if (!Array.isArray(s.formActionOrigins) || !('cspNonce' in s)) {
    throw new Error('securityHeaders middleware is not mounted before this route');
  }
  return s as SecurityState;
}

/** The response's CSP nonce, for views. */
export function cspNonce(ctx: Context): string {
  return state(ctx).cspNonce;
}

/**
 * Lets this response's page submit a form to `url`'s origin. Needed for the form_post page and for
 * any portal form whose POST ends in a redirect to the client: browsers apply form-action to every
 * redirect of the submission (Chromium blocks the final hop to redirect_uri otherwise).
 */
export function allowFormAction(ctx: Context, url: string): void {
  const source = formActionSource(url);
  const origins = state(ctx).formActionOrigins;
  if (!origins.includes(source)) origins.push(source);
}

/** A serialized policy's directives, each as written ("name source source …"). */
function directivesOf(policy: string): string[] {
  return policy.split(';').map((d) => d.trim()).filter((d) => d !== '');
}

function directiveName(directive: string): string {
  return directive.split(/\s+/)[0]!;
}

/** Replaces one directive of a serialized policy, keeping what others (oidc-provider's script hashes) added. */
function replaceDirective(policy: string, name: string, values: readonly string[]): string {
  const directives = directivesOf(policy);
  const replacement = [name, ...values].join(' ');
  const index = directives.findIndex((d) => directiveName(d) === name);
  if (index === -1) directives.push(replacement);
  else directives[index] = replacement;
  return directives.join('; ');
}

/** The fixed headers of every response, with the nonce-less CSP (what JSON and redirects keep). */
export function baseSecurityHeaders(options: SecurityHeadersOptions & { readonly https?: boolean } = {}): Readonly<Record<string, string>> {
  const httpsIssuer = options.issuer !== undefined && new URL(options.issuer).protocol === 'https:';
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'Content-Security-Policy': contentSecurityPolicy({ formActionOrigins: [] }) };
  if (options.hsts !== false && (httpsIssuer || options.https === true)) headers[HSTS_HEADER.name] = HSTS_HEADER.value;
  return headers;
}

/**
 * The final policy when the response took a nonce, widened form-action, or had script hashes added
 * by oidc-provider (pushInlineSha appends them to the script-src it finds, here 'none').
 */
function finalPolicy(current: string, base: string, nonce: string | undefined, origins: readonly string[]): string {
  if (current === base) return contentSecurityPolicy({ nonce, formActionOrigins: origins });
  let policy = current;
  const script = directivesOf(policy).find((d) => directiveName(d) === 'script-src');
  const sources = (script?.split(/\s+/).slice(1) ?? []).filter((s) => s !== "'none'");
  if (nonce !== undefined) sources.unshift(`'nonce-${nonce}'`);
  policy = replaceDirective(policy, 'script-src', sources.length > 0 ? sources : ["'none'"]);
  if (origins.length > 0) policy = replaceDirective(policy, 'form-action', ["'self'", ...origins]);
  return policy;
}

/**
 * Mount first, outside the portal routes and oidc-provider. Puts `cspNonce` (made on first read) and
 * `formActionOrigins` on ctx.state (SecurityState) and sets SECURITY_HEADERS and the nonce-less CSP
 * before the rest runs (so oidc-provider can append script hashes to it); afterwards adds the nonce
 * if the page took one, widens form-action by what the route allowed and adds HTML_HEADERS to HTML
 * responses. A thrown error carries the headers too, since Koa's error response clears the ones
 * already set.
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): Middleware {
  const plain = baseSecurityHeaders(options);
  const secure = baseSecurityHeaders({ ...options, https: true });
  const basePolicy = plain['Content-Security-Policy']!;
  return async function securityHeadersMiddleware(ctx: Context, next: Next): Promise<void> {
    let nonce: string | undefined;
    const formActionOrigins: string[] = [];
    Object.defineProperties(ctx.state, {
      cspNonce: { enumerable: true, get: () => (nonce ??= randomBytes(NONCE_BYTES).toString('base64url')) },
      formActionOrigins: { enumerable: true, value: formActionOrigins },
    });
    const headers = ctx.secure ? secure : plain;
    ctx.set(headers as Record<string, string>);
    try {
      await next();
      const origins = formActionOrigins.map(checkSource);
      const current = ctx.response.get('Content-Security-Policy') || basePolicy;
      if (nonce !== undefined || origins.length > 0 || current !== basePolicy) ctx.set('Content-Security-Policy', finalPolicy(current, basePolicy, nonce, origins));
    } catch (err) {
      if (err instanceof Error) {
        const carried = err as Error & { headers?: Record<string, string> };
        // Error pages may carry a script: they get a nonce like any page.
        nonce ??= randomBytes(NONCE_BYTES).toString('base64url');
        carried.headers = { ...headers, 'Content-Security-Policy': contentSecurityPolicy({ nonce, formActionOrigins: [] }), ...HTML_HEADERS, ...carried.headers };
      }
      throw err;
    }
    if (ctx.response.is('html')) ctx.set(HTML_HEADERS);
  };
}
