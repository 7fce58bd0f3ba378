// Cross-field rules for `identity_providers.oidc.clients[]`, following Authelia's validator
// (reference §2) plus Castellan's stricter redirect-URI rules. Messages name the client.
import { DigestError, parseDigest } from '../../crypto/digest.ts';
import { inspectPublicKey, KeyError } from '../../crypto/jwk.ts';
import { describeKeyType, listValues } from '../describe.ts';
import type { IssueCollector } from '../issues.ts';
import { closest } from '../suggest.ts';
import type { Path } from '../path.ts';
import type { Config, OIDCClientConfig, OIDCConfig } from '../types.ts';
import { parseURI, redirectURIProblems } from './uri.ts';

const CLIENTS: Path = ['identity_providers', 'oidc', 'clients'];
const CLIENT_ID = /^[a-zA-Z0-9._~-]+$/;
const STANDARD_SCOPES = ['openid', 'email', 'profile', 'address', 'phone', 'groups', 'offline_access', 'offline', 'authelia.bearer.authz'];
const HMAC_ALGS = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];
const CODE_TYPES = ['code', 'code id_token', 'code token', 'code id_token token'];
const IMPLICIT_ONLY = ['id_token', 'token', 'id_token token'];
/** How people abbreviate the built-in policies. */
const POLICY_ALIASES: Record<string, string> = { '1fa': 'one_factor', '2fa': 'two_factor', mfa: 'two_factor' };

export interface ProviderKeys {
  /** Signing algorithms available from the provider's jwks (all of them when Castellan generates keys). */
  readonly algorithms: ReadonlySet<string>;
  readonly keyIDs: ReadonlySet<string>;
  /** False when no jwks is configured and Castellan will generate an RS256 key. */
  readonly configured: boolean;
  /** False when a configured key has an error: clients are not checked against such a key set. */
  readonly usable: boolean;
}

function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}

/** Whether the secret is plaintext (bare or $plaintext$), a digest, or malformed. */
function secretKind(secret: string): 'plaintext' | 'digest' | 'invalid' {
  try {
    return parseDigest(secret, { allowPlaintext: true }).algorithm === 'plaintext' ? 'plaintext' : 'digest';
  } catch (error) {
    if (error instanceof DigestError) return 'invalid';
    throw error;
  }
}

export function validateClients(config: Config, issues: IssueCollector, keys: ProviderKeys): void {
  const oidc = config.identity_providers?.oidc;
  if (!oidc) return;
  const clients = oidc.clients ?? [];
  if (clients.length === 0) {
    issues.error(['identity_providers', 'oidc', 'clients'], 'must have one or more clients configured', 'add at least one entry under clients, or remove the identity_providers.oidc section');
    return;
  }
  const firstIndex = new Map<string, number>();
  clients.forEach((client, index) => {
    const id = client.client_id;
    if (typeof id !== 'string' || id === '') return;
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else issues.error([...CLIENTS, index, 'client_id'], `must be unique but '${id}' is already the id of clients[${first}]`, 'give every client its own client_id');
  });
  clients.forEach((client, index) => validateClient(client, [...CLIENTS, index], oidc, issues, keys));
}

