// Token lifetimes with Authelia's precedence: lifespans.custom.<client lifespan>.grants.<grant>.<token>,
// then lifespans.custom.<client lifespan>.<token>, then lifespans.<token>.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { CustomLifespanConfig, SessionConfig } from '../config/types.ts';
import type { ProviderContext } from './context.ts';

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
export function lifespanFor(context: ProviderContext, ctx: KoaContextWithOIDC | undefined, clientID: string | undefined, token: 'access_token' | 'authorize_code' | 'id_token' | 'refresh_token'): number {
  const policy = clientID ? context.policies.get(clientID) : undefined;
  const custom = policy?.lifespan ? context.oidc.lifespans.custom?.[policy.lifespan] : undefined;
  // The authorization code is what a grant redeems, not a token a grant issues.
  const grant = token === 'authorize_code' ? undefined : lifespanGrant(ctx);
  const perGrant = grant ? custom?.grants?.[grant]?.[token] : undefined;
  return Math.max(1, Math.round(perGrant ?? custom?.[token] ?? context.oidc.lifespans[token]));
}

export interface SessionTimes {
  readonly expiration: number;
  readonly inactivity: number;
  /** -1 disables remember me. */
  readonly rememberMe: number;
}

/** The session timing of the issuer's cookie: its own values, else the session section's. */
export function sessionTimes(session: SessionConfig): SessionTimes {
  const cookie = session.cookies?.[0];
  return {
    expiration: cookie?.expiration ?? session.expiration,
    inactivity: cookie?.inactivity ?? session.inactivity,
    rememberMe: cookie?.remember_me ?? session.remember_me,
  };
}

/**
 * Authelia's session lifetime, recomputed each time oidc-provider saves the session (every request
 * that uses it): a remembered session lasts remember_me from sign-in; any other ends after
 * `inactivity` without use, and `expiration` after sign-in at the latest.
 */
export function sessionLifetime(times: SessionTimes, session: { loginTs?: number; transient?: boolean }, now: number): number {
  const elapsed = session.loginTs ? Math.max(0, now - session.loginTs) : 0;
  if (!session.transient && session.loginTs && times.rememberMe > 0) return Math.max(1, Math.round(times.rememberMe - elapsed));
  return Math.max(1, Math.round(Math.min(times.inactivity, times.expiration - elapsed)));
}
