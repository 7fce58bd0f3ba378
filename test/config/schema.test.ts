// The configuration schema compiles under the engine's ajv options, names keys strictly, and fills
// static defaults. Documents here are already normalized (no deprecated names): that step runs first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

const SCHEMA_URL = new URL('../../schemas/configuration.schema.json', import.meta.url);

// Simplified stand-ins for the engine's formats: Authelia durations and listen/dial addresses.
const DURATION = /^(?:-?\d+|(?:\s*\d+(?:\.\d+)?\s*(?:ns|us|µs|ms|s|m|h|d|w|M|y|(?:nanosecond|microsecond|millisecond|second|minute|hour|day|week|month|year)s?)\s*)+)$/;
const ADDRESS = /^(?:(?:tcp[46]?|unix|udp[46]?|ldaps?|ldapi|smtp|submissions?):\/\/.*|(?!.*:\/\/).*)$/;

const KASM_CLIENT_YAML = `
identity_providers:
  oidc:
    clients:
      - client_id: 'kasm'
        client_name: 'Kasm Workspaces'
        client_secret: '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng'
        public: false
        authorization_policy: 'two_factor'
        redirect_uris:
          - 'https://kasm.example.com/api/oidc_callback'
        scopes:
          - 'openid'
          - 'profile'
          - 'groups'
          - 'email'
        userinfo_signed_response_alg: 'none'
        token_endpoint_auth_method: 'client_secret_basic'
`;

interface Doc { [key: string]: unknown }
type JSONSchema = Record<string, unknown>;

function loadSchema(): JSONSchema {
  return JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as JSONSchema;
}

function compile(): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, allowUnionTypes: true });
  ajv.addFormat('duration', DURATION);
  ajv.addFormat('address', ADDRESS);
  ajv.addKeyword({ keyword: 'x-castellan-unimplemented', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  return ajv.compile(loadSchema());
}

const validate = compile();

function minimalConfig(): Doc {
  return parse(KASM_CLIENT_YAML) as Doc;
}

function firstClient(doc: Doc): Doc {
  const oidc = (doc['identity_providers'] as Doc)['oidc'] as Doc;
  return (oidc['clients'] as Doc[])[0] as Doc;
}

function errorsOf(doc: Doc): ErrorObject[] {
  assert.equal(validate(doc), false, 'document should be invalid');
  return validate.errors ?? [];
}

/** Whether a subschema is an unimplemented section accepted without naming its keys. */
function isLoose(node: JSONSchema): boolean {
  return node['x-castellan-unimplemented'] === true && node['additionalProperties'] !== false;
}

/** Visits every subschema with the JSON pointer it sits at; `visit` returning false skips the children. */
function walk(schema: unknown, at: string, visit: (node: JSONSchema, at: string) => boolean | void): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  const node = schema as JSONSchema;
  if (visit(node, at) === false) return;
  for (const [key, child] of Object.entries(node)) {
    if (key === 'properties' || key === '$defs') {
      for (const [name, sub] of Object.entries(child as JSONSchema)) walk(sub, `${at}/${key}/${name}`, visit);
    } else if (key === 'items' || key === 'additionalProperties') {
      walk(child, `${at}/${key}`, visit);
    } else if (key === 'anyOf') {
      (child as unknown[]).forEach((sub, i) => walk(sub, `${at}/anyOf/${i}`, visit));
    }
  }
}

test('the schema compiles under strict mode with the engine options', () => {
  assert.equal(typeof compile(), 'function');
});

test('every property is described and typed, and every strict object closes its keys', () => {
  const problems: string[] = [];
  walk(loadSchema(), '#', (node, at) => {
    if (node['properties'] !== undefined && !isLoose(node)) {
      if (node['additionalProperties'] !== false) problems.push(`${at}: additionalProperties must be false`);
      if (node['type'] !== 'object') problems.push(`${at}: type must be object`);
    }
    for (const [name, sub] of Object.entries((node['properties'] ?? {}) as Record<string, JSONSchema>)) {
      if (typeof sub['description'] !== 'string') problems.push(`${at}/properties/${name}: description missing`);
      if (sub['type'] === undefined && sub['$ref'] === undefined && sub['anyOf'] === undefined) problems.push(`${at}/properties/${name}: type missing`);
    }
    return !isLoose(node);
  });
  assert.deepEqual(problems, []);
});