function validateClient(client: OIDCClientConfig, at: Path, oidc: OIDCConfig, issues: IssueCollector, keys: ProviderKeys): void {
  const path = (key: string): Path => [...at, key];
  const id = client.client_id;
  if (typeof id !== 'string' || id === '') {
    issues.error(path('client_id'), 'is required but is not set', 'every client needs the client_id its relying party sends');
  } else {
    if (id.length > 100) issues.error(path('client_id'), `must be at most 100 characters long but has ${id.length}`);
    if (!CLIENT_ID.test(id)) issues.error(path('client_id'), `must only contain RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) but is '${id}'`);
  }
  const isPublic = client.public === true;
  // Unset on a confidential client means client_secret_basic or client_secret_post (a secret is needed).
  const method = client.token_endpoint_auth_method ?? (client.public === true ? 'none' : 'client_secret_basic');
  const secret = client.client_secret;
  const kind = typeof secret === 'string' && secret !== '' ? secretKind(secret) : undefined;

  // Client type and authentication.
  if (isPublic) {
    if (kind) issues.error(path('client_secret'), "must be empty when 'public' is true", 'public clients cannot keep a secret: remove client_secret, or set public: false');
    if (method !== 'none') issues.error(path('token_endpoint_auth_method'), `must be 'none' for a public client but is configured as '${method}'`, "remove it (it defaults to 'none' for public clients) or set public: false");
  } else {
    const implicitOnly = (client.response_types ?? []).every((t) => IMPLICIT_ONLY.includes(t));
    if (method === 'none' && !implicitOnly) {
      issues.error(path('token_endpoint_auth_method'), "must be one of 'client_secret_basic', 'client_secret_post', 'client_secret_jwt' or 'private_key_jwt' for a confidential client but is configured as 'none'", "set 'public: true' if the client cannot keep a secret");
    }
    if (method !== undefined && SECRET_METHODS.includes(method) && !kind) {
      issues.error(path('client_secret'), `is required for a confidential client using '${method}'`, "generate one with 'castellan crypto hash generate pbkdf2 --random' and put the digest here");
    }
    if ((method === 'private_key_jwt' || method === 'none') && kind) {
      issues.error(path('client_secret'), `must be empty when 'token_endpoint_auth_method' is '${method}'`);
    }
  }
  if (typeof secret === 'string' && secret !== '') validateSecret(client, secret, kind, path, issues);

  // Key material of the client (for private_key_jwt and request objects).
  if (client.jwks && client.jwks_uri) issues.error(path('jwks_uri'), "must not be configured at the same time as 'jwks'", 'keep one of them');
  if (client.jwks_uri !== undefined) {
    const url = parseURI(client.jwks_uri);
    if (!url || url.protocol !== 'https:') issues.error(path('jwks_uri'), `must be an absolute https URI but is '${client.jwks_uri}'`);
  }
  const clientAlgs = validateClientJWKS(client, path, issues);
  if (method === 'private_key_jwt') {
    if (!client.jwks && !client.jwks_uri) issues.error(path('token_endpoint_auth_method'), "is 'private_key_jwt', which requires 'jwks' or 'jwks_uri' with the client's public keys");
    const alg = client.token_endpoint_auth_signing_alg;
    if (!alg) issues.error(path('token_endpoint_auth_signing_alg'), "is required when 'token_endpoint_auth_method' is 'private_key_jwt'", "set it to the algorithm the client signs its assertions with, e.g. 'RS256'");
    else if (!ASYMMETRIC_ALGS.includes(alg)) issues.error(path('token_endpoint_auth_signing_alg'), `must be one of ${listValues(ASYMMETRIC_ALGS)} with 'private_key_jwt' but is configured as '${alg}'`);
    else if (client.jwks && clientAlgs && !clientAlgs.has(alg)) issues.error(path('token_endpoint_auth_signing_alg'), `must be one of the algorithms of the client's jwks (${listValues([...clientAlgs])}) but is configured as '${alg}'`);
  }
  if (method === 'client_secret_jwt') {
    const alg = client.token_endpoint_auth_signing_alg ?? 'HS256';
    if (!HMAC_ALGS.includes(alg)) issues.error(path('token_endpoint_auth_signing_alg'), `must be one of ${listValues(HMAC_ALGS)} with 'client_secret_jwt' but is configured as '${alg}'`);
  }
  if (client.request_object_signing_alg && client.jwks && clientAlgs && !clientAlgs.has(client.request_object_signing_alg) && client.request_object_signing_alg !== 'none') {
    issues.error(path('request_object_signing_alg'), `must be one of the algorithms of the client's jwks (${listValues([...clientAlgs])}) but is configured as '${client.request_object_signing_alg}'`);
  }

  validateRedirects(client, path, isPublic, issues);
  validateGrantsAndScopes(client, path, isPublic, issues);
  validateSigning(client, path, kind, keys, issues);

  // PKCE.
  if (client.pkce_challenge_method === 'plain' && oidc.enable_pkce_plain_challenge !== true) {
    issues.error(path('pkce_challenge_method'), "is 'plain' but 'identity_providers.oidc.enable_pkce_plain_challenge' is false", "use 'S256' (recommended), or enable the plain challenge for the provider");
  }

  // Policies and lifespans by name.
  const policy = client.authorization_policy;
  const policies = Object.keys(oidc.authorization_policies ?? {});
  const grants = client.grant_types ?? [];
  if (policy !== undefined) {
    if (grants.includes('client_credentials') && policy !== 'one_factor') {
      issues.error(path('authorization_policy'), `must be 'one_factor' for a client using the 'client_credentials' grant but is configured as '${policy}'`);
    } else if (!['one_factor', 'two_factor', ...policies].includes(policy)) {
      const allowed = ['one_factor', 'two_factor', ...policies];
      const guess = POLICY_ALIASES[policy.toLowerCase()] ?? closest(policy, allowed);
      const hint = guess ? `did you mean '${guess}'?` : policies.length === 0 ? "custom policies are defined under 'identity_providers.oidc.authorization_policies'" : undefined;
      issues.error(path('authorization_policy'), `must be one of ${listValues(allowed)} but is configured as '${policy}'`, hint);
    }
  }
  if (client.lifespan !== undefined && client.lifespan !== '') {
    const custom = Object.keys(oidc.lifespans?.custom ?? {});
    if (custom.length === 0) issues.error(path('lifespan'), `must not be set when no custom lifespans are configured but is configured as '${client.lifespan}'`, "define it under 'identity_providers.oidc.lifespans.custom'");
    else if (!custom.includes(client.lifespan)) issues.error(path('lifespan'), `must be one of ${listValues(custom)} but is configured as '${client.lifespan}'`);
  }

  // Pairwise subject identifiers.
  const sector = client.sector_identifier_uri;
  if (sector !== undefined && sector !== '') {
    const url = parseURI(sector);
    if (!url) {
      issues.warn(path('sector_identifier_uri'), `should be an absolute https URI but is '${sector}': it is used as-is as the sector identifier`, 'changing it would change every pairwise subject of this client, so keep it if clients already rely on it');
    } else {
      if (url.protocol !== 'https:') issues.error(path('sector_identifier_uri'), `must use the https scheme but is '${sector}'`);
      if (url.hash !== '' || sector.includes('#')) issues.error(path('sector_identifier_uri'), 'must not contain a fragment');
      if (url.username !== '' || url.password !== '') issues.error(path('sector_identifier_uri'), 'must not contain a user name or password');
    }
  }
}

