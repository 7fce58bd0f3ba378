// Registered clients: each configured client becomes oidc-provider client metadata (the protocol
// part) plus a ClientPolicy (what Castellan decides itself: consent, authorization policy, PKCE and
// response-mode rules, pairwise sector, audience). Config is already validated when this runs.
import { createPublicKey, randomBytes } from 'node:crypto';
import { parseDigest } from '../crypto/digest.ts';
import type { JWK } from 'jose';
import type { ClientAuthMethod, ClientMetadata, ResponseType, SigningAlgorithmWithNone } from 'oidc-provider';
import type { OIDCClientConfig, OIDCConfig } from '../config/types.ts';
import { inspectPublicKey } from '../crypto/jwk.ts';
import { algorithmOfKey, type SigningKey } from './keys.ts';

export type ConsentMode = 'explicit' | 'implicit' | 'pre-configured';

export interface ClientPolicy {
  readonly clientID: string;
  readonly name: string;
  readonly isPublic: boolean;
  readonly consentMode: ConsentMode;
  /** Seconds a remembered (pre-configured) consent lasts. */
  readonly consentDuration: number;
  /** 'one_factor', 'two_factor' or the name of an authorization policy. */
  readonly authorizationPolicy: string;
  readonly requirePKCE: boolean;
  /** '' when any supported method is accepted. */
  readonly pkceMethod: '' | 'plain' | 'S256';
  /** The registered response_types that oidc-provider serves, normalized (normalizeResponseType). */
  readonly responseTypes: ReadonlySet<string>;
  readonly responseModes: ReadonlySet<string>;
  readonly scopes: readonly string[];
  /** Audiences the client may request, and whether they are granted without being requested. */
  readonly audience: readonly string[];
  readonly audienceMode: 'explicit' | 'implicit';
  /** '' for the public subject type; the configured string for pairwise subjects. */
  readonly sector: string;
  readonly lifespan: string | undefined;
  /** The configured client_secret (digest or plaintext), for Castellan's secret comparison. */
  readonly secret: string | undefined;
  /** How the secret may be sent: the registered method, or both when none is configured. */
  readonly secretMethods: readonly ('client_secret_basic' | 'client_secret_post')[];
}

