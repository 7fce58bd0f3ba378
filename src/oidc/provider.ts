// Builds the oidc-provider instance from a validated Config: it owns the protocol (endpoints,
// tokens, PKCE, PAR, client authentication); Castellan supplies storage, accounts and claims,
// consent and authorization policy, pairwise subjects, lifespans and the portal's pages.
import { createHash, hkdfSync } from 'node:crypto';
import { Provider, errors, interactionPolicy, type Adapter, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config, CustomLifespanConfig, OIDCConfig } from '../config/types.ts';
import { parseDigest, verifyDigest, type Digest } from '../crypto/digest.ts';
import type { AuthenticationBackend, User } from '../identity/user.ts';
import type { Logger } from '../logging.ts';
import type { Storage } from '../storage/database.ts';
import { findConsent } from '../storage/consent.ts';
import { createOIDCAdapter } from '../storage/oidc-adapter.ts';
import { StorageError } from '../storage/errors.ts';
import { subjectFor, usernameForSubject } from '../storage/subjects.ts';
import { findGrantAudience, saveGrantAudience } from '../storage/grant-audience.ts';
import { grantedAudience, requestedAudience } from './audience.ts';
import { clientMetadata, clientPolicy, type ClientPolicy } from './clients.ts';
import { accountClaims, SCOPE_CLAIMS } from './claims.ts';
import { installKeySelection, providerSigningKeys, type SigningKey } from './keys.ts';
import { requiredLevel } from './policy.ts';

export const ROUTES = {
  authorization: '/api/oidc/authorization',
  token: '/api/oidc/token',
  userinfo: '/api/oidc/userinfo',
  introspection: '/api/oidc/introspection',
  revocation: '/api/oidc/revocation',
  pushed_authorization_request: '/api/oidc/pushed-authorization-request',
  end_session: '/api/oidc/end-session',
  jwks: '/jwks.json',
} as const;

const SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const HMAC_ALGS = ['HS256', 'HS384', 'HS512'];

export interface ProviderContext {
  readonly config: Config;
  readonly oidc: OIDCConfig;
  readonly issuer: string;
  readonly storage: Storage;
  readonly backend: AuthenticationBackend;
  readonly logger: Logger;
  readonly keys: readonly SigningKey[];
  readonly policies: ReadonlyMap<string, ClientPolicy>;
}

/** Pages oidc-provider renders itself, supplied by the portal (so the oidc layer stays free of HTML). */
export interface ProviderPages {
  error(ctx: KoaContextWithOIDC, out: Record<string, string>): string;
  logout(ctx: KoaContextWithOIDC, form: string): string;
  loggedOut(ctx: KoaContextWithOIDC): string;
}

export interface BuiltProvider {
  readonly provider: Provider;
  readonly context: ProviderContext;
}

/** The user behind a public subject identifier, or undefined when unknown or disabled. */
export async function userForSubject(context: ProviderContext, subject: string): Promise<User | undefined> {
  const username = usernameForSubject(context.storage, subject);
  if (!username) return undefined;
  const user = await context.backend.lookup(username);
  return user && !user.disabled ? user : undefined;
}

/** The level a signed-in user needs for this client (deny, one or two factors). */
export function levelFor(context: ProviderContext, policy: ClientPolicy, user: User, ip: string | undefined): ReturnType<typeof requiredLevel> {
  return requiredLevel(policy.authorizationPolicy, user, context.oidc, ip);
}

function cookieKeys(config: Config): string[] {
  // Cookie signing keys derived from the session secret (or the storage key): stable across restarts.
  const seed = config.session?.secret || config.identity_providers?.oidc?.hmac_secret || config.storage.encryption_key || '';
  return [Buffer.from(hkdfSync('sha256', seed, 'castellan', 'oidc-provider cookie keys', 32)).toString('base64url')];
}

type LifespanGrant = keyof NonNullable<CustomLifespanConfig['grants']>;

/** Token endpoint grant types → the name of their block in lifespans.custom.<name>.grants. */
const LIFESPAN_GRANTS: Readonly<Record<string, LifespanGrant>> = {
  authorization_code: 'authorize_code',
  refresh_token: 'refresh_token',
  client_credentials: 'client_credentials',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'jwt_bearer',
  'urn:ietf:params:oauth:grant-type:device_code': 'device_code',
};

/** The grant a token is being issued for: the token endpoint's grant_type, else the authorization endpoint's (implicit). */
function lifespanGrant(ctx: KoaContextWithOIDC | undefined): LifespanGrant | undefined {
  const grantType = ctx?.oidc?.params?.['grant_type'];
  if (typeof grantType === 'string') return LIFESPAN_GRANTS[grantType];
  return ctx?.oidc?.route === 'authorization' || ctx?.oidc?.route === 'resume' ? 'implicit' : undefined;
}

