// The typed configuration, i.e. its shape after load → normalize → validate, mirroring
// schemas/configuration.schema.json key for key (snake_case exactly as in the YAML).
// Keys the schema gives a static default are non-optional; keys Castellan derives from other
// keys (see "Derived:" in the schema) stay optional here and are computed by code that reads them.
// Every `format: duration` value has been converted to seconds by then, hence `Seconds`.

/** A duration converted to seconds; fractional values are allowed. */
export type Seconds = number;

export type JWSAlgorithm =
  | 'HS256' | 'HS384' | 'HS512'
  | 'RS256' | 'RS384' | 'RS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'PS256' | 'PS384' | 'PS512';
/** The asymmetric signing algorithms a JSON Web Key can carry. */
export type JWKSigningAlgorithm = Exclude<JWSAlgorithm, 'HS256' | 'HS384' | 'HS512'>;
export type JWEAlgorithm =
  | 'RSA1_5' | 'RSA-OAEP' | 'RSA-OAEP-256'
  | 'A128KW' | 'A192KW' | 'A256KW' | 'dir'
  | 'ECDH-ES' | 'ECDH-ES+A128KW' | 'ECDH-ES+A192KW' | 'ECDH-ES+A256KW'
  | 'A128GCMKW' | 'A192GCMKW' | 'A256GCMKW'
  | 'PBES2-HS256+A128KW' | 'PBES2-HS384+A192KW' | 'PBES2-HS512+A256KW';
export type JWEEncryption = 'A128CBC-HS256' | 'A192CBC-HS384' | 'A256CBC-HS512' | 'A128GCM' | 'A192GCM' | 'A256GCM';
/** `''` means "unset" throughout: Authelia's documented examples write it for several client keys. */
export type EndpointAuthMethod = '' | 'none' | 'client_secret_post' | 'client_secret_basic' | 'private_key_jwt' | 'client_secret_jwt';
/** `''` means two_factor. */
export type AuthorizationLevel = '' | 'one_factor' | 'two_factor' | 'deny';
export type GrantType = 'authorization_code' | 'implicit' | 'client_credentials' | 'refresh_token' | 'urn:ietf:params:oauth:grant-type:device_code';
export type ResponseMode = 'form_post' | 'query' | 'fragment' | 'jwt' | 'form_post.jwt' | 'query.jwt' | 'fragment.jwt';
export type CORSEndpoint = 'authorization' | 'device-authorization' | 'pushed-authorization-request' | 'token' | 'introspection' | 'revocation' | 'userinfo';

export interface ServerConfig {
  address: string;
  /** Castellan extension: proxies whose X-Forwarded-* headers are believed (IPs or CIDR ranges). */
  trusted_proxies: string[];
  /** Not implemented. */
  asset_path?: string;
  /** Not implemented. */
  disable_healthcheck?: boolean;
  /** Not implemented. */
  tls?: { key?: string; certificate?: string; client_certificates?: string[] };
  /** Not implemented. */
  headers?: { csp_template?: string };
  /** Not implemented. */
  buffers?: { read?: number; write?: number };
  /** Not implemented. */
  timeouts?: { read?: Seconds; write?: Seconds; idle?: Seconds };
  /** Not implemented. */
  endpoints?: unknown;
}

export interface LogConfig {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  format: 'text' | 'json';
  /** Not implemented. */
  file_path?: string;
  /** Not implemented. */
  keep_stdout?: boolean;
}

/** A provider key (private, under `identity_providers.oidc.jwks`) or a client key (public, under `clients[].jwks`). */
export interface JWKConfig {
  /** Derived when absent: 6 hex chars of the RFC 7638 thumbprint + '-' + lowercase algorithm. */
  key_id?: string;
  use: 'sig' | 'enc';
  /** Derived when absent from the key type and curve. */
  algorithm?: JWKSigningAlgorithm | JWEAlgorithm;
  key?: string;
  certificate_chain?: string;
}

