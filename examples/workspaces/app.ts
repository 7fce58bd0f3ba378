// The Workspaces demo app: a Koa app that signs people in with a local password, against an LDAP
// directory (Kasm's LDAP configurations, same form), or through the relying-party module's OpenID
// routes (Kasm's /api/sso_login, /api/oidc_callback, /api/logout), keeps its own sessions
// in SQLite, and shows the groups and effective settings a sign-in produced. An example of mounting the
// module, not a product: no workspaces, no rate limiting of local passwords.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Context, type Next } from 'koa';
import type { Logger } from 'pino';
import { generateDigest, parseDigest, verifyDigest } from '../../src/crypto/digest.ts';
import { readForm } from '../../src/portal/form.ts';
import {
  createLDAPLogin, effectiveSettings, loginSettings, normalizeUsername, RelyingPartyError, relyingPartyRoutes,
  type AppGroup, type CallbackResult, type LDAPLogin,
} from '../../src/relying-party/index.ts';
import { ADMINISTRATORS, type WorkspacesConfig } from './config.ts';
import { LOCAL_REALM, openDatabase, type AppUser, type WorkspacesDatabase } from './database.ts';
import { adminPage, errorPage, loginPage, profilePage, STYLESHEET, STYLESHEET_PATH } from './views.ts';

/** Named apart from Castellan's cookies: both often run on one host, and browsers share cookies across ports. */
export const SESSION_COOKIE = 'workspaces_session';
export const SESSION_LIFETIME_SECONDS = 8 * 3600;

/** The same wording whatever was wrong, so the page tells nobody which usernames exist. */
const LOGIN_FAILED = 'Incorrect username or password.';

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on the app's own forms.
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function origins(urls: readonly (string | undefined)[]): string[] {
  return [...new Set(urls.flatMap((url) => (url === undefined || !URL.canParse(url) ? [] : [new URL(url).origin])))];
}

