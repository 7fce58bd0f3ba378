// Configuration validation: the schema (schemas/relying-party.schema.json), the defaults, and the
// cross-field rules; problems name the path and, from YAML, the line and column.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, loadRelyingPartySettings, parseRelyingPartySettings, RelyingPartyConfigError, type ConfigProblem } from '../../src/relying-party/index.ts';

const MINIMAL = {
  id: 'castellan',
  display_name: 'Continue with Castellan',
  client_id: 'kasm',
  client_secret: 'insecure_secret',
  issuer: 'https://auth.example.com',
  redirect_url: 'https://kasm.example.com/api/oidc_callback',
};

function problems(input: unknown): ConfigProblem[] {
  try {
    parseRelyingPartySettings(input);
  } catch (error) {
    assert.ok(error instanceof RelyingPartyConfigError);
    return [...error.problems];
  }
  assert.fail('expected a RelyingPartyConfigError');
}

function messages(input: unknown): string[] {
  return problems(input).map((p) => `${p.path}: ${p.message}`);
}

test('a minimal configuration gets every default', () => {
  const [config] = parseRelyingPartySettings({ oidc: [MINIMAL] }).oidc;
  assert.deepEqual({ ...config }, {
    ...MINIMAL,
    enabled: true,
    auto_login: false,
    is_default: false,
    scopes: ['openid', 'profile', 'email'],
    username_attribute: 'preferred_username',
    debug: false,
    logout_with_provider: false,
    attribute_mappings: {},
    auto_user_provision: true,
    token_endpoint_auth_method: 'client_secret_basic',
    pkce: true,
  });
  const { groups } = parseRelyingPartySettings({ oidc: [MINIMAL], groups: [{ name: 'All Users' }] });
  assert.deepEqual({ ...groups[0] }, { name: 'All Users', priority: DEFAULTS.priority, settings: {}, sso_mappings: [] });
  assert.deepEqual(parseRelyingPartySettings({}), { oidc: [], ldap: [], groups: [] });
});

test("seed 000's Kasm values (manual endpoints) are accepted", () => {
  const settings = parseRelyingPartySettings({
    oidc: [{
      id: 'authelia', display_name: 'Authelia', auto_user_provision: true, auto_login: true, is_default: true, client_id: 'kasm', client_secret: 'insecure_secret',
      authorization_url: 'https://auth.example.com/api/oidc/authorization', token_url: 'https://auth.example.com/api/oidc/token', user_info_url: 'https://auth.example.com/api/oidc/userinfo',
      scopes: ['openid', 'profile', 'groups', 'email'], username_attribute: 'preferred_username', redirect_url: 'https://kasm.example.com/api/oidc_callback',
    }],
  });
  assert.equal(settings.oidc[0]!.issuer, undefined);
});

test('schema errors name the path and never show a secret', () => {
  assert.deepEqual(messages({ oidc: [{ ...MINIMAL, client_id: undefined, client_secret: 42, scope: ['openid'], token_endpoint_auth_method: 'private_key_jwt', id: 'has space' }] }).sort(), [
    "oidc[0].client_id: is required but is not set",
    "oidc[0].client_secret: must be a string but is configured as a secret (not shown)",
    "oidc[0].id: must match ^[A-Za-z0-9_-]{1,64}$ but is configured as 'has space'",
    'oidc[0].scope: configuration key not expected',
    "oidc[0].token_endpoint_auth_method: must be one of 'client_secret_basic', 'client_secret_post' but is configured as 'private_key_jwt'",
  ]);
  assert.deepEqual(messages({ oidc: [{ ...MINIMAL, attribute_mappings: { given_name: 'firstname' } }] }), [
    "oidc[0].attribute_mappings.given_name: must be one of 'first_name', 'last_name', 'email', 'phone', 'organization', 'notes', 'city', 'state', 'country', 'custom_attribute_1', 'custom_attribute_2', 'custom_attribute_3' but is configured as 'firstname'",
  ]);
  assert.deepEqual(messages({ groups: [{ name: 'G', priority: -1, settings: { a: [1] } }] }).sort(), [
    'groups[0].priority: must be at least 0 but is configured as -1',
    'groups[0].settings.a: must be a string or a number or true or false but is configured as a list',
  ]);
});