function validateSecret(client: OIDCClientConfig, secret: string, kind: string | undefined, path: (k: string) => Path, issues: IssueCollector): void {
  if (/[\r\n]$/.test(secret)) {
    issues.error(path('client_secret'), 'ends with a line break, which is part of the value', "write the value on one line in quotes, or use '|-' instead of '|' for a block scalar");
    return;
  }
  if (kind === 'invalid') {
    try {
      parseDigest(secret, { allowPlaintext: true });
    } catch (error) {
      issues.error(path('client_secret'), `is not a valid digest: ${(error as Error).message}`, "generate one with 'castellan crypto hash generate pbkdf2 --random', or check it was copied whole");
    }
    return;
  }
  const needsPlaintext = client.token_endpoint_auth_method === 'client_secret_jwt' || [client.id_token_signed_response_alg, client.userinfo_signed_response_alg, client.access_token_signed_response_alg].some((a) => a !== undefined && HMAC_ALGS.includes(a));
  if (kind === 'digest' && needsPlaintext) {
    const reason = client.token_endpoint_auth_method === 'client_secret_jwt' ? "'token_endpoint_auth_method' is 'client_secret_jwt'" : 'an HMAC (HS256/384/512) signing algorithm is configured';
    issues.error(path('client_secret'), `must be plaintext because ${reason}: the server needs the secret itself to compute HMACs`, "write it as '$plaintext$<secret>'");
  }
  if (kind === 'plaintext' && !needsPlaintext) {
    issues.warn(path('client_secret'), 'is plaintext; store a digest instead unless the client uses client_secret_jwt or HMAC-signed tokens', "generate one with 'castellan crypto hash generate pbkdf2 --password <secret>'");
  }
}