/** Lifespans per token type; an absent value falls back to the next broader setting. */
export interface LifespanTokenConfig {
  access_token?: Seconds;
  authorize_code?: Seconds;
  id_token?: Seconds;
  refresh_token?: Seconds;
}

export interface CustomLifespanConfig extends LifespanTokenConfig {
  device_code?: Seconds;
  grants?: {
    authorize_code?: LifespanTokenConfig;
    implicit?: LifespanTokenConfig;
    client_credentials?: LifespanTokenConfig;
    refresh_token?: LifespanTokenConfig;
    jwt_bearer?: LifespanTokenConfig;
    device_code?: LifespanTokenConfig;
  };
}

/** `identity_providers.oidc.lifespans`. */
export interface LifespanConfig {
  access_token: Seconds;
  authorize_code: Seconds;
  id_token: Seconds;
  refresh_token: Seconds;
  device_code: Seconds;
  jwt_secured_authorization: Seconds;
  custom?: Record<string, CustomLifespanConfig>;
}

export interface CORSConfig {
  endpoints: CORSEndpoint[];
  allowed_origins: string[];
  allowed_origins_from_client_redirect_uris: boolean;
}

/** 'user:x' / 'group:x', a list of them (any matches), or a list of lists (all of one inner list match). */
export type SubjectConfig = string | (string | string[])[];

export interface AuthorizationPolicyRuleConfig {
  policy?: AuthorizationLevel;
  subject?: SubjectConfig;
  networks?: string[];
}

export interface AuthorizationPolicyConfig {
  default_policy?: AuthorizationLevel;
  rules?: AuthorizationPolicyRuleConfig[];
}

/** Not implemented (4.39 claims policies). */
export interface ClaimsPolicyConfig {
  id_token?: string[];
  access_token?: string[];
  id_token_audience_mode?: 'specification' | 'experimental-merged';
  custom_claims?: Record<string, { name?: string; attribute?: string }>;
}

