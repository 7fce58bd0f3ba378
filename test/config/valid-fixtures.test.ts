// Real configurations that must load: seed 000 (Kasm) and seed 003 (the pre-release client
// reference example), the example configuration, signing keys with certificate chains, one client
// of each kind, a full Authelia file with unimplemented sections, and a 4.37 file with old names.
// Each test checks derived defaults and that the expected warnings, and only those, appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatPath } from '../../src/config/path.ts';
import type { ConfigIssue, LoadedConfig } from '../../src/config/index.ts';
import { assertNoSecrets, client, EXAMPLE, formatAll, load, secretValues, VALID } from './helpers.ts';

const INSECURE_SECRET_DIGEST = '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';
const WEEK = 604800;

async function loadValid(file: string): Promise<LoadedConfig> {
  const loaded = await load([file]);
  assertNoSecrets(loaded.warnings, secretValues(readFileSync(file, 'utf8')));
  return loaded;
}

/** The formatted path of each warning, in report order. */
function warningPaths(warnings: readonly ConfigIssue[]): string[] {
  return warnings.map((w) => formatPath(w.path));
}

test('seed 000: the Kasm Workspaces client loads with Authelia 4.38 defaults and no warnings', async () => {
  const loaded = await loadValid(`${VALID}kasm.yml`);
  assert.deepEqual(loaded.warnings, [], formatAll(loaded.warnings));
  const kasm = client(loaded);
  assert.equal(kasm.client_id, 'kasm');
  assert.equal(kasm.client_name, 'Kasm Workspaces');
  assert.equal(kasm.client_secret, INSECURE_SECRET_DIGEST);
  assert.deepEqual(kasm.redirect_uris, ['https://kasm.example.com/api/oidc_callback']);
  assert.deepEqual(kasm.scopes, ['openid', 'profile', 'groups', 'email']);
  // Derived as Authelia does (reference §2.1): code → authorization_code, form_post + query.
  assert.deepEqual(kasm.response_types, ['code']);
  assert.deepEqual(kasm.grant_types, ['authorization_code']);
  assert.deepEqual(kasm.response_modes, ['form_post', 'query']);
  assert.equal(kasm.consent_mode, 'explicit');
  assert.equal(kasm.pre_configured_consent_duration, WEEK);
  assert.equal(kasm.id_token_signed_response_alg, 'RS256');
  assert.equal(kasm.userinfo_signed_response_alg, 'none');
  assert.equal(kasm.access_token_signed_response_alg, 'none');
  assert.equal(kasm.requested_audience_mode, 'explicit');
  assert.equal(kasm.require_pkce, false);
  assert.deepEqual(kasm.audience, []);
  const oidc = loaded.config.identity_providers?.oidc;
  assert.deepEqual(oidc?.lifespans, { access_token: 3600, authorize_code: 60, id_token: 3600, refresh_token: 5400, device_code: 600, jwt_secured_authorization: 300 });
  assert.equal(oidc?.enforce_pkce, 'public_clients_only');
  assert.equal(oidc?.minimum_parameter_entropy, 8);
  assert.equal(loaded.config.session.expiration, 3600);
  assert.equal(loaded.config.session.inactivity, 300);
  assert.equal(loaded.config.session.remember_me, 2592000);
  assert.equal(loaded.config.log.level, 'info');
});

test('seed 003: the pre-release client reference example loads with its old names mapped', async () => {
  const loaded = await loadValid(`${VALID}authelia-reference-prerelease.yml`);
  const at = 'identity_providers.oidc.clients[0]';
  assert.deepEqual(warningPaths(loaded.warnings), [
    `${at}.id`, `${at}.description`, `${at}.secret`, `${at}.sector_identifier`, `${at}.grant_types`,
    `${at}.enforce_par`, `${at}.enforce_pkce`, `${at}.id_token_signing_alg`, `${at}.id_token_signing_key_id`,
    `${at}.userinfo_signing_alg`, `${at}.userinfo_signing_key_id`,
  ], formatAll(loaded.warnings));
  assert.match(loaded.warnings[0]!.message, /^is deprecated in Authelia 4\.38 and replaced by 'client_id'/);
  assert.match(loaded.warnings[5]!.message, /^is a pre-release Authelia 4\.38 name and replaced by 'require_pushed_authorization_requests'/);
  assert.match(loaded.warnings[4]!.message, /'refresh_token' but 'scopes' has neither 'offline_access' nor 'offline'/);

  const myapp = client(loaded);
  assert.equal(myapp.client_id, 'myapp');
  assert.equal(myapp.client_name, 'My Application');
  assert.equal(myapp.client_secret, INSECURE_SECRET_DIGEST);
  for (const old of ['id', 'secret', 'description', 'sector_identifier', 'enforce_par', 'enforce_pkce', 'id_token_signing_alg', 'userinfo_signing_alg']) {
    assert.ok(!Object.hasOwn(myapp, old), `'${old}' is gone after mapping`);
  }
  // `sector_identifier: ''` and `token_endpoint_auth_method: ''` mean "not set" in Authelia.
  assert.equal(myapp.sector_identifier_uri, undefined);
  // Unset on a confidential client: Basic or the request body (the seed's "accept any supported method").
  assert.equal(myapp.token_endpoint_auth_method, undefined);
  assert.equal(myapp.id_token_signed_response_key_id, undefined);
  assert.equal(myapp.require_pushed_authorization_requests, false);
  // pkce_challenge_method implies PKCE even though enforce_pkce (require_pkce) is false.
  assert.equal(myapp.pkce_challenge_method, 'S256');
  assert.equal(myapp.require_pkce, true);
  assert.equal(myapp.id_token_signed_response_alg, 'RS256');
  assert.equal(myapp.userinfo_signed_response_alg, 'none');
  assert.deepEqual(myapp.grant_types, ['refresh_token', 'authorization_code']);
  assert.deepEqual(myapp.response_modes, ['form_post', 'query', 'fragment']);
  assert.equal(myapp.consent_mode, 'explicit');
  assert.equal(myapp.pre_configured_consent_duration, WEEK);
  assert.equal(myapp.request_object_signing_alg, 'RS256');
  assert.equal(myapp.token_endpoint_auth_signing_alg, 'RS256');
});