/** The signing algorithms of the client's keys; undefined when a key is unusable (already reported). */
function validateClientJWKS(client: OIDCClientConfig, path: (k: string) => Path, issues: IssueCollector): Set<string> | undefined {
  const algs = new Set<string>();
  const kids: string[] = [];
  let usable = true;
  const unusable = (at: Path, message: string, hint?: string): void => {
    issues.error(at, message, hint);
    usable = false;
  };
  (client.jwks ?? []).forEach((jwk, i) => {
    const at: Path = [...path('jwks'), i];
    if (!jwk.key_id) issues.error([...at, 'key_id'], 'is required for client keys', 'the key id must match the kid header of the JWTs the client signs');
    else if (kids.includes(jwk.key_id)) issues.error([...at, 'key_id'], `must be unique but '${jwk.key_id}' is used twice`);
    else kids.push(jwk.key_id);
    if (typeof jwk.key !== 'string' || jwk.key === '') {
      unusable([...at, 'key'], 'is required');
      return;
    }
    try {
      const info = inspectPublicKey(jwk.key);
      if (info.visibility === 'private') issues.error([...at, 'key'], 'must be a public key but is a private key', 'never give the provider a client private key: put the PEM public key here');
      if (info.type === 'rsa' && (info.bits ?? 0) < 2048) issues.error([...at, 'key'], `is an RSA key of ${info.bits} bits but must have at least 2048 bits`);
      if (info.algorithms.length === 0) unusable([...at, 'key'], `must be an RSA or ECDSA (P-256, P-384, P-521) public key but is ${describeKeyType(info.type, info.curve)}`);
      const alg = jwk.algorithm ?? info.defaultAlgorithm;
      if (alg && !info.algorithms.includes(alg as never)) unusable([...at, 'algorithm'], `must be one of ${listValues(info.algorithms)} for this ${info.type.toUpperCase()} key but is configured as '${alg}'`);
      else if (alg) algs.add(alg);
    } catch (error) {
      if (error instanceof KeyError) unusable([...at, 'key'], error.message);
      else throw error;
    }
  });
  return usable ? algs : undefined;
}

function validateRedirects(client: OIDCClientConfig, path: (k: string) => Path, isPublic: boolean, issues: IssueCollector): void {
  const allowHTTP = client.allow_insecure_redirect_uris === true;
  const uses = (client.grant_types ?? []).some((g) => g === 'authorization_code' || g === 'implicit');
  const redirects = client.redirect_uris ?? [];
  if (redirects.length === 0 && uses) issues.error(path('redirect_uris'), 'is required for a client using the authorization_code or implicit grant', "list the exact callback URL of the application, e.g. 'https://app.example.com/oauth2/callback'");
  redirects.forEach((uri, i) => {
    for (const problem of redirectURIProblems(uri, { isPublic, allowHTTP })) issues.error([...path('redirect_uris'), i], problem.message, problem.hint);
  });
  for (const uri of duplicates(redirects)) issues.warn(path('redirect_uris'), `lists '${uri}' more than once`);
  (client.post_logout_redirect_uris ?? []).forEach((uri, i) => {
    for (const problem of redirectURIProblems(uri, { isPublic: false, allowHTTP })) issues.error([...path('post_logout_redirect_uris'), i], problem.message, problem.hint);
  });
  if (client.backchannel_logout_uri !== undefined) {
    const url = parseURI(client.backchannel_logout_uri);
    const problems = redirectURIProblems(client.backchannel_logout_uri, { isPublic: false, allowHTTP });
    if (!url || !['http:', 'https:'].includes(url.protocol)) issues.error(path('backchannel_logout_uri'), `must be an absolute http(s) URI but is '${client.backchannel_logout_uri}'`);
    else for (const problem of problems) issues.error(path('backchannel_logout_uri'), problem.message, problem.hint);
  }
  (client.request_uris ?? []).forEach((uri, i) => {
    const url = parseURI(uri);
    if (!url || url.protocol !== 'https:') issues.error([...path('request_uris'), i], `must be an absolute https URI but is '${uri}'`);
  });
}

