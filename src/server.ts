// Composes the running server: storage → identity → oidc-provider → portal, with the middleware
// order on one screen. oidc-provider is itself a Koa app; `provider.use` puts Castellan's
// middleware in front of its router, in the order listed here.
import { randomUUID } from 'node:crypto';
import { hkdfSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, Next } from 'koa';
import type { Config } from './config/types.ts';
import { parseListenAddress } from './config/validators/sections.ts';
import { deprioritizeThreadPool, HASH_THREAD_NICE } from './crypto/thread-priority.ts';
import { openAuthenticationBackend } from './identity/open-backend.ts';
import type { AuthenticationBackend } from './identity/user.ts';
import type { Logger } from './logging.ts';
import { authorizationRequestRules } from './oidc/authorization-request.ts';
import { introspectionAccess } from './oidc/introspection-access.ts';
import { documentCache } from './oidc/discovery.ts';
import { introspectionAudience } from './oidc/consent-policy.ts';
import { buildProvider, type BuiltProvider } from './oidc/provider.ts';
import { ROUTES } from './oidc/context.ts';
import { interactionRoutes } from './portal/interactions.ts';
import { createRegulator } from './identity/regulation.ts';
import { createTimingPad, type TimingPadOptions } from './identity/timing.ts';
import { portalPages, portalRoutes } from './portal/routes.ts';
import { settingsRoutes } from './portal/settings.ts';
import { allowFormAction, securityHeaders } from './portal/security-headers.ts';
import { openStorage, type Storage } from './storage/database.ts';
import { commitPendingWrites, startPurging } from './storage/oidc-adapter.ts';
import { networkMatcher } from './util/network.ts';
import { addressesIssuer, clientAddress, FORWARDED_HEADERS } from './server/request-origin.ts';
import { staticDocuments } from './server/static-documents.ts';

export interface RunningServer {
  /** The URL the server listens on (not necessarily the issuer). */
  readonly url: string;
  readonly issuer: string;
  readonly port: number;
  readonly built: BuiltProvider;
  /** Stops accepting connections, lets in-flight requests finish, then closes storage. */
  close(): Promise<void>;
}

/** The issuer is the portal's external URL: the first session cookie's authelia_url, as in Authelia. */
export function issuerOf(config: Config): string {
  const url = config.session.cookies?.[0]?.authelia_url;
  if (!url) throw new Error("session.cookies[0].authelia_url is required: it is the portal's external URL and the OpenID Connect issuer");
  return url.replace(/\/+$/, '');
}

/**
 * Forgets X-Forwarded-* headers unless the peer is a trusted proxy (server.trusted_proxies). From a
 * trusted proxy, the client address is the right-most X-Forwarded-For entry that is not itself a
 * trusted proxy: entries further left were written by the client and prove nothing.
 */
function trustProxies(isTrusted: (address: string | undefined) => boolean) {
  return async function trustedProxyHeaders(ctx: Context, next: Next): Promise<void> {
    if (!isTrusted(ctx.req.socket.remoteAddress)) {
      for (const header of FORWARDED_HEADERS) delete ctx.req.headers[header];
    } else {
      const client = clientAddress(ctx.req, isTrusted);
      if (client) ctx.request.ip = client;
    }
    await next();
  };
}

function requestLog(logger: Logger) {
  return async function requestLogging(ctx: Context, next: Next): Promise<void> {
    const id = randomUUID();
    ctx.state['requestID'] = id;
    ctx.set('X-Request-ID', id);
    // The log line is debug: below that level nothing of it is built.
    if (!logger.isLevelEnabled('debug')) return next();
    const started = process.hrtime.bigint();
    // Read before the request runs: a destroyed socket (e.g. an oversized body) has no address after.
    const ip = ctx.ip;
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The path only: query strings carry codes, states and tokens.
      logger.debug({ request_id: id, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, ip }, 'request');
    }
  };
}

/**
 * Requests must address the configured external URL; anything else would get a wrong issuer.
 * Untrusted peers' forwarded headers are gone by now (trustProxies), so they are read as Koa would.
 */
function hostCheck(issuer: string, exempt: readonly string[]) {
  const expected = new URL(issuer);
  return async function issuerHost(ctx: Context, next: Next): Promise<void> {
    if (exempt.includes(ctx.path) || addressesIssuer(ctx.req, expected, true)) {
      await next();
      return;
    }
    ctx.status = 400;
    ctx.type = 'text/plain';
    ctx.body = `This Castellan server is configured for ${expected.origin} (session.cookies[].authelia_url), but this request was for ${ctx.protocol}://${ctx.host}. Use ${expected.origin}, or add a session cookie for this address.\n`;
  };
}

/**
 * oidc-provider's form_post response posts to the client's (verified) redirect URI: let that page's
 * CSP allow it, since the portal's form-action is 'self' otherwise.
 */