/** Authelia's precedence: lifespans.custom.<client lifespan>.grants.<grant>.<token>, then .<token>, then lifespans.<token>. */
function lifespanFor(context: ProviderContext, ctx: KoaContextWithOIDC | undefined, clientID: string | undefined, token: 'access_token' | 'authorize_code' | 'id_token' | 'refresh_token'): number {
  const policy = clientID ? context.policies.get(clientID) : undefined;
  const custom = policy?.lifespan ? context.oidc.lifespans.custom?.[policy.lifespan] : undefined;
  // The authorization code is what a grant redeems, not a token a grant issues.
  const grant = token === 'authorize_code' ? undefined : lifespanGrant(ctx);
  const perGrant = grant ? custom?.grants?.[grant]?.[token] : undefined;
  return Math.max(1, Math.round(perGrant ?? custom?.[token] ?? context.oidc.lifespans[token]));
}

/** A check in the login prompt: the session's user must satisfy the client's authorization policy. */
function authorizationPolicyCheck(context: ProviderContext): InstanceType<typeof interactionPolicy.Check> {
  return new interactionPolicy.Check('castellan_authorization_policy', 'the authorization policy of this client is not satisfied', 'access_denied', async (ctx: KoaContextWithOIDC) => {
    const { session, client } = ctx.oidc;
    if (!session?.accountId || !client) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    const policy = context.policies.get(client.clientId);
    const user = await userForSubject(context, session.accountId);
    if (!policy || !user) return interactionPolicy.Check.REQUEST_PROMPT;
    const level = levelFor(context, policy, user, ctx.ip);
    if (level === 'deny') return interactionPolicy.Check.REQUEST_PROMPT;
    if (level === 'two_factor') {
      const amr = (session as unknown as { amr?: string[] }).amr ?? [];
      return amr.includes('mfa') ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
    }
    return interactionPolicy.Check.NO_NEED_TO_PROMPT;
  });
}

function requestsForceConsent(ctx: KoaContextWithOIDC): boolean {
  const prompts = ctx.oidc.prompts;
  const scopes = String(ctx.oidc.params?.['scope'] ?? '').split(' ');
  return prompts.has('consent') || prompts.has('login') || scopes.includes('offline_access');
}

const GRANT_TTL = 14 * 24 * 3600;

/** Stores the audience granted with a grant, for introspection of its tokens. */
export function rememberGrantAudience(context: ProviderContext, grantID: string, audience: readonly string[]): void {
  if (audience.length > 0) saveGrantAudience(context.storage, grantID, audience, context.storage.now() + GRANT_TTL);
}

/** Introspection reports the granted audience as `aud` (RFC 7662 §2.2), as Authelia does. */
export function introspectionAudience(context: ProviderContext) {
  return async function grantAudience(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    await next();
    if (ctx.path !== ROUTES.introspection || !ctx.body || typeof ctx.body !== 'object') return;
    const body = ctx.body as Record<string, unknown>;
    const entities = (ctx.oidc?.entities ?? {}) as Record<string, { grantId?: string } | undefined>;
    const token = entities['AccessToken'] ?? entities['RefreshToken'];
    if (body['active'] !== true || !token?.grantId || body['aud'] !== undefined) return;
    const audience = findGrantAudience(context.storage, token.grantId);
    if (audience.length > 0) body['aud'] = audience;
  };
}

/** Consent modes: implicit grants everything, pre-configured reuses a remembered consent, explicit asks. */
function loadExistingGrant(context: ProviderContext) {
  return async (ctx: KoaContextWithOIDC) => {
    const { provider, client, session, result } = ctx.oidc;
    const grantID = result?.['consent']?.grantId as string | undefined;
    if (grantID) return provider.Grant.find(grantID);
    if (!client || !session?.accountId) return undefined;
    const policy = context.policies.get(client.clientId);
    if (!policy || policy.consentMode === 'explicit' || requestsForceConsent(ctx)) return undefined;
    const scopes = String(ctx.oidc.params?.['scope'] ?? '').split(' ').filter((s) => s !== '');
    const audience = grantedAudience(policy, requestedAudience(ctx.oidc.params?.['audience']));
    if (policy.consentMode === 'pre-configured') {
      const remembered = findConsent(context.storage, { clientID: client.clientId, subject: session.accountId, scopes, audience });
      if (!remembered) return undefined;
    }
    const grant = new provider.Grant({ accountId: session.accountId, clientId: client.clientId });
    grant.addOIDCScope(scopes.join(' '));
    const claims = ctx.oidc.claims as { id_token?: Record<string, unknown>; userinfo?: Record<string, unknown> } | undefined;
    const requestedClaims = [...Object.keys(claims?.id_token ?? {}), ...Object.keys(claims?.userinfo ?? {})];
    if (requestedClaims.length > 0) grant.addOIDCClaims(requestedClaims);
    const id = await grant.save();
    rememberGrantAudience(context, id, audience);
    return grant;
  };
}