export interface OIDCClientConfig {
  client_id?: string;
  /** Derived: client_id. */
  client_name?: string;
  client_secret?: string;
  sector_identifier_uri?: string;
  public: boolean;
  redirect_uris?: string[];
  request_uris?: string[];
  audience: string[];
  /** Derived: openid, groups, profile, email (none for client_credentials clients). */
  scopes?: string[];
  /** Derived from response_types. */
  grant_types?: GrantType[];
  /** Derived: ['code']. */
  response_types?: string[];
  /** Derived from response_types. */
  response_modes?: ResponseMode[];
  /** Derived: two_factor, or one_factor for client_credentials. */
  authorization_policy?: string;
  lifespan?: string;
  /** Not implemented. */
  claims_policy?: string;
  requested_audience_mode: 'explicit' | 'implicit';
  consent_mode: 'auto' | 'explicit' | 'implicit' | 'pre-configured';
  /** Derived: one week when the consent mode is pre-configured. */
  pre_configured_consent_duration?: Seconds;
  require_pushed_authorization_requests: boolean;
  require_pkce: boolean;
  pkce_challenge_method?: '' | 'plain' | 'S256';
  /** Not implemented. */
  authorization_signed_response_alg?: '' | 'none' | JWSAlgorithm;
  /** Not implemented. */
  authorization_signed_response_key_id?: string;
  /** Not implemented. */
  authorization_encrypted_response_alg?: '' | 'none' | JWEAlgorithm;
  /** Not implemented. */
  authorization_encrypted_response_enc?: '' | JWEEncryption;
  /** Not implemented. */
  authorization_encrypted_response_key_id?: string;
  id_token_signed_response_alg: '' | JWSAlgorithm;
  id_token_signed_response_key_id?: string;
  /** Not implemented. */
  id_token_encrypted_response_alg?: '' | 'none' | JWEAlgorithm;
  /** Not implemented. */
  id_token_encrypted_response_enc?: '' | JWEEncryption;
  /** Not implemented. */
  id_token_encrypted_response_key_id?: string;
  access_token_signed_response_alg: '' | 'none' | JWSAlgorithm;
  access_token_signed_response_key_id?: string;
  /** Not implemented. */
  access_token_encrypted_response_alg?: '' | 'none' | JWEAlgorithm;
  /** Not implemented. */
  access_token_encrypted_response_enc?: '' | JWEEncryption;
  /** Not implemented. */
  access_token_encrypted_response_key_id?: string;
  userinfo_signed_response_alg: '' | 'none' | JWSAlgorithm;
  userinfo_signed_response_key_id?: string;
  /** Not implemented. */
  userinfo_encrypted_response_alg?: '' | 'none' | JWEAlgorithm;
  /** Not implemented. */
  userinfo_encrypted_response_enc?: '' | JWEEncryption;
  /** Not implemented. */
  userinfo_encrypted_response_key_id?: string;
  /** Not implemented. */
  introspection_signed_response_alg?: '' | 'none' | JWSAlgorithm;
  /** Not implemented. */
  introspection_signed_response_key_id?: string;
  /** Not implemented. */
  introspection_encrypted_response_alg?: '' | 'none' | JWEAlgorithm;
  /** Not implemented. */
  introspection_encrypted_response_enc?: '' | JWEEncryption;
  /** Not implemented. */
  introspection_encrypted_response_key_id?: string;
  request_object_signing_alg?: '' | 'none' | JWKSigningAlgorithm;
  /** Not implemented. */
  request_object_encryption_alg?: '' | 'none' | JWEAlgorithm;
  /** Not implemented. */
  request_object_encryption_enc?: '' | JWEEncryption;
  /** Derived: client_secret_basic, or none for public clients. */
  token_endpoint_auth_method?: EndpointAuthMethod;
  /** Derived: HS256 for client_secret_jwt. */
  token_endpoint_auth_signing_alg?: '' | JWSAlgorithm;
  /** Not implemented. */
  revocation_endpoint_auth_method?: EndpointAuthMethod;
  /** Not implemented. */
  revocation_endpoint_auth_signing_alg?: '' | JWSAlgorithm;
  /** Not implemented. */
  introspection_endpoint_auth_method?: EndpointAuthMethod;
  /** Not implemented. */
  introspection_endpoint_auth_signing_alg?: '' | JWSAlgorithm;
  /** Not implemented. */
  pushed_authorization_request_endpoint_auth_method?: EndpointAuthMethod;
  /** Not implemented. */
  pushed_authorization_request_endpoint_auth_signing_alg?: '' | JWSAlgorithm;
  /** Not implemented. */
  allow_multiple_auth_methods?: boolean;
  jwks_uri?: string;
  jwks?: JWKConfig[];
  /** Castellan extension: where RP-initiated logout may return to. */
  post_logout_redirect_uris?: string[];
  /** Castellan extension: receives back-channel logout tokens. */
  backchannel_logout_uri?: string;
  /** Castellan extension: accept http redirect URIs to non-loopback hosts. */
  allow_insecure_redirect_uris: boolean;
}

export interface OIDCConfig {
  hmac_secret?: string;
  jwks?: JWKConfig[];
  /** Not implemented. */
  enable_client_debug_messages?: boolean;
  minimum_parameter_entropy: number;
  enforce_pkce: 'never' | 'public_clients_only' | 'always';
  enable_pkce_plain_challenge: boolean;
  /** Not implemented. */
  enable_jwt_access_token_stateless_introspection?: boolean;
  /** Not implemented. */
  discovery_signed_response_alg?: '' | 'none' | JWSAlgorithm;
  /** Not implemented. */
  discovery_signed_response_key_id?: string;
  require_pushed_authorization_requests: boolean;
  authorization_policies?: Record<string, AuthorizationPolicyConfig>;
  lifespans: LifespanConfig;
  /** Not implemented. */
  claims_policies?: Record<string, ClaimsPolicyConfig>;
  /** Not implemented. */
  scopes?: Record<string, { claims?: string[] }>;
  cors: CORSConfig;
  clients?: OIDCClientConfig[];
}

