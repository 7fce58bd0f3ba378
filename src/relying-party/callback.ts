// The redirect URI's work, in order: verify the state cookie and the returned state, refuse a replay,
// redeem the code (client_secret_basic or _post, with the PKCE verifier), verify the ID token, fetch
// userinfo and check its `sub`, read the identity, provision. Each step fails with a typed error and
// nothing is written to the store before the last one.
//
// What is verified (openid-client does the protocol): the state (RFC 6749 §10.12), the `iss` response
// parameter (RFC 9207), and the ID token's iss, aud, azp, exp, iat, nonce and sub (OpenID Connect Core
// §3.1.3.7). In discovery mode also the ID token's and signed userinfo's signatures, with the JWKS.
// In manual mode no JWKS is known: signatures are not verified and the issuer is whatever the provider
// names, consistently in the `iss` response parameter (when sent) and the ID token; the token endpoint's
// TLS connection is what vouches for the ID token.
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import type { AppGroup, RelyingPartyConfig } from './config.ts';
import { readIdentity, type Claims } from './claims.ts';
import { RelyingPartyError } from './errors.ts';
import { describeFailure, isUnreachable, providerConfiguration } from './provider.ts';
import { provisionUser, type Provisioned, type UserStore } from './provisioning.ts';
import { readStateCookie, type CookieOptions, type SignInTransaction } from './state-cookie.ts';

/** Remembers the states already redeemed, so a callback URL works once even with its cookie. */
export interface ReplayGuard {
  /** False when `state` was seen before; otherwise remembers it until `expiresAt` (epoch seconds). */
  claim(state: string, expiresAt: number, now: number): boolean;
}

/** An in-memory guard for one process (enough for one application instance). */
export function createReplayGuard(): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    claim(state, expiresAt, now) {
      for (const [key, expiry] of seen) if (expiry <= now) seen.delete(key);
      if (seen.has(state)) return false;
      seen.set(state, expiresAt);
      return true;
    },
  };
}