/**
 * The storage adapter, with one protocol rule on top: when two requests redeem the same code at
 * once, the one that loses the atomic consume gets invalid_grant (RFC 6749 §4.1.2), not a 500.
 */
function protocolAdapter(storage: Storage) {
  const Base = createOIDCAdapter(storage);
  return class CastellanAdapter extends (Base as unknown as new (name: string) => Adapter) {
    override async consume(id: string): Promise<void> {
      try {
        await super.consume(id);
      } catch (error) {
        if (error instanceof StorageError && error.code === 'ALREADY_CONSUMED') throw new errors.InvalidGrant('grant request is invalid');
        throw error;
      }
    }
  };
}

/** RFC 7009 §2.1: a token of another client is refused (silently ignored for a public caller, as oidc-provider does). */
async function revocationAllowed(_ctx: KoaContextWithOIDC, client: InstanceType<Provider['Client']>, token: { clientId?: string }): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === 'none') return false;
  throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
}

/**
 * A grant type the authenticated client is not registered for is unauthorized_client (RFC 6749
 * §5.2, as Authelia answers); oidc-provider writes invalid_request. The error event fires right
 * after the token endpoint's error body is set and before it is sent, so the code is corrected there.
 */
function reportUnauthorizedGrants(provider: Provider): void {
  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) => {
    const grantType = ctx.oidc.params?.['grant_type'];
    const body = ctx.body as { error?: string } | null | undefined;
    if (error.error !== 'invalid_request' || body?.error !== 'invalid_request' || typeof grantType !== 'string') return;
    if (ctx.oidc.client && !ctx.oidc.client.grantTypeAllowed(grantType)) ctx.body = { ...body, error: 'unauthorized_client' };
  });
}

/**
 * Castellan's client secret check: the configured digest (or plaintext), constant-time, sent with
 * the registered method only. oidc-provider accepts client_secret_basic and client_secret_post
 * interchangeably; Authelia, like OIDC Registration §2 token_endpoint_auth_method, does not.
 */
function installSecretComparison(provider: Provider, context: ProviderContext): void {
  const digests = new Map<string, Digest>();
  for (const policy of context.policies.values()) if (policy.secret) digests.set(policy.clientID, parseDigest(policy.secret, { allowPlaintext: true }));
  const prototype = provider.Client.prototype as unknown as { compareClientSecret(this: { clientId: string; clientAuthMethod: string }, actual: string): Promise<boolean> };
  prototype.compareClientSecret = async function compareClientSecret(actual: string): Promise<boolean> {
    const presented = Provider.ctx?.headers.authorization !== undefined ? 'client_secret_basic' : 'client_secret_post';
    if (presented !== this.clientAuthMethod) throw new errors.InvalidClientAuth('the provided authentication mechanism does not match the registered client authentication method');
    const digest = digests.get(this.clientId);
    if (!digest || typeof actual !== 'string' || actual === '') return false;
    return verifyDigest(digest, actual);
  };
}