// oidc-provider implements the OpenID Connect response types; OAuth's bare 'token' is not one.
const SUPPORTED_RESPONSE_TYPES = new Set(['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'none']);

/** A response_type as oidc-provider compares it: its values unique and sorted ('id_token code' is 'code id_token'). */
export function normalizeResponseType(responseType: string): string {
  return [...new Set(responseType.split(' ').filter((t) => t !== ''))].sort().join(' ');
}

function publicJWK(entry: NonNullable<OIDCClientConfig['jwks']>[number]): JWK {
  const info = inspectPublicKey(entry.key!);
  // Only the public half is ever exported (createPublicKey accepts a private KeyObject, not a public one).
  const key = info.key.type === 'private' ? createPublicKey(info.key) : info.key;
  const jwk = key.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: entry.key_id, alg: entry.algorithm ?? info.defaultAlgorithm, use: entry.use ?? 'sig' };
}

function isDigest(secret: string): boolean {
  return parseDigest(secret, { allowPlaintext: true }).algorithm !== 'plaintext';
}

function pairwiseSectorURI(client: OIDCClientConfig): string | undefined {
  const sector = client.sector_identifier_uri;
  if (!sector) return undefined;
  // oidc-provider needs a URL here only to accept the pairwise client; it never fetches it
  // (sectorIdentifierUriValidate is off) and Castellan keys subjects by the configured string.
  return /^https:\/\//i.test(sector) ? sector : `https://${sector.replace(/^\/+/, '')}/`;
}

export function clientMetadata(client: OIDCClientConfig, oidc: OIDCConfig, keys: readonly SigningKey[]): ClientMetadata {
  const method = (client.token_endpoint_auth_method || (client.public ? 'none' : 'client_secret_basic')) as ClientAuthMethod;
  const idTokenAlg = (algorithmOfKey(keys, client.id_token_signed_response_key_id) ?? (client.id_token_signed_response_alg || 'RS256')) as SigningAlgorithmWithNone;
  const userinfoAlg = (algorithmOfKey(keys, client.userinfo_signed_response_key_id) ?? client.userinfo_signed_response_alg) as SigningAlgorithmWithNone | '' | undefined;
  const metadata: ClientMetadata = {
    client_id: client.client_id!,
    client_name: client.client_name ?? client.client_id,
    redirect_uris: client.redirect_uris ?? [],
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    grant_types: client.grant_types ?? ['authorization_code'],
    response_types: (client.response_types ?? ['code']).filter((t) => SUPPORTED_RESPONSE_TYPES.has(t)) as ResponseType[],
    token_endpoint_auth_method: method,
    // An empty scope is invalid client metadata: a client_credentials client without scopes has none.
    scope: client.scopes?.length ? client.scopes.join(' ') : undefined,
    id_token_signed_response_alg: idTokenAlg,
    // Authelia puts auth_time in every ID token (reference §5.3), not only when max_age asks for it.
    require_auth_time: true,
    require_pushed_authorization_requests: client.require_pushed_authorization_requests || oidc.require_pushed_authorization_requests,
  };
  if (!client.public && method !== 'none' && method !== 'private_key_jwt' && client.client_secret) {
    // A digest is opaque to oidc-provider: Castellan's compareClientSecret verifies it. Only a
    // plaintext secret (required for client_secret_jwt and HS* algorithms) is used as an HMAC key.
    // A digest must never become an HMAC key (anyone holding the configuration could then sign as
    // the client): oidc-provider gets a random stand-in, and compareClientSecret checks the digest.
    metadata.client_secret = client.client_secret.startsWith('$plaintext$') ? client.client_secret.slice('$plaintext$'.length) : isDigest(client.client_secret) ? randomBytes(32).toString('base64url') : client.client_secret;
  }
  if (userinfoAlg && (userinfoAlg as string) !== 'none') metadata.userinfo_signed_response_alg = userinfoAlg;
  if (client.token_endpoint_auth_signing_alg && (method === 'private_key_jwt' || method === 'client_secret_jwt')) metadata.token_endpoint_auth_signing_alg = client.token_endpoint_auth_signing_alg;
  if (client.request_object_signing_alg && client.request_object_signing_alg !== 'none') metadata.request_object_signing_alg = client.request_object_signing_alg;
  if (client.jwks) metadata.jwks = { keys: client.jwks.map(publicJWK) };
  if (client.jwks_uri) metadata.jwks_uri = client.jwks_uri;
  if (client.backchannel_logout_uri) metadata.backchannel_logout_uri = client.backchannel_logout_uri;
  const sectorURI = pairwiseSectorURI(client);
  if (sectorURI) {
    metadata.subject_type = 'pairwise';
    metadata.sector_identifier_uri = sectorURI;
  }
  return metadata;
}

/**
 * Authelia's client reference: "If no method is defined the confidential client type will accept
 * any supported method" — for a secret, that is Basic or the request body.
 */
function secretMethods(client: OIDCClientConfig): ClientPolicy['secretMethods'] {
  const method = client.token_endpoint_auth_method;
  if (method === 'client_secret_basic' || method === 'client_secret_post') return [method];
  return method === undefined && !client.public ? ['client_secret_basic', 'client_secret_post'] : [];
}

export function clientPolicy(client: OIDCClientConfig, oidc: OIDCConfig): ClientPolicy {
  const isPublic = client.public === true;
  const enforce = oidc.enforce_pkce;
  const pkceMethod = client.pkce_challenge_method ?? '';
  return {
    clientID: client.client_id!,
    name: client.client_name ?? client.client_id!,
    isPublic,
    consentMode: client.consent_mode === 'auto' ? 'explicit' : client.consent_mode,
    consentDuration: client.pre_configured_consent_duration ?? 604800,
    authorizationPolicy: client.authorization_policy ?? 'two_factor',
    requirePKCE: client.require_pkce || pkceMethod !== '' || enforce === 'always' || (enforce === 'public_clients_only' && isPublic),
    pkceMethod,
    responseTypes: new Set((client.response_types ?? ['code']).filter((t) => SUPPORTED_RESPONSE_TYPES.has(t)).map(normalizeResponseType)),
    responseModes: new Set(client.response_modes ?? ['form_post', 'query']),
    scopes: client.scopes ?? [],
    audience: client.audience ?? [],
    audienceMode: client.requested_audience_mode ?? 'explicit',
    sector: client.sector_identifier_uri ?? '',
    lifespan: client.lifespan || undefined,
    secret: client.client_secret || undefined,
    secretMethods: secretMethods(client),
  };
}

/** Response types in the configuration that oidc-provider cannot serve (reported at start). */
export function unsupportedResponseTypes(client: OIDCClientConfig): string[] {
  return (client.response_types ?? []).filter((t) => !SUPPORTED_RESPONSE_TYPES.has(t));
}