test('secret keys are marked x-secret', () => {
  const secrets: string[] = [];
  walk(loadSchema(), '#', (node, at) => {
    if (node['x-secret'] === true) secrets.push(at);
  });
  for (const expected of [
    '#/properties/identity_providers/properties/oidc/properties/hmac_secret',
    '#/properties/session/properties/secret',
    '#/properties/storage/properties/encryption_key',
    '#/$defs/client/properties/client_secret',
    '#/$defs/issuer_jwk/properties/key',
  ]) assert.ok(secrets.includes(expected), `${expected} should be x-secret`);
  assert.ok(!secrets.includes('#/$defs/client_jwk/properties/key'), 'client JWKs are public keys');
});

test('the Kasm Workspaces client from the Authelia integration guide validates', () => {
  const doc = minimalConfig();
  assert.equal(validate(doc), true, JSON.stringify(validate.errors));
});

test('the client example from the Authelia clients reference validates once its old names are renamed', () => {
  // The documented example uses '' for unset values; the normalizer maps id, secret, enforce_par, … first.
  const doc = minimalConfig();
  const oidc = (doc['identity_providers'] as Doc)['oidc'] as Doc;
  oidc['clients'] = [{
    client_id: 'myapp', client_name: 'My Application',
    client_secret: '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng',
    sector_identifier_uri: '', public: false, redirect_uris: ['https://oidc.example.com:8080/oauth2/callback'], audience: [],
    scopes: ['openid', 'groups', 'email', 'profile'], grant_types: ['refresh_token', 'authorization_code'], response_types: ['code'],
    response_modes: ['form_post', 'query', 'fragment'], authorization_policy: 'two_factor', consent_mode: 'explicit',
    pre_configured_consent_duration: '1 week', require_pushed_authorization_requests: false, require_pkce: false,
    pkce_challenge_method: 'S256', id_token_signed_response_alg: 'RS256', id_token_signed_response_key_id: '',
    userinfo_signed_response_alg: 'none', userinfo_signed_response_key_id: '', request_object_signing_alg: 'RS256',
    token_endpoint_auth_signing_alg: 'RS256', token_endpoint_auth_method: '',
  }];
  assert.equal(validate(doc), true, JSON.stringify(validate.errors));
});

test('client defaults are filled and derived keys are left to code', () => {
  const doc = minimalConfig();
  assert.equal(validate(doc), true);
  const client = firstClient(doc);
  assert.equal(client['consent_mode'], 'auto');
  assert.equal(client['requested_audience_mode'], 'explicit');
  assert.equal(client['id_token_signed_response_alg'], 'RS256');
  assert.equal(client['access_token_signed_response_alg'], 'none');
  assert.equal(client['require_pkce'], false);
  assert.deepEqual(client['audience'], []);
  assert.equal('grant_types' in client, false, 'grant_types derive from response_types');
  assert.equal('response_modes' in client, false, 'response_modes derive from response_types');
  assert.equal('authorization_signed_response_alg' in client, false, 'unimplemented keys get no default');
  const oidc = (doc['identity_providers'] as Doc)['oidc'] as Doc;
  assert.equal(oidc['enforce_pkce'], 'public_clients_only');
  assert.equal(oidc['minimum_parameter_entropy'], 8);
  assert.deepEqual(oidc['lifespans'], {
    access_token: '1h', authorize_code: '1m', id_token: '1h', refresh_token: '90m', device_code: '10m', jwt_secured_authorization: '5m',
  });
  assert.deepEqual(oidc['cors'], { endpoints: [], allowed_origins: [], allowed_origins_from_client_redirect_uris: false });
});

