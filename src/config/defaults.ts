// Derived defaults: the values Authelia computes from other keys (static defaults live in the
// JSON Schema and are applied by it). Runs after the schema, before the cross-field validators,
// and only fills keys the user left out.
import type { Data } from './document.ts';

const DEFAULT_SCOPES = ['openid', 'groups', 'profile', 'email'];
const WEEK = 604800;

type Client = Record<string, unknown>;

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const hasCode = (types: string[]): boolean => types.some((t) => t.split(' ').includes('code'));
const hasImplicitPart = (types: string[]): boolean => types.some((t) => t.split(' ').some((p) => p === 'id_token' || p === 'token'));

/** Fills one client's derived defaults in place, following Authelia 4.38+ (see the reference §2.1). */
export function applyClientDefaults(client: Client): void {
  if (client['client_name'] === undefined && typeof client['client_id'] === 'string') client['client_name'] = client['client_id'];
  if (client['response_types'] === undefined) {
    // Authelia defaults to ['code'], but a client whose configured grants never reach the
    // authorization endpoint (its documented client_credentials example) must not need a code grant.
    const configured = client['grant_types'] === undefined ? undefined : strings(client['grant_types']);
    const authorizes = configured === undefined || configured.some((g) => g === 'authorization_code' || g === 'implicit');
    client['response_types'] = authorizes ? ['code'] : [];
  }
  const responseTypes = strings(client['response_types']);
  if (client['grant_types'] === undefined) {
    const grants: string[] = [];
    if (hasCode(responseTypes)) grants.push('authorization_code');
    if (hasImplicitPart(responseTypes)) grants.push('implicit');
    client['grant_types'] = grants;
  }
  const grants = strings(client['grant_types']);
  const clientCredentials = grants.includes('client_credentials');
  if (client['scopes'] === undefined && !clientCredentials) client['scopes'] = [...DEFAULT_SCOPES];
  if (client['response_modes'] === undefined) {
    const modes = ['form_post'];
    if (hasCode(responseTypes)) modes.push('query');
    if (hasImplicitPart(responseTypes)) modes.push('fragment');
    client['response_modes'] = modes;
  }
  // A confidential client without a method keeps none: it may then use client_secret_basic or
  // client_secret_post, as Authelia's client reference promises ("accept any supported method").
  if (client['token_endpoint_auth_method'] === undefined && client['public'] === true) client['token_endpoint_auth_method'] = 'none';
  if (client['token_endpoint_auth_method'] === 'client_secret_jwt' && client['token_endpoint_auth_signing_alg'] === undefined) {
    client['token_endpoint_auth_signing_alg'] = 'HS256';
  }
  if (client['authorization_policy'] === undefined) client['authorization_policy'] = clientCredentials ? 'one_factor' : 'two_factor';
  if (client['consent_mode'] === undefined || client['consent_mode'] === 'auto') {
    client['consent_mode'] = client['pre_configured_consent_duration'] !== undefined ? 'pre-configured' : 'explicit';
  }
  if (client['pre_configured_consent_duration'] === undefined) client['pre_configured_consent_duration'] = WEEK;
  if (client['pkce_challenge_method'] !== undefined && client['pkce_challenge_method'] !== '') client['require_pkce'] = true;
  if (client['require_pkce'] === undefined) client['require_pkce'] = false;
}

/** Fills derived defaults across the document. */
export function applyDerivedDefaults(data: Data): void {
  const oidc = isMap(data['identity_providers']) ? data['identity_providers']['oidc'] : undefined;
  if (!isMap(oidc)) return;
  const entropy = oidc['minimum_parameter_entropy'];
  // Authelia resets 0 and other negative values (but -1, "disabled") to the default of 8.
  if (typeof entropy === 'number' && entropy <= 0 && entropy !== -1) oidc['minimum_parameter_entropy'] = 8;
  if (Array.isArray(oidc['clients'])) for (const client of oidc['clients']) if (isMap(client)) applyClientDefaults(client);
}