export async function buildProvider(config: Config, issuer: string, storage: Storage, backend: AuthenticationBackend, logger: Logger, pages: ProviderPages): Promise<BuiltProvider> {
  const oidc = config.identity_providers!.oidc!;
  const clients = oidc.clients ?? [];
  const keys = await providerSigningKeys(oidc.jwks, storage, logger);
  const policies = new Map(clients.map((c) => [c.client_id!, clientPolicy(c, oidc)]));
  const context: ProviderContext = { config, oidc, issuer, storage, backend, logger, keys, policies };

  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(authorizationPolicyCheck(context));

  const configuration: Configuration = {
    adapter: protocolAdapter(storage),
    clients: clients.map((c) => clientMetadata(c, oidc, keys)),
    jwks: { keys: keys as never },
    routes: ROUTES,
    scopes: ['openid', 'offline_access', ...Object.keys(SCOPE_CLAIMS).filter((s) => s !== 'openid')],
    claims: SCOPE_CLAIMS,
    conformIdTokenClaims: false,
    subjectTypes: ['public', 'pairwise'],
    sectorIdentifierUriValidate: () => false,
    async pairwiseIdentifier(_ctx, accountId, client) {
      const username = usernameForSubject(storage, accountId);
      const sector = policies.get(client.clientId)?.sector ?? '';
      return username ? subjectFor(storage, { sector, username }) : accountId;
    },
    async findAccount(_ctx, subject) {
      const user = await userForSubject(context, subject);
      if (!user) return undefined;
      return { accountId: subject, claims: async () => accountClaims(subject, user) };
    },
    pkce: { required: (_ctx, client) => policies.get(client.clientId)?.requirePKCE ?? true },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant: loadExistingGrant(context),
    cookies: { keys: cookieKeys(config), names: { session: 'castellan_session', interaction: 'castellan_interaction', resume: 'castellan_interaction_resume' }, long: { httpOnly: true, sameSite: 'lax' }, short: { httpOnly: true, sameSite: 'lax' } },
    ttl: {
      AccessToken: (ctx, token) => lifespanFor(context, ctx, token.clientId ?? ctx.oidc?.client?.clientId, 'access_token'),
      ClientCredentials: (ctx, token) => lifespanFor(context, ctx, token.clientId ?? ctx.oidc?.client?.clientId, 'access_token'),
      AuthorizationCode: (ctx) => lifespanFor(context, ctx, ctx.oidc?.client?.clientId, 'authorize_code'),
      IdToken: (ctx) => lifespanFor(context, ctx, ctx.oidc?.client?.clientId, 'id_token'),
      RefreshToken: (ctx, token) => lifespanFor(context, ctx, token.clientId ?? ctx.oidc?.client?.clientId, 'refresh_token'),
      Interaction: 3600,
      Session: Math.max(60, Math.round(config.session.expiration)),
      Grant: GRANT_TTL,
      PushedAuthorizationRequest: 300,
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    allowOmittingSingleRegisteredRedirectUri: false,
    extraParams: ['audience'],
    responseTypes: ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: [...HMAC_ALGS, ...SIGNING_ALGS],
      userinfoSigningAlgValues: [...HMAC_ALGS, ...SIGNING_ALGS],
      requestObjectSigningAlgValues: [...HMAC_ALGS, ...SIGNING_ALGS],
      clientAuthSigningAlgValues: [...HMAC_ALGS, ...SIGNING_ALGS],
    } as Configuration['enabledJWA'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Public clients are refused before this (introspection-access.ts); this is the second line.
      introspection: { enabled: true, allowedPolicy: async (_ctx, client) => client.clientAuthMethod !== 'none' },
      // RFC 7009 §2.1: a client revokes only its own tokens; another client's is refused.
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: true },
      claimsParameter: { enabled: true },
      requestObjects: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = pages.logout(ctx, form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = pages.loggedOut(ctx);
        },
      },
      resourceIndicators: { enabled: false },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: oidc.require_pushed_authorization_requests },
    },
    clientBasedCORS: (ctx, origin, client) => corsAllowed(oidc, ctx.oidc.route, origin, client.redirectUris ?? []),
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = pages.error(ctx, out as unknown as Record<string, string>);
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = true;
  installSecretComparison(provider, context);
  installKeySelection(provider, clients);
  reportUnauthorizedGrants(provider);
  return { provider, context };
}

const CORS_ROUTES: Record<string, string> = {
  token: 'token', userinfo: 'userinfo', introspection: 'introspection', revocation: 'revocation',
  pushed_authorization_request: 'pushed-authorization-request', authorization: 'authorization',
};

/** Authelia's CORS rules (reference §1.1): only listed endpoints; origins listed, from redirect URIs, or any https. */
function corsAllowed(oidc: OIDCConfig, route: string, origin: string, redirectURIs: readonly string[]): boolean {
  const endpoint = CORS_ROUTES[route];
  if (!endpoint || !(oidc.cors.endpoints as string[]).includes(endpoint) || origin === 'null') return false;
  const allowed = oidc.cors.allowed_origins;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  const fromRedirects = oidc.cors.allowed_origins_from_client_redirect_uris;
  if (fromRedirects && redirectURIs.some((uri) => { const u = URL.parse(uri); return u !== null && u.hostname !== 'localhost' && u.origin === origin; })) return true;
  return allowed.length === 0 && !fromRedirects && origin.startsWith('https://');
}

/** A digest of the configuration that changes whenever clients or keys change (for caches and ETags). */
export function configurationFingerprint(context: ProviderContext): string {
  return createHash('sha256').update(JSON.stringify([context.oidc.clients, context.keys.map((k) => k.kid)])).digest('base64url');
}