async function formPostTargets(ctx: Context, next: Next): Promise<void> {
  await next();
  const oidc = (ctx as Context & { oidc?: { params?: Record<string, unknown>; client?: { redirectUriAllowed(uri: string): boolean } } }).oidc;
  const target = oidc?.params?.['redirect_uri'];
  const verified = typeof target === 'string' && oidc?.client?.redirectUriAllowed(target) === true;
  if (verified && oidc?.params?.['response_mode'] === 'form_post' && ctx.response.is('html')) allowFormAction(ctx, target);
}

const CANONICAL_PATHS = new Map([...Object.values(ROUTES), '/.well-known/openid-configuration'].map((p) => [p.toLowerCase(), p]));

/**
 * oidc-provider's router matches paths case-insensitively and with a trailing slash; Castellan's own
 * checks match the exact paths. Variants are refused so that no request reaches an endpoint around them.
 */
async function canonicalPaths(ctx: Context, next: Next): Promise<void> {
  const normalized = ctx.path.toLowerCase().replace(/\/+$/, '');
  const canonical = CANONICAL_PATHS.get(normalized);
  if (canonical !== undefined && canonical !== ctx.path) {
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = `Not found; the endpoint is ${canonical}\n`;
    return;
  }
  await next();
}

/** Authelia also serves the metadata at RFC 8414's path; it is the same document. */
async function authorizationServerMetadata(ctx: Context, next: Next): Promise<void> {
  if (ctx.path === '/.well-known/oauth-authorization-server') ctx.path = '/.well-known/openid-configuration';
  await next();
}

export interface ServerOptions {
  /** Milliseconds since the epoch for storage (consent and token expiry); tests pass a controllable clock. */
  readonly clock?: () => number;
  /** The first-factor timing pad (Authelia's defaults unless given; tests make it instant). */
  readonly timing?: TimingPadOptions;
}

export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const issuer = issuerOf(config);
  const listen = parseListenAddress(config.server.address);
  if (!listen) throw new Error(`server.address '${config.server.address}' is not a tcp://host:port/ address`);
  // Before the first sign-in: password hashes must never take a core from the event loop.
  const lowered = await deprioritizeThreadPool();
  logger.debug({ threads: lowered, nice: HASH_THREAD_NICE }, 'hashing threads run at lower priority');
  const storage: Storage = openStorage({ path: config.storage.local!.path!, encryptionKey: config.storage.encryption_key!, clock: options.clock });
  let backend: AuthenticationBackend | undefined;
  try {
    backend = await openAuthenticationBackend(config.authentication_backend, { logger, clock: options.clock });
    const secret = Buffer.from(hkdfSync('sha256', config.session.secret || config.storage.encryption_key!, 'castellan', 'portal csrf', 32));
    const pages = portalPages();
    const built = await buildProvider(config, issuer, storage, backend, logger, pages);
    const { provider, context } = built;
    provider.on('server_error', (_ctx: unknown, error: Error) => logger.error({ err: error }, 'oidc-provider server error'));
    provider.on('backchannel.error', (_ctx: unknown, error: Error, client: { clientId: string }) => logger.warn({ client_id: client?.clientId, err: error.message }, 'back-channel logout delivery failed'));

    const isTrusted = networkMatcher(config.server.trusted_proxies);
    const documents = documentCache(context);
    provider.use(trustProxies(isTrusted));
    provider.use(requestLog(logger));
    provider.use(securityHeaders({ issuer }));
    provider.use(formPostTargets);
    provider.use(hostCheck(issuer, ['/api/health']));
    provider.use(authorizationServerMetadata);
    provider.use(canonicalPaths);
    provider.use(documents.middleware);
    provider.use(authorizationRequestRules(context));
    provider.use(introspectionAudience(context) as never);
    provider.use(introspectionAccess(context));
    provider.use(built.jwtAccessTokens);
    // Second-factor failures count towards bans too: a known password must not allow guessing codes.
    const regulator = createRegulator(storage, config.regulation, { regulatedKinds: ['1fa', 'totp', 'webauthn'] });
    const portal = { provider, context, csrfSecret: secret, regulator, timingPad: createTimingPad(options.timing) };
    provider.use(portalRoutes({ provider, context, storage, csrfSecret: secret }));
    provider.use(settingsRoutes(portal));
    provider.use(interactionRoutes(portal));

    const stopPurging = startPurging(storage, 10 * 60 * 1000);
    const koa = provider.callback();
    const serveDocument = staticDocuments({ issuer, isTrusted, logger, documents: documents.get });
    const server: Server = createServer((req, res) => {
      if (!serveDocument(req, res)) void koa(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host === '' ? undefined : listen.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info({ url, issuer, clients: context.policies.size }, 'Castellan is listening');
    const closingBackend = backend;
    return {
      url,
      issuer,
      port: address.port,
      built,
      async close(): Promise<void> {
        stopPurging();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 5000).unref();
        });
        await closingBackend.close();
        // Writes of requests cut off above are committed rather than lost.
        commitPendingWrites(storage);
        storage.close();
      },
    };
  } catch (error) {
    await backend?.close();
    storage.close();
    throw error;
  }
}