test('either issuer or the three endpoint URLs', () => {
  assert.deepEqual(messages({ oidc: [{ ...MINIMAL, token_url: 'https://auth.example.com/token' }] }), [
    'oidc[0].token_url: must not be set together with issuer: discovery finds the endpoints (set issuer, or the three endpoint URLs)',
  ]);
  const { issuer: _issuer, ...manual } = MINIMAL;
  assert.deepEqual(messages({ oidc: [{ ...manual, authorization_url: 'https://auth.example.com/authorize', logout_with_provider: true }] }), [
    'oidc[0].token_url: is required when issuer is not set (set issuer for discovery, or all of authorization_url, token_url and user_info_url)',
    'oidc[0].user_info_url: is required when issuer is not set (set issuer for discovery, or all of authorization_url, token_url and user_info_url)',
    'oidc[0].logout_with_provider: needs issuer: the end_session_endpoint is found by discovery',
  ]);
});

test('URLs must be https, except on the loopback interface', () => {
  assert.deepEqual(messages({ oidc: [{ ...MINIMAL, issuer: 'http://auth.example.com', logo_url: 'not a url' }] }), [
    "oidc[0].issuer: must be an https URL (http only on localhost) but is configured as 'http://auth.example.com'",
    "oidc[0].logo_url: must be an https URL (http only on localhost) but is configured as 'not a url'",
  ]);
  assert.doesNotThrow(() => parseRelyingPartySettings({ oidc: [{ ...MINIMAL, issuer: 'http://127.0.0.1:9091', redirect_url: 'http://localhost:3000/api/oidc_callback' }] }));
});

test('cross-field rules: unique ids, openid scope, callback path, mapping targets', () => {
  assert.deepEqual(messages({
    oidc: [
      { ...MINIMAL, scopes: ['profile'], redirect_url: 'https://kasm.example.com/callback', attribute_mappings: { email: 'email', mail: 'email' } },
      { ...MINIMAL },
    ],
    groups: [
      { name: 'Admins', sso_mappings: [{ provider: 'keycloak', group_attribute: 'admins' }, { provider: 'castellan' }] },
      { name: 'admins', sso_mappings: [{ provider: 'castellan', group_attribute: 'x', assign_all_users: true }] },
    ],
  }), [
    "oidc[0].redirect_url: must end with /api/oidc_callback (the path the module serves) but is configured as 'https://kasm.example.com/callback'",
    "oidc[0].scopes: must include 'openid': the module signs users in with the ID token",
    "oidc[0].attribute_mappings.mail: must not map to 'email' too: the claim 'email' already fills it",
    "oidc[1].id: must be unique but 'castellan' is also the id of oidc[0]",
    "groups[0].sso_mappings[0].provider: must be the id of an oidc configuration ('castellan') but is configured as 'keycloak'",
    'groups[0].sso_mappings[1]: must set group_attribute (a provider group) or assign_all_users: true',
    "groups[1].name: must be unique but 'admins' is also the name of groups[0]",
    'groups[1].sso_mappings[0]: must set group_attribute or assign_all_users: true, not both',
  ]);
});

test('YAML problems point at the line and column written', () => {
  const yaml = [
    'oidc:',
    '  - id: castellan',
    '    display_name: Castellan',
    '    client_id: kasm',
    '    client_secret: insecure_secret',
    '    issuer: https://auth.example.com',
    '    redirect_url: https://kasm.example.com/api/oidc_callback',
    '    auto_logn: true',
    '    pkce: "yes"',
    '  - id: other',
    '    display_name: Other',
    'groups:',
    '  - name: Admins',
    '    sso_mappings:',
    '      - provider: nope',
    '        group_attribute: admins',
  ].join('\n');
  assert.throws(() => loadRelyingPartySettings(yaml, 'workspaces.yml'), (error: unknown) => {
    assert.ok(error instanceof RelyingPartyConfigError);
    assert.equal(error.message, [
      'relying-party configuration has 5 errors:',
      'workspaces.yml:8:5 oidc[0].auto_logn: configuration key not expected',
      "workspaces.yml:9:11 oidc[0].pkce: must be true or false but is configured as 'yes'",
      'workspaces.yml:10:5 oidc[1].client_id: is required but is not set',
      'workspaces.yml:10:5 oidc[1].client_secret: is required but is not set',
      'workspaces.yml:10:5 oidc[1].redirect_url: is required but is not set',
    ].join('\n'));
    return true;
  });
  // Cross-field rules run once the schema passes, and are located too.
  const fixed = yaml.replace('    auto_logn: true\n    pkce: "yes"\n  - id: other\n    display_name: Other\n', '');
  assert.throws(() => loadRelyingPartySettings(fixed, 'workspaces.yml'), /workspaces\.yml:11:19 groups\[0\]\.sso_mappings\[0\]\.provider: must be the id of an oidc configuration/);
  assert.throws(() => loadRelyingPartySettings('oidc:\n  - id: [unclosed\n', 'bad.yml'), /bad\.yml:3:1 is not valid YAML: Flow sequence/);
});
