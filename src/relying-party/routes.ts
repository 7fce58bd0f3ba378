// Kasm's SSO paths as one Koa middleware: POST /api/login_settings, GET /api/sso_login?id=,
// GET /api/oidc_callback and POST /api/logout. Mount it before the application's own routes; it answers
// only those four and passes everything else on. The application keeps its own session: it is handed
// the signed-in user in `onLogin` and asked to end its session in `onLogout`.
import type { Context, Middleware, Next } from 'koa';
import { handleCallback, createReplayGuard, type CallbackResult, type RelyingPartyLogger } from './callback.ts';
import { CALLBACK_PATH, type AppGroup, type RelyingPartyConfig } from './config.ts';
import { RelyingPartyError } from './errors.ts';
import { loginSettings } from './login-settings.ts';
import { buildLoginRedirect } from './login.ts';
import { buildLogoutRedirect } from './logout.ts';
import type { UserStore } from './provisioning.ts';
import { clearStateCookie, cookieValue, MINIMUM_SECRET_LENGTH, readStateCookie, STATE_COOKIE_NAME } from './state-cookie.ts';

type Awaitable<T> = T | Promise<T>;

export const PATHS = Object.freeze({
  loginSettings: '/api/login_settings',
  ssoLogin: '/api/sso_login',
  callback: CALLBACK_PATH,
  logout: '/api/logout',
});

/** Headers on every answer of the module: nothing is cached, and the callback's code never leaks in a Referer. */
const RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });

export interface EndedSession {
  /** The provider configuration the user signed in with (undefined for a local user). */
  readonly providerID?: string | undefined;
  readonly idToken?: string | undefined;
}

export interface RelyingPartyRoutesOptions {
  readonly configs: readonly RelyingPartyConfig[];
  readonly groups?: readonly AppGroup[];
  readonly store: UserStore;
  /** At least 32 characters; the state cookie's HMAC key is derived from it. */
  readonly cookieSecret: string;
  readonly cookieName?: string;
  /** Starts the application session for the signed-in user and answers (typically a redirect). */
  onLogin(ctx: Context, login: CallbackResult): Awaitable<void>;
  /** Ends the application session; says which provider it came from so that one can end its own. */
  onLogout?(ctx: Context): Awaitable<EndedSession | undefined>;
  /** Where logout ends (and the post_logout_redirect_uri sent to the provider); defaults to the root of the redirect URL's origin. */
  readonly postLogoutRedirectURL?: (ctx: Context) => string;
  /** Answers a failed sign-in; defaults to a small page with #error-message and a retry link. */
  renderError?(ctx: Context, error: RelyingPartyError): Awaitable<void>;
  readonly logger?: RelyingPartyLogger;
  /** Epoch milliseconds (tests). */
  readonly now?: () => number;
}

function escapeHTML(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The default error page: what went wrong, and a way to start again when that can help. */
export function defaultRenderError(ctx: Context, error: RelyingPartyError): void {
  const retry = error.retryURL ? `<p><a id="error-retry" href="${escapeHTML(error.retryURL)}">Try again</a></p>` : '';
  ctx.status = error.status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head><body><h1>Sign-in failed</h1><p id="error-message" data-error-code="${error.code}">${escapeHTML(error.message)}</p>${retry}<p><a href="/">Back to the login page</a></p></body></html>`;
}

export function relyingPartyRoutes(options: RelyingPartyRoutesOptions): Middleware {
  // Fail at start-up, not at the first sign-in.
  if (options.cookieSecret.length < MINIMUM_SECRET_LENGTH) throw new RangeError(`cookieSecret must be at least ${MINIMUM_SECRET_LENGTH} characters long`);
  const cookieName = options.cookieName ?? STATE_COOKIE_NAME;
  const replay = createReplayGuard();
  const now = options.now ?? Date.now;
  const renderError = options.renderError ?? defaultRenderError;

  function enabledConfig(id: string | undefined): RelyingPartyConfig {
    const config = options.configs.find((c) => c.id === id && c.enabled);
    if (!config) throw new RelyingPartyError('unknown_provider', { detail: `no enabled OpenID configuration '${id ?? ''}'` });
    return config;
  }

  async function startLogin(ctx: Context): Promise<void> {
    const id = typeof ctx.query['id'] === 'string' ? ctx.query['id'] : undefined;
    const redirect = await buildLoginRedirect(enabledConfig(id), { cookieSecret: options.cookieSecret, cookieName, now: now() });
    ctx.append('Set-Cookie', redirect.cookie);
    ctx.redirect(redirect.url);
  }

  async function callback(ctx: Context): Promise<void> {
    // A sign-in answer is used once, whatever happens next.
    ctx.append('Set-Cookie', clearStateCookie(cookieName));
    const cookie = cookieValue(ctx.get('cookie'), cookieName);
    // The cookie is verified here to pick the configuration, and again by handleCallback.
    const config = enabledConfig(readStateCookie(cookie, { cookieSecret: options.cookieSecret, now: now() }).providerID);
    const login = await handleCallback(config, { url: ctx.originalUrl, cookie, cookieSecret: options.cookieSecret, store: options.store, groups: options.groups, replay, logger: options.logger, now: now() });
    await options.onLogin(ctx, login);
  }

  async function logout(ctx: Context): Promise<void> {
    const ended = await options.onLogout?.(ctx);
    const config = options.configs.find((c) => c.id === ended?.providerID);
    // The application's root on the host the provider knows (the redirect URL's), or this host's.
    const done = options.postLogoutRedirectURL?.(ctx) ?? (config ? new URL('/', config.redirect_url).href : '/');
    let target = done;
    if (config) {
      try {
        target = (await buildLogoutRedirect(config, { idToken: ended?.idToken, postLogoutRedirectURL: done })) ?? done;
      } catch (error) {
        // The application session is over either way; the provider's is left to expire.
        options.logger?.warn({ provider: config.id, code: (error as { code?: unknown }).code, detail: (error as { detail?: unknown }).detail }, 'OIDC logout at the provider skipped');
      }
    }
    ctx.status = 303;
    ctx.redirect(target);
  }

  const routes: Readonly<Record<string, (ctx: Context) => Awaitable<void>>> = {
    [`POST ${PATHS.loginSettings}`]: (ctx) => {
      ctx.body = loginSettings(options.configs, ctx.host);
    },
    [`GET ${PATHS.ssoLogin}`]: startLogin,
    [`GET ${PATHS.callback}`]: callback,
    [`POST ${PATHS.logout}`]: logout,
  };

  return async function relyingPartyRouter(ctx: Context, next: Next): Promise<void> {
    const route = routes[`${ctx.method} ${ctx.path}`];
    if (!route) return next();
    ctx.set(RESPONSE_HEADERS);
    try {
      await route(ctx);
    } catch (error) {
      if (!(error instanceof RelyingPartyError)) throw error;
      options.logger?.warn({ code: error.code, provider: error.providerID, detail: error.detail }, `OIDC sign-in failed: ${error.code}`);
      await renderError(ctx, error);
    }
  };
}
