// Builds the oidc-provider instance from a validated Config: it owns the protocol (endpoints,
// tokens, PKCE, PAR, client authentication); Castellan supplies storage, accounts and claims,
// consent and authorization policy, pairwise subjects, lifespans and the portal's pages.
import { createHash, hkdfSync } from 'node:crypto';
import { Provider, errors, interactionPolicy, type Adapter, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Middleware } from 'koa';
import type { Config, OIDCClientConfig } from '../config/types.ts';
import type { AuthenticationBackend } from '../identity/user.ts';
import type { Logger } from '../logging.ts';
import type { Storage } from '../storage/database.ts';
import { createOIDCAdapter } from '../storage/oidc-adapter.ts';
import { StorageError } from '../storage/errors.ts';
import { subjectFor, usernameForSubject } from '../storage/subjects.ts';
import { accountClaims, SCOPE_CLAIMS } from './claims.ts';
import { installSecretComparison } from './client-secrets.ts';
import { clientMetadata, clientPolicy, type ClientPolicy } from './clients.ts';
import { installJWTAccessTokens } from './jwt-access-tokens.ts';
import { GRANT_TTL, loadExistingGrant } from './consent-policy.ts';
import { levelFor, ROUTES, userForSubject, type ProviderContext, type ProviderPages } from './context.ts';
import { corsAllowed } from './cors.ts';
import { installKeySelection, providerSigningKeys } from './keys.ts';
import { lifespanFor, sessionLifetime, sessionTimes } from './lifespans.ts';

const SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const HMAC_ALGS = ['HS256', 'HS384', 'HS512'];

export interface BuiltProvider {
  readonly provider: Provider;
  readonly context: ProviderContext;
  /** Translates JWT access tokens presented to introspection and revocation (jwt-access-tokens.ts). */
  readonly jwtAccessTokens: Middleware;
}

function cookieKeys(config: Config): string[] {
  // Cookie signing keys derived from the session secret (or the storage key): stable across restarts.
  const seed = config.session?.secret || config.identity_providers?.oidc?.hmac_secret || config.storage.encryption_key || '';
  return [Buffer.from(hkdfSync('sha256', seed, 'castellan', 'oidc-provider cookie keys', 32)).toString('base64url')];
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
 * oidc-provider refuses outgoing requests to loopback and private addresses (SSRF protection). The
 * URLs an administrator configured for a client (back-channel logout, JWKS) are trusted as given:
 * self-hosted relying parties live on exactly those networks. Any other URL keeps the protection.
 */
function outboundFetch(clients: readonly OIDCClientConfig[]) {
  const trusted = new Set(clients.flatMap((c) => [c.backchannel_logout_uri, c.jwks_uri]).filter((u): u is string => typeof u === 'string').map((u) => new URL(u).href));
  return (input: string | URL | Request, options?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const request = options && trusted.has(new URL(url).href) ? ({ ...options, dispatcher: undefined } as RequestInit) : options;
    return globalThis.fetch(input, request);
  };
}

/**
 * The subject a client sees for an account: for a pairwise client the sector's own identifier for
 * the user; for a public one the account id itself (the user's subject in the public sector '').
 */
function clientSubject(storage: Storage, policies: ReadonlyMap<string, ClientPolicy>, accountId: string, clientID: string): string {
  const sector = policies.get(clientID)?.sector ?? '';
  if (sector === '') return accountId;
  const username = usernameForSubject(storage, accountId);
  return username ? subjectFor(storage, { sector, username }) : accountId;
}

export async function buildProvider(config: Config, issuer: string, storage: Storage, backend: AuthenticationBackend, logger: Logger, pages: ProviderPages): Promise<BuiltProvider> {
  const oidc = config.identity_providers!.oidc!;
  const clients = oidc.clients ?? [];
  const keys = await providerSigningKeys(oidc.jwks, storage, logger);
  const policies = new Map(clients.map((c) => [c.client_id!, clientPolicy(c, oidc)]));
  const issuerCookie = config.session.cookies?.[0];
  const sessionCookie = issuerCookie?.name ?? config.session.name;
  const sameSite = issuerCookie?.same_site ?? config.session.same_site;
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
    pairwiseIdentifier: async (_ctx, accountId, client) => clientSubject(storage, policies, accountId, client.clientId),
    async findAccount(_ctx, subject) {
      const user = await userForSubject(context, subject);
      if (!user) return undefined;
      return { accountId: subject, claims: async () => accountClaims(subject, user) };
    },
    pkce: { required: (_ctx, client) => policies.get(client.clientId)?.requirePKCE ?? true },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant: loadExistingGrant(context),
    // The session cookie is named by session.name (Authelia: authelia_session) and honours same_site;
    // the short-lived interaction cookies stay Lax.
    cookies: { keys: cookieKeys(config), names: { session: sessionCookie, interaction: `${sessionCookie}_interaction`, resume: `${sessionCookie}_resume` }, long: { httpOnly: true, sameSite }, short: { httpOnly: true, sameSite: 'lax' } },
    ttl: {
      AccessToken: (ctx, token) => lifespanFor(context, ctx, token.clientId ?? ctx.oidc?.client?.clientId, 'access_token'),
      ClientCredentials: (ctx, token) => lifespanFor(context, ctx, token.clientId ?? ctx.oidc?.client?.clientId, 'access_token'),
      AuthorizationCode: (ctx) => lifespanFor(context, ctx, ctx.oidc?.client?.clientId, 'authorize_code'),
      IdToken: (ctx) => lifespanFor(context, ctx, ctx.oidc?.client?.clientId, 'id_token'),
      RefreshToken: (ctx, token) => lifespanFor(context, ctx, token.clientId ?? ctx.oidc?.client?.clientId, 'refresh_token'),
      Interaction: 3600,
      Session: (_ctx, session) => sessionLifetime(sessionTimes(config.session), session as { loginTs?: number; transient?: boolean }, storage.now()),
      Grant: GRANT_TTL,
      PushedAuthorizationRequest: 300,
    },
    fetch: outboundFetch(clients),
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
  // Pairwise clients see their sector's subject in JWT access tokens too, as in their ID tokens.
  const jwtAccessTokens = await installJWTAccessTokens(provider, context, async (accountId, clientID) => clientSubject(storage, policies, accountId, clientID));
  reportUnauthorizedGrants(provider);
  return { provider, context, jwtAccessTokens };
}

/** A digest of the configuration that changes whenever clients or keys change (for caches and ETags). */
export function configurationFingerprint(context: ProviderContext): string {
  return createHash('sha256').update(JSON.stringify([context.oidc.clients, context.keys.map((k) => k.kid)])).digest('base64url');
}