test('config.example.yml loads without warnings', async () => {
  const loaded = await loadValid(EXAMPLE);
  assert.deepEqual(loaded.warnings, [], formatAll(loaded.warnings));
  const demo = client(loaded);
  assert.equal(demo.client_id, 'demo');
  assert.equal(demo.require_pkce, true);
  assert.deepEqual(demo.grant_types, ['authorization_code', 'refresh_token']);
  assert.equal(loaded.config.regulation.find_time, 120);
  assert.equal(loaded.config.regulation.ban_time, 300);
});

test('an RSA 2048 key with its certificate chain and an EC P-256 key load', async () => {
  const loaded = await loadValid(`${VALID}jwks-rsa-ec.yml`);
  // JWT access tokens (access_token_signed_response_alg) are issued: no warning.
  assert.deepEqual(loaded.warnings.map((w) => w.path.join('.')), [], formatAll(loaded.warnings));
  const jwks = loaded.config.identity_providers?.oidc?.jwks ?? [];
  assert.equal(jwks.length, 2);
  assert.equal(jwks[0]!.key_id, 'main-rs256');
  assert.match(jwks[0]!.certificate_chain ?? '', /^-----BEGIN CERTIFICATE-----\n/);
  assert.match(jwks[1]!.key ?? '', /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(jwks[1]!.use, 'sig');
  const grafana = client(loaded);
  assert.equal(grafana.id_token_signed_response_alg, 'ES256');
  assert.equal(grafana.userinfo_signed_response_key_id, 'main-rs256');
  assert.equal(grafana.access_token_signed_response_alg, 'RS256');
});

test('one client of each kind loads with its derived defaults', async () => {
  const loaded = await loadValid(`${VALID}clients.yml`);
  assert.deepEqual(loaded.warnings, [], formatAll(loaded.warnings));
  const byID = new Map((loaded.config.identity_providers?.oidc?.clients ?? []).map((c) => [c.client_id, c]));
  const get = (id: string) => {
    const found = byID.get(id);
    assert.ok(found, `client '${id}'`);
    return found;
  };

  const spa = get('spa');
  assert.equal(spa.token_endpoint_auth_method, 'none', 'public clients default to none');
  assert.equal(spa.require_pkce, true);
  assert.deepEqual(spa.grant_types, ['authorization_code']);
  assert.deepEqual(spa.scopes, ['openid', 'groups', 'profile', 'email']);

  const native = get('native');
  assert.deepEqual(native.redirect_uris, ['urn:ietf:wg:oauth:2.0:oob', 'http://127.0.0.1/callback', 'com.example.app:/oauth2redirect']);

  // Authelia's documented client_credentials client: no scopes, one_factor, and no code flow.
  const service = get('backup-service');
  assert.deepEqual(service.grant_types, ['client_credentials']);
  assert.equal(service.scopes, undefined);
  assert.equal(service.authorization_policy, 'one_factor');
  assert.deepEqual(service.response_types, []);
  assert.deepEqual(service.response_modes, ['form_post']);
  assert.deepEqual(service.audience, ['https://backup.example.com']);

  const jwtRSA = get('jwt-rsa');
  assert.equal(jwtRSA.token_endpoint_auth_method, 'private_key_jwt');
  assert.equal(jwtRSA.jwks?.[0]?.use, 'sig');
  assert.match(jwtRSA.jwks?.[0]?.key ?? '', /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(get('jwt-ec').token_endpoint_auth_signing_alg, 'ES256');

  const hmac = get('hmac');
  assert.equal(hmac.token_endpoint_auth_signing_alg, 'HS256', 'client_secret_jwt defaults to HS256');
  assert.match(hmac.client_secret ?? '', /^\$plaintext\$/);

  assert.equal(get('pairwise').sector_identifier_uri, 'https://sector.example.com/redirect_uris.json');

  const remembered = get('remembered');
  assert.equal(remembered.consent_mode, 'pre-configured', 'auto + a consent duration = pre-configured');
  assert.equal(remembered.pre_configured_consent_duration, 2592000);

  const admin = get('admin-console');
  assert.equal(admin.authorization_policy, 'admins_only');
  assert.equal(admin.consent_mode, 'implicit');
  assert.equal(admin.lifespan, 'short');

  const oidc = loaded.config.identity_providers?.oidc;
  assert.equal(oidc?.enforce_pkce, 'always');
  assert.equal(oidc?.lifespans.access_token, 7200);
  assert.equal(oidc?.lifespans.refresh_token, WEEK);
  assert.equal(oidc?.lifespans.authorize_code, 60);
  assert.deepEqual(oidc?.lifespans.custom?.['short'], { access_token: 600, grants: { refresh_token: { access_token: 5400 } } });
  const rules = oidc?.authorization_policies?.['admins_only']?.rules ?? [];
  assert.deepEqual(rules.map((r) => r.subject ?? r.networks), ['group:admins', [['user:alice', 'group:ops'], 'user:bob'], ['10.0.0.0/8', '192.168.1.10']]);
  assert.deepEqual(oidc?.cors, { endpoints: ['token', 'userinfo'], allowed_origins: ['https://spa.example.com'], allowed_origins_from_client_redirect_uris: false });
});

test('a full Authelia file loads; each unimplemented section warns once', async () => {
  const loaded = await loadValid(`${VALID}authelia-full.yml`);
  assert.deepEqual(warningPaths(loaded.warnings), [
    'theme', 'server.buffers', 'identity_validation', 'authentication_backend.password_reset', 'password_policy',
    'access_control', 'notifier', 'ntp', 'duo_api', 'telemetry', 'identity_providers.oidc.enable_client_debug_messages',
  ], formatAll(loaded.warnings));
  for (const warning of loaded.warnings) assert.match(warning.message, /Castellan does not implement yet: it is accepted and has no effect$/);
  const { config } = loaded;
  assert.equal(config.server.address, 'tcp://:9091/authelia');
  assert.equal(config.log.format, 'json');
  assert.equal(config.session.expiration, 3600);
  assert.equal(config.session.inactivity, 300);
  assert.equal(config.session.remember_me, 2592000);
  assert.equal(config.session.cookies?.[0]?.expiration, 7200);
  assert.equal(config.regulation.find_time, 600);
  assert.equal(config.regulation.ban_time, 43200);
  assert.equal(config.webauthn.timeout, 60);
  assert.equal(config.authentication_backend.refresh_interval, 'always');
  assert.equal(config.totp.issuer, 'example.com');
  assert.equal(config.default_2fa_method, 'totp');
});

test('an Authelia 4.37 file loads with every old name mapped and one warning each', async () => {
  const loaded = await loadValid(`${VALID}authelia-4.37-legacy.yml`);
  const at = 'identity_providers.oidc';
  assert.deepEqual(warningPaths(loaded.warnings), [
    'jwt_secret', 'identity_validation', 'server.host', 'session.remember_me_duration',
    `${at}.access_token_lifespan`, `${at}.refresh_token_lifespan`, `${at}.issuer_private_key`,
    `${at}.clients[0].id`, `${at}.clients[0].description`, `${at}.clients[0].secret`, `${at}.clients[0].userinfo_signing_algorithm`,
  ], formatAll(loaded.warnings));
  // The section the old jwt_secret moved into has no line of its own: its warning points at jwt_secret.
  assert.deepEqual([loaded.warnings[1]!.location?.line, loaded.warnings[1]!.location?.column], [loaded.warnings[0]!.location?.line, 1]);
  const { config } = loaded;
  assert.equal(config.server.address, 'tcp://0.0.0.0:9091/authelia');
  assert.equal(config.session.remember_me, 2592000);
  const oidc = config.identity_providers?.oidc;
  assert.equal(oidc?.lifespans.access_token, 1800);
  assert.equal(oidc?.lifespans.refresh_token, 172800);
  assert.equal(oidc?.lifespans.id_token, 3600);
  assert.equal(oidc?.jwks?.length, 1);
  assert.equal(oidc?.jwks?.[0]?.algorithm, 'RS256');
  assert.equal(oidc?.jwks?.[0]?.use, 'sig');
  assert.match(oidc?.jwks?.[0]?.key ?? '', /^-----BEGIN PRIVATE KEY-----/);
  const gitea = client(loaded);
  assert.equal(gitea.client_id, 'gitea');
  assert.equal(gitea.client_name, 'Gitea');
  assert.equal(gitea.client_secret, INSECURE_SECRET_DIGEST);
  assert.equal(gitea.userinfo_signed_response_alg, 'none');
});