/** Logs in pino's argument order; the module logs nothing when none is given. */
export interface RelyingPartyLogger {
  debug(object: Record<string, unknown>, message: string): void;
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

export interface CallbackOptions extends CookieOptions {
  /** The URL the provider redirected to (its query carries code, state, iss or error). */
  readonly url: string | URL;
  /** The state cookie's value, as read from the request. */
  readonly cookie: string | undefined;
  readonly store: UserStore;
  /** Application groups with their SSO mappings. */
  readonly groups?: readonly AppGroup[];
  readonly replay?: ReplayGuard;
  readonly logger?: RelyingPartyLogger;
}

export interface CallbackResult extends Provisioned {
  readonly providerID: string;
  /** The raw ID token, for RP-initiated logout's id_token_hint. */
  readonly idToken: string;
  readonly claims: Claims;
  readonly userinfo: Claims | undefined;
}

type TokenResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

/** Maps an openid-client failure in `step` to the error a person sees. */
function classify(config: RelyingPartyConfig, step: 'token' | 'userinfo', error: unknown): RelyingPartyError {
  if (error instanceof RelyingPartyError) return error;
  // An OAuth error code from the body (RFC 6749 §5.2) or a WWW-Authenticate challenge (RFC 6750 §3).
  const code = error instanceof client.ResponseBodyError || error instanceof client.AuthorizationResponseError ? error.error
    : error instanceof client.WWWAuthenticateChallengeError ? error.cause[0]?.parameters.error : undefined;
  const options = { providerID: config.id, detail: `${step}: ${code === undefined ? '' : `${code}: `}${describeFailure(error)}`, cause: error };
  if (isUnreachable(error)) return new RelyingPartyError('provider_unreachable', options);
  if (error instanceof client.AuthorizationResponseError) return new RelyingPartyError('provider_error', { ...options, message: `The sign-in provider refused the sign-in (${error.error}).` });
  if (error instanceof client.ResponseBodyError || error instanceof client.WWWAuthenticateChallengeError) {
    if (code === 'invalid_client' || code === 'unauthorized_client') return new RelyingPartyError('provider_rejected_client', options);
    return new RelyingPartyError('provider_error', { ...options, message: `The sign-in provider refused the sign-in (${code ?? 'error'}).` });
  }
  if (error instanceof client.ClientError && error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') return new RelyingPartyError('provider_error', options);
  return new RelyingPartyError(step === 'token' ? 'invalid_id_token' : 'invalid_userinfo', options);
}

/**
 * Manual mode: the expected issuer is the RFC 9207 `iss` parameter when the provider sends one.
 * Otherwise the code is redeemed once with an unknown issuer, which openid-client refuses at the
 * ID token's `iss`; the captured token response is then processed again, without a second request,
 * by a configuration that expects the issuer the ID token names. Every other check runs both times.
 */
async function redeemManually(config: RelyingPartyConfig, url: URL, checks: client.AuthorizationCodeGrantChecks): Promise<TokenResponse> {
  const announced = url.searchParams.get('iss');
  if (announced !== null) return client.authorizationCodeGrant(await providerConfiguration(config, announced), url, checks);
  const isTokenEndpoint = (resource: string): boolean => new URL(resource).href === new URL(config.token_url!).href;
  let captured: { body: string; init: ResponseInit } | undefined;
  const capture: client.CustomFetch = async (resource, options) => {
    const response = await fetch(resource, options as RequestInit);
    if (isTokenEndpoint(resource)) captured = { body: await response.clone().text(), init: { status: response.status, headers: response.headers } };
    return response;
  };
  try {
    return await client.authorizationCodeGrant(await providerConfiguration(config, undefined, capture), url, checks);
  } catch (error) {
    // openid-client's ClientError wraps oauth4webapi's error, whose cause names the claim.
    const compared = error instanceof client.ClientError ? (error.cause as { cause?: { claim?: string } } | undefined)?.cause : undefined;
    const mismatch = error instanceof client.ClientError && error.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && compared?.claim === 'iss';
    if (!mismatch || !captured) throw error;
  }
  const { body, init } = captured;
  const idToken = (JSON.parse(body) as { id_token?: string }).id_token ?? '';
  const issuer = decodeJwt(idToken).iss;
  if (!issuer) throw new RelyingPartyError('invalid_id_token', { providerID: config.id, detail: 'the ID token has no iss claim' });
  const replay: client.CustomFetch = async (resource, options) => (isTokenEndpoint(resource) ? new Response(body, init) : fetch(resource, options as RequestInit));
  return client.authorizationCodeGrant(await providerConfiguration(config, issuer, replay), url, checks);
}

async function redeem(config: RelyingPartyConfig, url: URL, transaction: SignInTransaction): Promise<TokenResponse> {
  const checks: client.AuthorizationCodeGrantChecks = {
    expectedState: transaction.state,
    expectedNonce: transaction.nonce,
    pkceCodeVerifier: transaction.codeVerifier,
    idTokenExpected: true,
  };
  try {
    if (config.issuer === undefined) return await redeemManually(config, url, checks);
    return await client.authorizationCodeGrant(await providerConfiguration(config), url, checks);
  } catch (error) {
    throw classify(config, 'token', error);
  }
}

/** Userinfo (JSON or a signed JWT), whose `sub` must be the ID token's (OpenID Connect Core §5.3.2). */
async function userinfo(config: RelyingPartyConfig, tokens: TokenResponse, subject: string, issuer: string): Promise<Claims | undefined> {
  try {
    const configuration = await providerConfiguration(config, issuer);
    if (configuration.serverMetadata().userinfo_endpoint === undefined) return undefined;
    return await client.fetchUserInfo(configuration, tokens.access_token, subject);
  } catch (error) {
    throw classify(config, 'userinfo', error);
  }
}

/** The callback URL as registered, with the query the browser brought (a proxy may change scheme and host). */
function callbackURL(config: RelyingPartyConfig, url: string | URL): URL {
  const registered = new URL(config.redirect_url);
  registered.search = new URL(url, registered).search;
  return registered;
}

export async function handleCallback(config: RelyingPartyConfig, options: CallbackOptions): Promise<CallbackResult> {
  const now = options.now ?? Date.now();
  const transaction = readStateCookie(options.cookie, { ...options, now });
  if (transaction.providerID !== config.id) throw new RelyingPartyError('state_mismatch', { providerID: config.id, detail: `the state cookie is for '${transaction.providerID}'` });
  const url = callbackURL(config, options.url);
  const returned = url.searchParams.get('state');
  if (returned !== transaction.state) throw new RelyingPartyError('state_mismatch', { providerID: config.id, detail: returned === null ? 'the callback has no state parameter' : 'the state parameter differs from the cookie' });
  if (options.replay && !options.replay.claim(transaction.state, transaction.expiresAt, Math.floor(now / 1000))) {
    throw new RelyingPartyError('callback_replayed', { providerID: config.id, detail: 'this state was already redeemed' });
  }
  const tokens = await redeem(config, url, transaction);
  const claims = tokens.claims();
  if (!claims || tokens.id_token === undefined) throw new RelyingPartyError('invalid_id_token', { providerID: config.id, detail: 'the token response has no ID token' });
  const info = await userinfo(config, tokens, claims.sub, claims.iss);
  if (config.debug) options.logger?.debug({ provider: config.id, access_token: tokens.access_token, id_token: tokens.id_token, claims, userinfo: info }, 'OIDC tokens and userinfo');
  const identity = readIdentity(config, claims, info);
  const provisioned = await provisionUser(config, identity, options.store, options.groups ?? []);
  options.logger?.info({ provider: config.id, username: identity.username, created: provisioned.created, joined: provisioned.groupChange.joined, left: provisioned.groupChange.left }, 'OIDC login');
  return { ...provisioned, providerID: config.id, idToken: tokens.id_token, claims, userinfo: info };
}
