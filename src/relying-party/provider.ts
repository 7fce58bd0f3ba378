// openid-client's view of a provider configuration. Discovery mode (`issuer`): metadata and JWKS are
// discovered, and ID tokens and signed userinfo are verified against the JWKS. Manual mode (Kasm's three
// URLs): no JWKS is known, so signatures are not verified; trust rests on the TLS connection to
// token_url, which OpenID Connect Core §3.1.3.7 (6) allows for ID tokens from the token endpoint.
import * as client from 'openid-client';
import { allowsInsecureHTTP, type RelyingPartyConfig } from './config.ts';
import { RelyingPartyError } from './errors.ts';

/** Seconds an HTTP request to the provider may take. */
export const PROVIDER_TIMEOUT_SECONDS = 10;

/** Manual mode knows no issuer until the provider names one (see callback.ts). */
export const UNKNOWN_ISSUER = 'urn:relying-party:issuer-not-configured';

/**
 * Manual mode: the signing algorithms accepted in ID tokens and signed userinfo (asymmetric ones only;
 * without a JWKS the signature itself cannot be checked).
 */
const MANUAL_SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Discovered configurations, per configuration object; a failed discovery is not kept. */
const DISCOVERED = new WeakMap<RelyingPartyConfig, Promise<client.Configuration>>();

function clientAuthentication(config: RelyingPartyConfig): client.ClientAuth {
  return config.token_endpoint_auth_method === 'client_secret_post' ? client.ClientSecretPost(config.client_secret) : client.ClientSecretBasic(config.client_secret);
}

function insecure(config: RelyingPartyConfig): boolean {
  const urls = [config.issuer, config.authorization_url, config.token_url, config.user_info_url];
  return urls.some((url) => url !== undefined && allowsInsecureHTTP(url));
}

/** A network failure (refused, reset, DNS, timeout) rather than an answer from the provider. */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof TypeError && error.message === 'fetch failed') return true;
  const e = error as { name?: string; code?: string; cause?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.code === 'OAUTH_TIMEOUT' || e.code === 'OAUTH_ABORT' || e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  return e.cause !== undefined && e.cause !== error && isUnreachable(e.cause);
}

async function discover(config: RelyingPartyConfig): Promise<client.Configuration> {
  const configuration = await client.discovery(new URL(config.issuer!), config.client_id, undefined, clientAuthentication(config), {
    execute: insecure(config) ? [client.allowInsecureRequests] : [],
    timeout: PROVIDER_TIMEOUT_SECONDS,
  });
  // Verify the signatures of ID tokens and signed userinfo with the discovered JWKS, not only their claims.
  client.enableNonRepudiationChecks(configuration);
  return configuration;
}

/**
 * The configuration for discovery mode (cached), or for manual mode with `issuer` as the value the
 * ID token's `iss` must have. `fetch` replaces the HTTP client (manual mode replays a response).
 */
export async function providerConfiguration(config: RelyingPartyConfig, issuer = UNKNOWN_ISSUER, fetch?: client.CustomFetch): Promise<client.Configuration> {
  if (config.issuer === undefined) {
    const configuration = new client.Configuration(
      {
        issuer, authorization_endpoint: config.authorization_url!, token_endpoint: config.token_url!, userinfo_endpoint: config.user_info_url!,
        id_token_signing_alg_values_supported: MANUAL_SIGNING_ALGORITHMS, userinfo_signing_alg_values_supported: MANUAL_SIGNING_ALGORITHMS,
      },
      config.client_id, undefined, clientAuthentication(config),
    );
    configuration.timeout = PROVIDER_TIMEOUT_SECONDS;
    if (insecure(config)) client.allowInsecureRequests(configuration);
    if (fetch) configuration[client.customFetch] = fetch;
    return configuration;
  }
  let pending = DISCOVERED.get(config);
  if (!pending) {
    pending = discover(config);
    DISCOVERED.set(config, pending);
    pending.catch(() => DISCOVERED.delete(config));
  }
  try {
    return await pending;
  } catch (error) {
    throw new RelyingPartyError(isUnreachable(error) ? 'provider_unreachable' : 'provider_error', { providerID: config.id, detail: `discovery of ${config.issuer} failed: ${describeFailure(error)}`, cause: error });
  }
}

/** One line for the log: the library's message and the provider's OAuth error, if any. */
export function describeFailure(error: unknown): string {
  const e = error as { message?: string; code?: string; error?: string; error_description?: string; cause?: unknown };
  const parts = [e.code, e.error, e.error_description, e.message].filter((part): part is string => typeof part === 'string' && part !== '');
  const cause = e.cause as { message?: string; code?: string } | undefined;
  if (cause && typeof cause === 'object' && typeof cause.message === 'string') parts.push(`cause: ${[cause.code, cause.message].filter(Boolean).join(' ')}`);
  return parts.join(': ') || String(error);
}