function validateGrantsAndScopes(client: OIDCClientConfig, path: (k: string) => Path, isPublic: boolean, issues: IssueCollector): void {
  const grants = client.grant_types ?? [];
  const scopes = client.scopes ?? [];
  const responseTypes = client.response_types ?? [];
  for (const [key, list] of [['scopes', scopes], ['grant_types', grants], ['response_types', responseTypes], ['response_modes', client.response_modes ?? []]] as const) {
    const repeated = duplicates(list);
    if (repeated.length > 0) issues.warn(path(key), `must have unique values but ${listValues(repeated)} ${repeated.length === 1 ? 'is' : 'are'} listed more than once`);
  }
  const unknown = scopes.filter((s) => !STANDARD_SCOPES.includes(s));
  if (unknown.length > 0) {
    issues.warn(path('scopes'), `has the non-standard ${unknown.length === 1 ? 'scope' : 'scopes'} ${listValues(unknown)}: only ${listValues(STANDARD_SCOPES)} carry claims`, unknown.includes('group') ? "did you mean 'groups'?" : undefined);
  }
  if (grants.includes('client_credentials')) {
    if (isPublic) issues.error(path('grant_types'), "must not include 'client_credentials' for a public client", 'the client_credentials grant needs a client that can keep a secret');
    const bad = scopes.filter((s) => ['openid', 'offline', 'offline_access'].includes(s));
    if (bad.length > 0) issues.error(path('scopes'), `must not include ${listValues(bad)} when 'grant_types' includes 'client_credentials'`, 'no user signs in with client_credentials, so there is no identity or refresh to grant');
  }
  const hasCode = responseTypes.some((t) => CODE_TYPES.includes(t));
  const hasImplicit = responseTypes.some((t) => t.split(' ').some((p) => p === 'id_token' || p === 'token'));
  if (grants.includes('authorization_code') && !hasCode) issues.warn(path('grant_types'), "includes 'authorization_code' but no 'response_types' entry returns a code (such as 'code')");
  if (grants.includes('implicit') && !hasImplicit) issues.warn(path('grant_types'), "includes 'implicit' but no 'response_types' entry is implicit or hybrid (such as 'id_token')");
  if (grants.includes('refresh_token') && !scopes.some((s) => s === 'offline_access' || s === 'offline')) {
    issues.warn(path('grant_types'), "includes 'refresh_token' but 'scopes' has neither 'offline_access' nor 'offline', so no refresh token can be issued");
  }
  if (hasCode && !grants.includes('authorization_code')) issues.error(path('grant_types'), "must include 'authorization_code' because 'response_types' returns a code");
  if (hasImplicit && !grants.includes('implicit')) issues.error(path('grant_types'), "must include 'implicit' because 'response_types' includes an implicit or hybrid type");
  const modes = client.response_modes ?? [];
  if (hasCode && responseTypes.every((t) => t === 'code') && modes.length > 0 && modes.every((m) => m === 'fragment')) {
    issues.error(path('response_modes'), "must allow 'query' or 'form_post' for the 'code' response type");
  }
}

function validateSigning(client: OIDCClientConfig, path: (k: string) => Path, kind: string | undefined, keys: ProviderKeys, issues: IssueCollector): void {
  const available = [...keys.algorithms];
  const check = (algKey: keyof OIDCClientConfig, kidKey: keyof OIDCClientConfig, allowNone: boolean): void => {
    const alg = client[algKey] as string | undefined;
    const kid = client[kidKey] as string | undefined;
    if (kid !== undefined && kid !== '' && keys.configured && keys.usable && !keys.keyIDs.has(kid)) {
      issues.error(path(kidKey), `must be one of the provider's key ids ${listValues([...keys.keyIDs])} but is configured as '${kid}'`);
    }
    if (alg === undefined || alg === '') return;
    if (alg === 'none') {
      if (!allowNone) issues.error(path(algKey), `must be a signing algorithm such as 'RS256' but is configured as 'none'`, 'ID tokens are always signed');
      return;
    }
    if (HMAC_ALGS.includes(alg)) {
      if (!kind) issues.error(path(algKey), `is '${alg}', which requires a plaintext 'client_secret'`);
      return;
    }
    if (keys.usable && !keys.algorithms.has(alg)) {
      const guess = available.find((a) => a.toLowerCase() === alg.toLowerCase());
      issues.error(path(algKey), `must be one of ${listValues([...available, ...(allowNone ? ['none'] : [])])} (the algorithms of the provider's jwks) but is configured as '${alg}'`, guess ? `algorithm names are case-sensitive: use '${guess}'` : `add a key for ${alg} to 'identity_providers.oidc.jwks'`);
    }
  };
  check('id_token_signed_response_alg', 'id_token_signed_response_key_id', false);
  check('userinfo_signed_response_alg', 'userinfo_signed_response_key_id', true);
  check('access_token_signed_response_alg', 'access_token_signed_response_key_id', true);
}
