// Consent modes (Authelia reference §4.3): implicit assumes consent, pre-configured reuses a
// remembered consent for exactly the same scopes and audience, explicit always asks; prompt=consent,
// prompt=login and offline_access always ask. Also keeps the audience granted with each grant.
import type { KoaContextWithOIDC } from 'oidc-provider';
import { findConsent } from '../storage/consent.ts';
import { findGrantAudience, saveGrantAudience } from '../storage/grant-audience.ts';
import { grantedAudience, requestedAudience } from './audience.ts';
import { claimsWithinScopes } from './claims.ts';
import { ROUTES, type ProviderContext } from './context.ts';

function requestsForceConsent(ctx: KoaContextWithOIDC): boolean {
  const prompts = ctx.oidc.prompts;
  const scopes = String(ctx.oidc.params?.['scope'] ?? '').split(' ');
  return prompts.has('consent') || prompts.has('login') || scopes.includes('offline_access');
}

export const GRANT_TTL = 14 * 24 * 3600;

/** Stores the audience granted with a grant, for introspection of its tokens. */
export function rememberGrantAudience(context: ProviderContext, grantID: string, audience: readonly string[]): void {
  if (audience.length > 0) saveGrantAudience(context.storage, grantID, audience, context.storage.now() + GRANT_TTL);
}

/** What a reused grant's save would write; equal before and after means there is nothing to save. */
function grantContent(grant: object): string {
  const { openid, rejected, resources, rar } = grant as Record<string, unknown>;
  return JSON.stringify([openid, rejected, resources, rar]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
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

/**
 * Grants the claims of a `claims` request that the granted scopes cover and records the others as
 * rejected (so oidc-provider does not ask again), never returning them.
 */
export function addRequestedClaims(grant: { addOIDCClaims(c: string[]): void; rejectOIDCClaims(c: string[]): void }, requested: readonly string[], scopes: readonly string[]): void {
  const { allowed, rejected } = claimsWithinScopes(requested, scopes);
  if (allowed.length > 0) grant.addOIDCClaims(allowed);
  if (rejected.length > 0) grant.rejectOIDCClaims(rejected);
}

/** Consent modes: implicit grants everything, pre-configured reuses a remembered consent, explicit asks. */
export function loadExistingGrant(context: ProviderContext) {
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
    // Reuse this session's grant for the client rather than adding one per authorization.
    const previousID = session.grantIdFor(client.clientId);
    const previous = previousID ? await provider.Grant.find(previousID) : undefined;
    const reused = previous && previous.accountId === session.accountId ? previous : undefined;
    const grant = reused ?? new provider.Grant({ accountId: session.accountId, clientId: client.clientId });
    const before = reused ? grantContent(reused) : undefined;
    grant.addOIDCScope(scopes.join(' '));
    const claims = ctx.oidc.claims as { id_token?: Record<string, unknown>; userinfo?: Record<string, unknown> } | undefined;
    addRequestedClaims(grant, [...Object.keys(claims?.id_token ?? {}), ...Object.keys(claims?.userinfo ?? {})], scopes);
    // A signed-in user's next authorization usually asks for what the grant already holds: saving
    // it again would write the same row (a Grant keeps its expiry), so only changes are written.
    if (reused && grantContent(reused) === before) {
      if (audience.length > 0 && !sameSet(findGrantAudience(context.storage, reused.jti), audience)) rememberGrantAudience(context, reused.jti, audience);
      return reused;
    }
    const id = await grant.save();
    rememberGrantAudience(context, id, audience);
    return grant;
  };
}