/** Pages load only this app's stylesheet and the providers' logos; forms post here (logout may redirect to a provider). */
function contentSecurityPolicy(config: WorkspacesConfig): string {
  const providers = config.relyingParty.oidc;
  return [
    "default-src 'none'",
    "style-src 'self'",
    ['img-src', "'self'", 'data:', ...origins(providers.map((p) => p.logo_url))].join(' '),
    ['form-action', "'self'", ...origins(providers.map((p) => p.issuer))].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function securityHeaders(config: WorkspacesConfig) {
  const headers = { ...SECURITY_HEADERS, 'Content-Security-Policy': contentSecurityPolicy(config) };
  return async function workspacesSecurityHeaders(ctx: Context, next: Next): Promise<void> {
    ctx.set(headers);
    await next();
  };
}

/**
 * Refuses a POST that another origin made the browser send: by Fetch Metadata when the browser sends it
 * (Castellan on another port of the same host is `same-site`, and refused too), or else by Origin.
 */
async function sameOriginPosts(ctx: Context, next: Next): Promise<void> {
  if (ctx.method === 'POST') {
    const site = ctx.get('sec-fetch-site');
    const origin = ctx.get('origin');
    // Not ctx.origin: Koa 3 answers it from the Origin header itself.
    const refused = site !== '' ? site !== 'same-origin' && site !== 'none' : origin !== '' && origin !== `${ctx.protocol}://${ctx.host}`;
    if (refused) ctx.throw(403, 'cross-origin form refused');
  }
  await next();
}

function page(ctx: Context, body: string, status = 200): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = body;
}

export interface WorkspacesAppOptions {
  readonly config: WorkspacesConfig;
  readonly database: WorkspacesDatabase;
  /** Sign-in against the configured LDAP directories (createLDAPLogin); the caller closes it. */
  readonly ldap: LDAPLogin;
  readonly logger: Logger;
}

export function createWorkspacesApp({ config, database, ldap, logger }: WorkspacesAppOptions): Koa {
  const groups = config.relyingParty.groups;
  // A digest to check when the username is unknown, so a miss costs what a hit costs.
  const decoy = generateDigest({ algorithm: 'argon2' }, randomBytes(16).toString('hex')).then((digest) => parseDigest(digest));

  function startSession(ctx: Context, username: string, providerID?: string, idToken?: string): void {
    const token = randomBytes(32).toString('base64url');
    database.createSession(token, { username, providerID, idToken }, SESSION_LIFETIME_SECONDS);
    ctx.cookies.set(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', secure: ctx.secure, maxAge: SESSION_LIFETIME_SECONDS * 1000, overwrite: true });
  }

  function signedInUser(ctx: Context): AppUser | undefined {
    const token = ctx.cookies.get(SESSION_COOKIE);
    const session = token === undefined ? undefined : database.findSession(token);
    return session === undefined ? undefined : database.findUser(session.username);
  }

  function memberGroups(user: AppUser): AppGroup[] {
    return groups.filter((group) => user.groups.includes(group.name)).sort((a, b) => a.priority - b.priority);
  }

  function showLogin(ctx: Context, autoLogin: boolean): void {
    if (signedInUser(ctx)) return ctx.redirect('/profile');
    const options = loginSettings(config.relyingParty.oidc, ctx.host).oidc.oidc_configs;
    const auto = autoLogin ? options.find((option) => option.auto_login) : undefined;
    if (auto) return ctx.redirect(auto.login_url);
    page(ctx, loginPage(options));
  }

  function refuse(ctx: Context, username: string): void {
    page(ctx, loginPage(loginSettings(config.relyingParty.oidc, ctx.host).oidc.oidc_configs, { message: LOGIN_FAILED, username }), 401);
  }

  /** Kasm's order: a local user checks the password here; anyone else whose domain an LDAP configuration accepts, the directory. */
  async function login(ctx: Context): Promise<void> {
    const form = await readForm(ctx);
    const username = normalizeUsername(form.get('username') ?? '');
    const password = form.get('password') ?? '';
    const user = database.findUser(username);
    if (user?.realm !== LOCAL_REALM && ldap.accepts(username)) return ldapLogin(ctx, username, password);
    const digest = user?.realm === LOCAL_REALM && user.password !== undefined ? parseDigest(user.password) : await decoy;
    const valid = await verifyDigest(digest, password);
    if (!valid || user?.realm !== LOCAL_REALM) {
      logger.info({ username }, 'local sign-in refused');
      return refuse(ctx, username);
    }
    startSession(ctx, user.username);
    logger.info({ username }, 'local sign-in');
    ctx.status = 303;
    ctx.redirect('/profile');
  }

  /** The module logs the precise reason of a refusal; the page says only LOGIN_FAILED. */
  async function ldapLogin(ctx: Context, username: string, password: string): Promise<void> {
    try {
      const signedIn = await ldap.login(username, password);
      startSession(ctx, signedIn.user.username, signedIn.providerID);
    } catch (error) {
      if (error instanceof RelyingPartyError) return refuse(ctx, username);
      throw error;
    }
    ctx.status = 303;
    ctx.redirect('/profile');
  }

  function profile(ctx: Context): void {
    const user = signedInUser(ctx);
    if (!user) return ctx.redirect('/');
    page(ctx, profilePage(user, memberGroups(user), effectiveSettings(groups, user.groups), user.groups.includes(ADMINISTRATORS)));
  }

  function admin(ctx: Context): void {
    const user = signedInUser(ctx);
    if (!user) return ctx.redirect('/');
    if (!user.groups.includes(ADMINISTRATORS)) return page(ctx, errorPage('Not allowed', `Only members of ${ADMINISTRATORS} may see this page.`), 403);
    page(ctx, adminPage(user.username, database.listUsers(), groups, database.memberCounts()));
  }

  const routes: Readonly<Record<string, (ctx: Context) => void | Promise<void>>> = {
    'GET /': (ctx) => showLogin(ctx, true),
    // Kasm's /#/staticlogin: the login page without auto login.
    'GET /staticlogin': (ctx) => showLogin(ctx, false),
    'POST /login': login,
    'GET /profile': profile,
    'GET /admin': admin,
    [`GET ${STYLESHEET_PATH}`]: (ctx) => {
      ctx.type = 'text/css; charset=utf-8';
      ctx.body = STYLESHEET;
    },
  };

  const app = new Koa();
  app.use(securityHeaders(config));
  app.use(sameOriginPosts);
  app.use(relyingPartyRoutes({
    configs: config.relyingParty.oidc,
    groups,
    store: database,
    cookieSecret: config.sessionSecret,
    logger,
    onLogin(ctx: Context, login: CallbackResult) {
      startSession(ctx, login.user.username, login.providerID, login.idToken);
      ctx.redirect('/profile');
    },
    onLogout(ctx: Context) {
      const token = ctx.cookies.get(SESSION_COOKIE);
      ctx.cookies.set(SESSION_COOKIE, null, { path: '/' });
      return token === undefined ? undefined : database.deleteSession(token);
    },
    renderError(ctx: Context, error: RelyingPartyError) {
      page(ctx, errorPage('Sign-in failed', error.message, { code: error.code, retryURL: error.retryURL }), error.status);
    },
  }));
  app.use(async function workspacesRoutes(ctx: Context): Promise<void> {
    const route = routes[`${ctx.method} ${ctx.path}`];
    if (route) await route(ctx);
    else page(ctx, errorPage('Not found', 'There is no such page here.'), 404);
  });
  return app;
}

export interface RunningWorkspaces {
  readonly url: string;
  close(): Promise<void>;
}

/** Opens the database, makes its groups and local users match the configuration, and listens. */
export async function startWorkspaces(config: WorkspacesConfig, logger: Logger): Promise<RunningWorkspaces> {
  for (const warning of config.warnings) logger.warn(warning);
  const database = openDatabase(config.storagePath);
  database.syncConfiguredGroups(config.relyingParty.groups);
  for (const name of database.syncLocalUsers(config.localUsers)) logger.warn({ username: name }, 'local_users: skipped, the name belongs to a user of another realm');
  const ldap = createLDAPLogin({ configs: config.relyingParty.ldap, groups: config.relyingParty.groups, store: database, logger });
  const server = createServer(createWorkspacesApp({ config, database, ldap, logger }).callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ldap.close();
      database.close();
    },
  };
}