export interface ExtraAttributeConfig {
  value_type?: 'string' | 'integer' | 'boolean';
  multi_valued?: boolean;
}

/** Not implemented: hashing parameters for passwords Castellan would write. */
export interface PasswordHashConfig {
  algorithm: 'argon2' | 'sha2crypt' | 'pbkdf2' | 'bcrypt' | 'scrypt';
  argon2?: { variant: 'argon2id' | 'argon2i' | 'argon2d'; iterations: number; memory: number; parallelism: number; key_length: number; salt_length: number };
  sha2crypt?: { variant: 'sha256' | 'sha512'; iterations: number; salt_length: number };
  pbkdf2?: { variant: 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512'; iterations?: number; salt_length: number };
  bcrypt?: { variant: 'standard' | 'sha256'; cost: number };
  scrypt?: { variant: 'scrypt' | 'yescrypt'; iterations: number; block_size: number; parallelism: number; key_length: number; salt_length: number };
  iterations?: number;
  memory?: number;
  parallelism?: number;
  key_length?: number;
  salt_length?: number;
}

export interface FileBackendConfig {
  path?: string;
  watch: boolean;
  /** Not implemented. */
  search?: { email?: boolean; case_insensitive?: boolean };
  /** Not implemented. */
  extra_attributes?: Record<string, ExtraAttributeConfig>;
  /** Not implemented. */
  password?: PasswordHashConfig;
}

export interface TLSConfig {
  server_name?: string;
  skip_verify: boolean;
  /** Case-insensitive as written, e.g. 'TLS1.2', 'tls 1.3', '1.2'. */
  minimum_version: string;
  maximum_version?: string;
  certificate_chain?: string;
  private_key?: string;
}

export type LDAPAttribute =
  | 'distinguished_name' | 'username' | 'display_name' | 'family_name' | 'given_name' | 'middle_name'
  | 'nickname' | 'gender' | 'birthdate' | 'website' | 'profile' | 'picture' | 'zoneinfo' | 'locale'
  | 'phone_number' | 'phone_extension' | 'street_address' | 'locality' | 'region' | 'postal_code'
  | 'country' | 'mail' | 'member_of' | 'group_name';

/**
 * `authentication_backend.ldap` (src/identity/ldap-options.ts maps it onto the LDAP core). Keys left
 * out (filters, attributes, additional DNs, timeout, pooling) derive from `implementation`.
 */
export interface LDAPBackendConfig {
  /** Required (the validator says so); the legacy `url` is renamed to it. */
  address?: string;
  implementation: 'custom' | 'activedirectory' | 'rfc2307bis' | 'freeipa' | 'lldap' | 'glauth';
  timeout?: Seconds;
  start_tls: boolean;
  tls?: TLSConfig;
  /** Castellan always pools; `enable` is accepted and has no effect. */
  pooling?: { enable: boolean; count: number; retries: number; timeout: Seconds };
  base_dn?: string;
  additional_users_dn?: string;
  users_filter?: string;
  additional_groups_dn?: string;
  groups_filter?: string;
  group_search_mode: 'filter' | 'memberof';
  permit_referrals: boolean;
  permit_unauthenticated_bind: boolean;
  /** Deprecated in Authelia 4.39.16 and without effect there and here. */
  permit_feature_detection_failure?: boolean;
  user?: string;
  password?: string;
  attributes?: Partial<Record<LDAPAttribute, string>> & {
    extra?: Record<string, ExtraAttributeConfig & { name?: string }>;
  };
}

export interface AuthenticationBackendConfig {
  /** Not implemented. */
  password_reset?: { disable?: boolean; custom_url?: string };
  /** Not implemented. */
  password_change?: { disable?: boolean };
  refresh_interval: Seconds | 'always' | 'disable';
  file?: FileBackendConfig;
  ldap?: LDAPBackendConfig;
}

export type SameSite = 'none' | 'lax' | 'strict';

/** One cookie domain; absent name/same_site/durations inherit the session-level values. */
export interface SessionCookieConfig {
  domain?: string;
  authelia_url?: string;
  default_redirection_url?: string;
  name?: string;
  same_site?: SameSite;
  inactivity?: Seconds;
  expiration?: Seconds;
  remember_me?: Seconds;
}

export interface SessionConfig {
  secret?: string;
  name: string;
  same_site: SameSite;
  inactivity: Seconds;
  expiration: Seconds;
  /** -1 disables remember me. */
  remember_me: Seconds;
  cookies?: SessionCookieConfig[];
  /** Not implemented. */
  redis?: unknown;
}

export interface StorageConfig {
  encryption_key?: string;
  local?: { path?: string };
  /** Not implemented. */
  mysql?: unknown;
  /** Not implemented. */
  postgres?: unknown;
}

export interface RegulationConfig {
  modes: ('user' | 'ip')[];
  max_retries: number;
  find_time: Seconds;
  ban_time: Seconds;
}

export interface TOTPConfig {
  disable: boolean;
  issuer: string;
  /** SHA1, SHA256 or SHA512 in any letter case, as Authelia accepts; compare upper-cased. */
  algorithm: string;
  digits: 6 | 8;
  period: number;
  skew: number;
  secret_size: number;
  /** Not implemented. */
  allowed_algorithms?: string[];
  /** Not implemented. */
  allowed_digits?: (6 | 8)[];
  /** Not implemented. */
  allowed_periods?: number[];
  /** Not implemented. */
  disable_reuse_security_policy?: boolean;
}

export type WebAuthnRequirement = 'discouraged' | 'preferred' | 'required';

export interface WebAuthnConfig {
  disable: boolean;
  /** Not implemented. */
  enable_passkey_login?: boolean;
  /** Not implemented. */
  experimental_enable_passkey_uv_two_factors?: boolean;
  display_name: string;
  attestation_conveyance_preference: 'none' | 'indirect' | 'direct';
  timeout: Seconds;
  selection_criteria: {
    attachment: '' | 'platform' | 'cross-platform';
    discoverability: WebAuthnRequirement;
    user_verification: WebAuthnRequirement;
  };
  /** Not implemented. */
  filtering?: { prohibit_backup_eligibility?: boolean; permitted_aaguids?: string[]; prohibited_aaguids?: string[] };
  /** Not implemented. */
  metadata?: unknown;
}

export interface Config {
  /** Not implemented. */
  theme?: string;
  /** Not implemented. */
  certificates_directory?: string;
  default_2fa_method?: '' | 'totp' | 'webauthn' | 'mobile_push';
  /** Not implemented (legacy). */
  default_redirection_url?: string;
  /** Not implemented (legacy). */
  jwt_secret?: string;
  server: ServerConfig;
  log: LogConfig;
  identity_providers?: { oidc?: OIDCConfig };
  authentication_backend: AuthenticationBackendConfig;
  session: SessionConfig;
  storage: StorageConfig;
  regulation: RegulationConfig;
  totp: TOTPConfig;
  webauthn: WebAuthnConfig;
  /** Not implemented. */
  notifier?: unknown;
  /** Not implemented. */
  access_control?: unknown;
  /** Not implemented. */
  ntp?: unknown;
  /** Not implemented. */
  duo_api?: unknown;
  /** Not implemented. */
  password_policy?: unknown;
  /** Not implemented. */
  identity_validation?: unknown;
  /** Not implemented. */
  privacy_policy?: unknown;
  /** Not implemented. */
  telemetry?: unknown;
  /** Not implemented. */
  definitions?: unknown;
}