test('an unknown client key is an additionalProperties error at the client', () => {
  const doc = minimalConfig();
  firstClient(doc)['redirect_uri'] = 'https://kasm.example.com/api/oidc_callback';
  const errors = errorsOf(doc);
  assert.ok(errors.some((e) => e.keyword === 'additionalProperties'
    && e.instancePath === '/identity_providers/oidc/clients/0'
    && e.params['additionalProperty'] === 'redirect_uri'), JSON.stringify(errors));
});

test('a deprecated client name is unknown to the schema (the normalizer renames it first)', () => {
  const doc = minimalConfig();
  firstClient(doc)['id'] = 'kasm';
  assert.ok(errorsOf(doc).some((e) => e.keyword === 'additionalProperties' && e.params['additionalProperty'] === 'id'));
});

test("pkce_challenge_method is case-sensitive: 's256' fails, 'S256' and '' pass", () => {
  const bad = minimalConfig();
  firstClient(bad)['pkce_challenge_method'] = 's256';
  assert.ok(errorsOf(bad).some((e) => e.keyword === 'enum' && e.instancePath === '/identity_providers/oidc/clients/0/pkce_challenge_method'));
  for (const value of ['S256', 'plain', '']) {
    const good = minimalConfig();
    firstClient(good)['pkce_challenge_method'] = value;
    assert.equal(validate(good), true, value);
  }
});

test("an empty token_endpoint_auth_method means unset and is accepted", () => {
  const doc = minimalConfig();
  firstClient(doc)['token_endpoint_auth_method'] = '';
  assert.equal(validate(doc), true);
});

test("log.level 'verbose' fails", () => {
  const errors = errorsOf({ log: { level: 'verbose' } });
  assert.ok(errors.some((e) => e.keyword === 'enum' && e.instancePath === '/log/level'));
});

test('durations go through the duration format', () => {
  assert.equal(validate({ session: { inactivity: '10 minutes', expiration: '1h30m', remember_me: -1 } }), true, JSON.stringify(validate.errors));
  const errors = errorsOf({ session: { inactivity: 'soon' } });
  assert.ok(errors.some((e) => e.keyword === 'format' && e.instancePath === '/session/inactivity'));
});

test('validating {} fills the static defaults of the always-present sections', () => {
  const doc: Doc = {};
  assert.equal(validate(doc), true);
  assert.deepEqual(doc['server'], { address: 'tcp://:9091/', trusted_proxies: ['127.0.0.0/8', '::1/128'] });
  assert.deepEqual(doc['log'], { level: 'info', format: 'text' });
  assert.deepEqual(doc['session'], { name: 'authelia_session', same_site: 'lax', inactivity: '5m', expiration: '1h', remember_me: '1M' });
  assert.deepEqual(doc['regulation'], { modes: ['user', 'ip'], max_retries: 3, find_time: '2m', ban_time: '5m' });
  assert.deepEqual(doc['authentication_backend'], { refresh_interval: '5m' });
  assert.equal((doc['totp'] as Doc)['digits'], 6);
  assert.deepEqual((doc['webauthn'] as Doc)['selection_criteria'], { attachment: 'cross-platform', discoverability: 'discouraged', user_verification: 'preferred' });
  assert.equal('identity_providers' in doc, false, 'OIDC stays disabled unless configured');
});

test('an unimplemented section is accepted loosely', () => {
  assert.equal(validate({ notifier: { smtp: { address: 'smtp://x:25' } } }), true, JSON.stringify(validate.errors));
});

test('the LDAP block is typed although unimplemented', () => {
  assert.equal(validate({ authentication_backend: { ldap: { address: 'ldaps://ldap.example.com', implementation: 'lldap', tls: { minimum_version: 'tls 1.3' } } } }), true, JSON.stringify(validate.errors));
  const errors = errorsOf({ authentication_backend: { ldap: { url: 'ldap://x' } } });
  assert.ok(errors.some((e) => e.keyword === 'additionalProperties' && e.params['additionalProperty'] === 'url'));
});
