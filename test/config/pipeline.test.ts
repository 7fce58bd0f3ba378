// Unit tests for the pieces of the configuration pipeline: durations, multi-file loading and
// merging, environment overrides, deprecated names, unimplemented Authelia options, the warnings
// of the cross-field validators, and the rule that no issue ever shows a secret.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { configFilesFrom, formatIssue, type ConfigIssue } from '../../src/config/index.ts';
import { parseDuration } from '../../src/config/duration.ts';
import { expandConfigPaths } from '../../src/config/load.ts';
import { RENAMES } from '../../src/config/normalize.ts';
import { formatPath, type Path, type PathSegment } from '../../src/config/path.ts';
import { CONFIGURATION_SCHEMA, childSchema, resolveRef, type JSONSchema } from '../../src/config/schema.ts';
import { assertNoSecrets, BASE, client, formatAll, load, loadFailure, VALID, warningsAt } from './helpers.ts';

const DIGEST = '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';
const BASE_TEXT = readFileSync(BASE, 'utf8');
/** PEM keys committed in the valid fixtures (generated with openssl). */
const PROVIDER_KEY = getPath(parse(readFileSync(`${VALID}jwks-rsa-ec.yml`, 'utf8')), ['identity_providers', 'oidc', 'jwks', 0, 'key']) as string;
const CLIENT_PUBLIC_KEY = getPath(parse(readFileSync(`${VALID}clients.yml`, 'utf8')), ['identity_providers', 'oidc', 'clients', 3, 'jwks', 0, 'key']) as string;

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'castellan-config-test-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file into the test's temporary directory; YAML objects are serialized. */
function write(name: string, content: string | object): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof content === 'string' ? content : stringify(content));
  return path;
}

/** The base client with changes; a key set to undefined is left out. */
function baseClient(changes: Record<string, unknown> = {}): Record<string, unknown> {
  const entry: Record<string, unknown> = { client_id: 'app', client_secret: DIGEST, redirect_uris: ['https://app.example.com/callback'], ...changes };
  for (const key of Object.keys(entry)) if (entry[key] === undefined) delete entry[key];
  return entry;
}

function withClients(...clients: Record<string, unknown>[]): object {
  return { identity_providers: { oidc: { clients } } };
}

describe('durations', () => {
  const cases: [unknown, number][] = [
    ['1w', 604800], ['1 week', 604800], ['2 weeks', 1209600], ['2 hours', 7200], ['1h30m', 5400], ['1h 30m', 5400],
    ['90s', 90], ['90', 90], [90, 90], ['1M', 2592000], ['1m', 60], ['1 month', 2592000], ['1y', 31536000],
    ['500ms', 0.5], ['1d', 86400], ['3 days', 259200], ['-1', -1], [-1, -1], ['0', 0], ['1.5h', 5400],
  ];
  for (const [text, seconds] of cases) {
    test(`${JSON.stringify(text)} is ${seconds} seconds`, () => assert.equal(parseDuration(text), seconds));
  }
  // Authelia's units only (utils.StandardizeDurationString): no hr, min, sec abbreviations.
  for (const text of ['1 hr', '5 mins', '10 sec', 'one hour', '', '1x', '-5', '1h 30', 'h', -2, true, null]) {
    test(`${JSON.stringify(text)} is not a duration`, () => assert.equal(parseDuration(text), undefined));
  }

  test('durations in the configuration become seconds; integers mean seconds', async () => {
    const file = write('durations.yml', { session: { expiration: 7200, inactivity: '90 seconds' }, identity_providers: { oidc: { lifespans: { access_token: '1w', id_token: '-1' } } } });
    const { config } = await load([BASE, file]);
    assert.equal(config.session.expiration, 7200);
    assert.equal(config.session.inactivity, 90);
    assert.equal(config.identity_providers?.oidc?.lifespans.access_token, 604800);
    assert.equal(config.identity_providers?.oidc?.lifespans.id_token, -1);
  });
});

describe('loading several files', () => {
  test('later files win, maps merge deeply, lists are replaced', async () => {
    const first = write('merge/1.yml', { log: { level: 'debug', format: 'json' }, identity_providers: { oidc: { clients: [baseClient({ client_id: 'one' }), baseClient({ client_id: 'two' })] } } });
    const second = write('merge/2.yml', { log: { level: 'warn' }, identity_providers: { oidc: { clients: [baseClient({ client_id: 'three' })] } } });
    const { config } = await load([BASE, first, second]);
    assert.equal(config.log.level, 'warn', 'the later file wins');
    assert.equal(config.log.format, 'json', 'keys the later file does not set are kept');
    assert.equal(config.session.secret, 'base-session-secret-0123456789abcdef', 'sections only one file has are kept');
    assert.deepEqual(config.identity_providers?.oidc?.clients?.map((c) => c.client_id), ['three'], 'lists are replaced, not appended');
  });

  test('each error points into the file that holds the value, files in the order given', async () => {
    const first = write('positions/1.yml', 'log:\n  level: loud\n');
    const second = write('positions/2.yml', 'server:\n  address: "tcp://:99999/"\nlog:\n  format: xml\n');
    const error = await loadFailure([BASE, first, second]);
    assert.deepEqual(error.errors.map((i) => [i.location?.source, i.location?.line, i.location?.column, formatPath(i.path)]), [
      [first, 2, 10, 'log.level'],
      [second, 2, 12, 'server.address'],
      [second, 4, 11, 'log.format'],
    ], formatAll(error.issues));
  });

  test('a value replaced by a later file is reported at the later file', async () => {
    const first = write('replace/1.yml', 'storage:\n  encryption_key: "first-encryption-key-0123456789"\n');
    const second = write('replace/2.yml', '# comment\nstorage:\n  encryption_key: "short"\n');
    const error = await loadFailure([BASE, first, second]);
    assert.deepEqual(error.errors.map((i) => `${i.location?.source}:${i.location?.line}:${i.location?.column}`), [`${second}:3:19`]);
  });

  test('a directory loads its *.yml and *.yaml files in name order; other files are ignored', async () => {
    write('confd/00-base.yml', BASE_TEXT);
    write('confd/10-log.yaml', { log: { level: 'debug' } });
    write('confd/20-log.yml', { log: { level: 'error' } });
    write('confd/README.md', 'not: configuration');
    const files = await expandConfigPaths([join(dir, 'confd')]);
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['confd/00-base.yml', 'confd/10-log.yaml', 'confd/20-log.yml']);
    const { config } = await load([join(dir, 'confd')]);
    assert.equal(config.log.level, 'error');
  });

  test('comma-separated values are split, as in --config a.yml,b.yml', async () => {
    const extra = write('comma/log.yml', { log: { level: 'trace' } });
    assert.deepEqual(await expandConfigPaths([`${BASE}, ${extra}`]), [BASE, extra]);
    const { config, files } = await load([`${BASE},${extra}`]);
    assert.equal(config.log.level, 'trace');
    assert.deepEqual(files, [BASE, extra]);
  });

  test('a missing file is an error naming the file', async () => {
    const missing = join(dir, 'missing.yml');
    const error = await loadFailure([BASE, missing]);
    assert.deepEqual(error.errors.map(formatIssue), [`${missing} cannot read configuration file: the file does not exist`]);
  });

  test('the files default to the flags, then X_CASTELLAN_CONFIG, then X_AUTHELIA_CONFIG, then configuration.yml', () => {
    assert.deepEqual(configFilesFrom(['a.yml'], { X_CASTELLAN_CONFIG: 'c.yml' }), ['a.yml']);
    assert.deepEqual(configFilesFrom([], { X_CASTELLAN_CONFIG: 'c.yml', X_AUTHELIA_CONFIG: 'a.yml' }), ['c.yml']);
    assert.deepEqual(configFilesFrom([], { X_AUTHELIA_CONFIG: '/config/configuration.yml' }), ['/config/configuration.yml']);
    assert.deepEqual(configFilesFrom([], {}), ['configuration.yml']);
  });

  test('values merged from a YAML anchor are reported at the anchor', async () => {
    const file = write('anchors.yml', [
      'identity_providers:',
      '  oidc:',
      '    clients:',
      '      - &app',
      '        client_id: "one"',
      `        client_secret: "${DIGEST}"`,
      '        consent_mode: "sometimes"',
      '        redirect_uris: ["https://one.example.com/callback"]',
      '      - <<: *app',
      '        client_id: "two"',
      '        redirect_uris: ["two.example.com/callback"]',
      '',
    ].join('\n'));
    const error = await loadFailure([BASE, file]);
    assert.deepEqual(error.errors.map((i) => `${i.location?.line}:${i.location?.column} ${formatPath(i.path)}`), [
      '7:23 identity_providers.oidc.clients[0].consent_mode',
      '7:23 identity_providers.oidc.clients[1].consent_mode',
      '11:25 identity_providers.oidc.clients[1].redirect_uris[0]',
    ], formatAll(error.issues));
  });
});

describe('environment variables', () => {
  const withoutEncryptionKey = (): string => write('no-key.yml', BASE_TEXT.replace(/^ {2}encryption_key: .*\n/m, ''));

  test('AUTHELIA_LOG_LEVEL sets log.level', async () => {
    const { config } = await load([BASE], { AUTHELIA_LOG_LEVEL: 'debug' });
    assert.equal(config.log.level, 'debug');
  });

  test('CASTELLAN_ wins over AUTHELIA_ for the same key', async () => {
    const { config, warnings } = await load([BASE], { AUTHELIA_LOG_LEVEL: 'debug', CASTELLAN_LOG_LEVEL: 'error' });
    assert.equal(config.log.level, 'error');
    assert.deepEqual(warnings, []);
  });

  test('AUTHELIA_IDENTITY_PROVIDERS_OIDC_HMAC_SECRET overrides the file', async () => {
    const { config } = await load([BASE], { AUTHELIA_IDENTITY_PROVIDERS_OIDC_HMAC_SECRET: 'env-hmac-secret-0123456789abcdefghijklmnop' });
    assert.equal(config.identity_providers?.oidc?.hmac_secret, 'env-hmac-secret-0123456789abcdefghijklmnop');
  });

  test('values are coerced and split like file values', async () => {
    const { config } = await load([BASE], { AUTHELIA_REGULATION_MAX_RETRIES: '7', CASTELLAN_IDENTITY_PROVIDERS_OIDC_CORS_ENDPOINTS: 'token, userinfo', AUTHELIA_SESSION_EXPIRATION: '2h' });
    assert.equal(config.regulation.max_retries, 7);
    assert.deepEqual(config.identity_providers?.oidc?.cors.endpoints, ['token', 'userinfo']);
    assert.equal(config.session.expiration, 7200);
  });

  test('a _FILE variable reads the secret from a file, without its trailing newline', async () => {
    const secretFile = write('secrets/encryption_key', 'file-encryption-key-0123456789abcdef\n\n');
    const { config } = await load([withoutEncryptionKey()], { AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE: secretFile });
    assert.equal(config.storage.encryption_key, 'file-encryption-key-0123456789abcdef');
  });

  test('a _FILE variable for a key that is not a secret is ignored with a warning', async () => {
    const { config, warnings } = await load([BASE], { AUTHELIA_LOG_LEVEL_FILE: write('level', 'debug') });
    assert.equal(config.log.level, 'info');
    assert.equal(warnings.length, 1);
    assert.match(formatIssue(warnings[0]!), /^environment variable AUTHELIA_LOG_LEVEL_FILE log\.level: the _FILE variant is only for secret keys/);
  });

  test('a _FILE variable for a key the file also sets is an error at the variable', async () => {
    const error = await loadFailure([BASE], { AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE: write('secrets/key2', 'x'.repeat(32)) });
    assert.deepEqual(error.errors.map(formatIssue), [
      `environment variable AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE storage.encryption_key: is set both in ${BASE} and by AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE\n    hint: remove the value from the file or unset the environment variable`,
    ]);
  });

  test('a variable and its _FILE variant together are an error', async () => {
    const error = await loadFailure([withoutEncryptionKey()], { AUTHELIA_STORAGE_ENCRYPTION_KEY: 'y'.repeat(32), AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE: write('secrets/key3', 'x'.repeat(32)) });
    assert.equal(error.errors.length, 1);
    assert.match(error.errors[0]!.message, /^is set both by AUTHELIA_STORAGE_ENCRYPTION_KEY and by AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE$/);
  });

  test('a _FILE variable naming a missing file is an error', async () => {
    const error = await loadFailure([withoutEncryptionKey()], { AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE: join(dir, 'nowhere') });
    // The key then stays unset, which the storage rule reports as well.
    assert.deepEqual(error.errors.map((i) => i.message), [
      'is required: it encrypts the secrets Castellan stores (signing keys, TOTP secrets)',
      'cannot read the file named by AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE: it does not exist',
    ]);
  });

  test('an unknown AUTHELIA_ variable is a warning', async () => {
    const { warnings } = await load([BASE], { AUTHELIA_FOO_BAR: '1', HOME: '/root', NODE_OPTIONS: '' });
    assert.deepEqual(warnings.map(formatIssue), ['environment variable AUTHELIA_FOO_BAR configuration environment variable not expected: AUTHELIA_FOO_BAR\n    hint: environment variables with the AUTHELIA_ prefix must name a configuration key, e.g. AUTHELIA_LOG_LEVEL']);
  });

  test('clients cannot be set by an environment variable', async () => {
    const { config, warnings } = await load([BASE], { AUTHELIA_IDENTITY_PROVIDERS_OIDC_CLIENTS: 'app' });
    assert.equal(client({ config, warnings, files: [] }).client_id, 'app');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /^cannot be set by an environment variable \(AUTHELIA_IDENTITY_PROVIDERS_OIDC_CLIENTS is ignored\)/);
  });

  test('the legacy AUTHELIA_IDENTITY_PROVIDERS_OIDC_ISSUER_PRIVATE_KEY_FILE becomes jwks[0]', async () => {
    const keyFile = write('secrets/issuer.pem', `${PROVIDER_KEY}\n`);
    const { config, warnings } = await load([BASE], { AUTHELIA_IDENTITY_PROVIDERS_OIDC_ISSUER_PRIVATE_KEY_FILE: keyFile });
    const jwks = config.identity_providers?.oidc?.jwks;
    assert.deepEqual(jwks, [{ algorithm: 'RS256', use: 'sig', key: PROVIDER_KEY.replace(/\n+$/, '') }]);
    assert.deepEqual(warnings.map((w) => formatPath(w.path)), ['identity_providers.oidc.issuer_private_key']);
    assert.equal(warnings[0]!.location?.source, 'environment variable AUTHELIA_IDENTITY_PROVIDERS_OIDC_ISSUER_PRIVATE_KEY_FILE');
  });

  test('a legacy lifespan variable is mapped like the legacy key', async () => {
    const { config, warnings } = await load([BASE], { AUTHELIA_IDENTITY_PROVIDERS_OIDC_ACCESS_TOKEN_LIFESPAN: '30m' });
    assert.equal(config.identity_providers?.oidc?.lifespans.access_token, 1800);
    assert.equal(warningsAt(warnings, 'identity_providers.oidc.access_token_lifespan').length, 1);
  });

  test('an invalid value from a variable is reported at the variable and never shows a secret', async () => {
    const error = await loadFailure([BASE], { AUTHELIA_LOG_LEVEL: 'verbose', AUTHELIA_STORAGE_ENCRYPTION_KEY: 'env-short' });
    assert.deepEqual(error.errors.map((i) => formatIssue(i).split('\n')[0]), [
      "environment variable AUTHELIA_LOG_LEVEL log.level: must be one of 'trace', 'debug', 'info', 'warn', or 'error' but is configured as 'verbose'",
      'environment variable AUTHELIA_STORAGE_ENCRYPTION_KEY storage.encryption_key: must be at least 20 characters long but has 9',
    ]);
  });
});

/** A value for the old key of each rename, and what the new key holds afterwards. */
const RENAME_SAMPLES: Record<string, { value: unknown; expected?: unknown }> = {
  'identity_providers.oidc.clients.*.id': { value: 'renamed-app' },
  'identity_providers.oidc.clients.*.secret': { value: DIGEST },
  'identity_providers.oidc.clients.*.description': { value: 'Renamed Application' },
  'identity_providers.oidc.clients.*.sector_identifier': { value: 'https://sector.example.com/uris.json' },
  'identity_providers.oidc.clients.*.userinfo_signing_algorithm': { value: 'none' },
  'identity_providers.oidc.clients.*.enforce_par': { value: true },
  'identity_providers.oidc.clients.*.enforce_pkce': { value: true },
  'identity_providers.oidc.clients.*.public_keys.uri': { value: 'https://app.example.com/jwks.json' },
  'identity_providers.oidc.clients.*.public_keys.values': { value: [{ key_id: 'app-1', key: CLIENT_PUBLIC_KEY }], expected: [{ key_id: 'app-1', key: CLIENT_PUBLIC_KEY, use: 'sig' }] },
  'identity_providers.oidc.clients.*.id_token_signing_alg': { value: 'RS256' },
  'identity_providers.oidc.clients.*.id_token_signing_key_id': { value: 'main' },
  'identity_providers.oidc.clients.*.userinfo_signing_alg': { value: 'RS256' },
  'identity_providers.oidc.clients.*.userinfo_signing_key_id': { value: 'main' },
  'identity_providers.oidc.access_token_lifespan': { value: '30m', expected: 1800 },
  'identity_providers.oidc.authorize_code_lifespan': { value: '2m', expected: 120 },
  'identity_providers.oidc.id_token_lifespan': { value: '2h', expected: 7200 },
  'identity_providers.oidc.refresh_token_lifespan': { value: '1 day', expected: 86400 },
  'identity_providers.oidc.issuer_private_keys': { value: [{ key_id: 'main', key: PROVIDER_KEY }], expected: [{ key_id: 'main', key: PROVIDER_KEY, use: 'sig' }] },
  'identity_providers.oidc.pushed_authorizations.enforce': { value: true },
  'session.remember_me_duration': { value: '1 week', expected: 604800 },
  jwt_secret: { value: 'legacy-jwt-secret-0123456789abcdef' },
  'webauthn.user_verification': { value: 'required' },
  'authentication_backend.ldap.url': { value: 'ldaps://ldap.example.com' },
  'authentication_backend.ldap.username_attribute': { value: 'uid' },
  'authentication_backend.ldap.mail_attribute': { value: 'mail' },
  'authentication_backend.ldap.display_name_attribute': { value: 'displayName' },
  'authentication_backend.ldap.group_name_attribute': { value: 'cn' },
};

/** Sets `value` at a path of plain keys in a nested object. */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path.at(-1)!] = value;
}

function getPath(target: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<PathSegment, unknown> | undefined)?.[key], target);
}

/** An overlay on base.yml that sets the old key; for client keys, inside a copy of the base client. */
function renameOverlay(from: readonly string[], value: unknown): Record<string, unknown> {
  const overlay: Record<string, unknown> = {};
  const star = from.indexOf('*');
  if (star >= 0) {
    const inClient = from.slice(star + 1);
    const replaced = { id: 'client_id', secret: 'client_secret' }[inClient[0]!];
    const entry = baseClient(replaced ? { [replaced]: undefined } : {});
    setPath(entry, inClient, value);
    setPath(overlay, from.slice(0, star), [entry]);
  } else {
    setPath(overlay, from, value);
  }
  // The LDAP names need the LDAP backend instead of the file one, complete enough to load.
  if (from[0] === 'authentication_backend') {
    setPath(overlay, ['authentication_backend', 'file'], null);
    const ldap = { implementation: 'activedirectory', base_dn: 'DC=example,DC=com', user: 'CN=castellan,DC=example,DC=com', password: 'ldap-password-0123456789', ...(from.at(-1) === 'url' ? {} : { address: 'ldaps://ldap.example.com' }) };
    for (const [key, value] of Object.entries(ldap)) setPath(overlay, ['authentication_backend', 'ldap', key], value);
  }
  return overlay;
}

describe('deprecated and pre-release names', () => {
  test('every rename has a sample here', () => {
    for (const rename of RENAMES) assert.ok(RENAME_SAMPLES[rename.from.join('.')], `no sample for ${rename.from.join('.')}`);
  });

  for (const rename of RENAMES) {
    const key = rename.from.join('.');
    test(`${key} is mapped to ${rename.to.join('.')} with one warning`, async () => {
      const sample = RENAME_SAMPLES[key]!;
      const file = write(`renames/${key.replace(/\*/g, '0')}.yml`, renameOverlay(rename.from, sample.value));
      const { config, warnings } = await load([BASE, file]);
      const concrete = (path: readonly string[]): Path => path.map((p) => (p === '*' ? 0 : p));
      assert.deepEqual(getPath(config, concrete(rename.to)), sample.expected ?? sample.value);
      assert.equal(getPath(config, concrete(rename.from)), undefined, 'the old key is gone');
      const at = warningsAt(warnings, formatPath(concrete(rename.from)));
      assert.equal(at.length, 1, formatAll(warnings));
      assert.match(at[0]!.message, /replaced by '.+': it was mapped automatically$/);
      assert.equal(at[0]!.location?.source, file);
    });
  }

  test('when the old and the new name are both set, the new one wins with a warning', async () => {
    const file = write('renames/both.yml', withClients(baseClient({ id: 'old-id', client_id: 'new-id' })));
    const { config, warnings } = await load([BASE, file]);
    assert.equal(client({ config, warnings, files: [] }).client_id, 'new-id');
    const at = warningsAt(warnings, 'identity_providers.oidc.clients[0].id');
    assert.equal(at.length, 1);
    assert.equal(at[0]!.message, "is deprecated in Authelia 4.38 and replaced by 'client_id', which is also set: 'client_id' is used and this key is ignored");

    const lifespans = write('renames/both-lifespans.yml', { identity_providers: { oidc: { access_token_lifespan: '30m', lifespans: { access_token: '2h' } } } });
    const loaded = await load([BASE, lifespans]);
    assert.equal(loaded.config.identity_providers?.oidc?.lifespans.access_token, 7200);
    assert.equal(warningsAt(loaded.warnings, 'identity_providers.oidc.access_token_lifespan').length, 1);
  });

  test('server.host/port/path become server.address', async () => {
    const file = write('renames/server.yml', BASE_TEXT.replace("  address: 'tcp://127.0.0.1:9091/'", '  host: "::1"\n  port: 8443'));
    const { config, warnings } = await load([file]);
    assert.equal(config.server.address, 'tcp://[::1]:8443/');
    assert.equal(warningsAt(warnings, 'server.host').length, 1);
  });

  test('session.domain becomes the first cookie, which then needs authelia_url', async () => {
    const text = BASE_TEXT.replace(/ {2}cookies:\n.*\n.*\n/, "  domain: 'example.com'\n");
    const file = write('renames/session-domain.yml', text);
    const line = text.split('\n').indexOf("  domain: 'example.com'") + 1;
    const error = await loadFailure([file]);
    assert.equal(warningsAt(error.issues, 'session.domain').length, 1);
    assert.deepEqual(error.errors.map((i) => `${i.location?.line}:${i.location?.column} ${formatPath(i.path)}: ${i.message}`), [
      `${line}:3 session.cookies[0].authelia_url: is required: it is the external URL of the portal and the OpenID Connect issuer`,
    ]);
  });
});

/** Every option the schema marks as accepted but not implemented, outside lists, with a value it accepts. */
function unimplementedOptions(schema: JSONSchema, path: string[] = []): { path: string[]; value: unknown }[] {
  const found: { path: string[]; value: unknown }[] = [];
  for (const key of Object.keys(resolveRef(schema).properties ?? {})) {
    const child = childSchema(schema, key)!;
    if (child['x-castellan-unimplemented']) found.push({ path: [...path, key], value: sampleValue(child) });
    else if (resolveRef(child).properties) found.push(...unimplementedOptions(child, [...path, key]));
  }
  return found;
}

function sampleValue(schema: JSONSchema): unknown {
  const s = resolveRef(schema);
  const type = Array.isArray(s.type) ? s.type[0] : s.type ?? (s.properties ? 'object' : 'string');
  if (s.enum) return s.enum.find((v) => v !== '') ?? s.enum[0];
  if (s.format === 'duration') return '1m';
  return { object: {}, array: [], boolean: false, integer: 1, number: 1, string: 'sample' }[type as string];
}

describe('unimplemented Authelia options', () => {
  test('each one is accepted with exactly one warning and never an error', async () => {
    // jwt_secret is renamed first, and LDAP replaces the file backend: both are tested above.
    const options = unimplementedOptions(CONFIGURATION_SCHEMA).filter((o) => !['jwt_secret', 'authentication_backend.ldap'].includes(o.path.join('.')));
    assert.ok(options.length >= 20, `${options.length} options`);
    const overlay: Record<string, unknown> = {};
    for (const option of options) setPath(overlay, option.path, option.value);
    const { warnings } = await load([BASE, write('unimplemented.yml', overlay)]);
    for (const option of options) {
      const at = warningsAt(warnings, option.path.join('.'));
      assert.equal(at.length, 1, `${option.path.join('.')}:\n${formatAll(warnings)}`);
      assert.equal(at[0]!.message, 'is an Authelia option that Castellan does not implement yet: it is accepted and has no effect');
    }
    assert.equal(warnings.length, options.length, formatAll(warnings));
  });

  test('a client option Castellan does not implement warns at that client', async () => {
    const file = write('unimplemented-client.yml', withClients(baseClient({ claims_policy: 'default', authorization_signed_response_alg: 'RS256' })));
    const { warnings } = await load([BASE, file]);
    assert.deepEqual(warnings.map((w) => formatPath(w.path)), ['identity_providers.oidc.clients[0].claims_policy', 'identity_providers.oidc.clients[0].authorization_signed_response_alg']);
  });
});

describe('warnings of the cross-field rules', () => {
  test('questionable but working client settings load with one warning each', async () => {
    const file = write('client-warnings.yml', {
      default_2fa_method: 'mobile_push',
      identity_providers: {
        oidc: {
          minimum_parameter_entropy: 3,
          clients: [
            baseClient({ client_secret: '$plaintext$plain-client-secret-0123456789', sector_identifier: 'sector.example.com' }),
            baseClient({
              client_id: 'app2',
              redirect_uris: ['https://app2.example.com/cb', 'https://app2.example.com/cb'],
              scopes: ['openid', 'group', 'openid'],
              grant_types: ['authorization_code', 'implicit', 'refresh_token'],
            }),
          ],
        },
      },
    });
    const { warnings } = await load([BASE, file]);
    const at = 'identity_providers.oidc';
    assert.deepEqual(warnings.map((w) => `${formatPath(w.path)}: ${w.message}`), [
      "default_2fa_method: is 'mobile_push' (Duo), which Castellan does not implement: users are offered their other methods",
      `${at}.minimum_parameter_entropy: is 3, which is unsafe: it should be at least 8`,
      `${at}.clients[0].client_secret: is plaintext; store a digest instead unless the client uses client_secret_jwt or HMAC-signed tokens`,
      `${at}.clients[0].sector_identifier: is deprecated in Authelia 4.38 and replaced by 'sector_identifier_uri': it was mapped automatically`,
      `${at}.clients[0].sector_identifier_uri: should be an absolute https URI but is 'sector.example.com': it is used as-is as the sector identifier`,
      `${at}.clients[1].redirect_uris: lists 'https://app2.example.com/cb' more than once`,
      `${at}.clients[1].scopes: must have unique values but 'openid' is listed more than once`,
      `${at}.clients[1].scopes: has the non-standard scope 'group': only 'openid', 'email', 'profile', 'address', 'phone', 'groups', 'offline_access', 'offline', or 'authelia.bearer.authz' carry claims`,
      `${at}.clients[1].grant_types: includes 'implicit' but no 'response_types' entry is implicit or hybrid (such as 'id_token')`,
      `${at}.clients[1].grant_types: includes 'refresh_token' but 'scopes' has neither 'offline_access' nor 'offline', so no refresh token can be issued`,
    ], formatAll(warnings));
    assert.equal(warnings.find((w) => w.message.includes("'group'"))?.hint, "did you mean 'groups'?");
    assertNoSecrets(warnings, ['plain-client-secret-0123456789']);
  });

  test('minimum_parameter_entropy: -1 disables the check with a warning, 0 means the default of 8', async () => {
    const disabled = await load([BASE, write('entropy-off.yml', { identity_providers: { oidc: { minimum_parameter_entropy: -1 } } })]);
    assert.equal(disabled.config.identity_providers?.oidc?.minimum_parameter_entropy, -1);
    assert.match(warningsAt(disabled.warnings, 'identity_providers.oidc.minimum_parameter_entropy')[0]?.message ?? '', /disables the check/);
    const zero = await load([BASE, write('entropy-zero.yml', { identity_providers: { oidc: { minimum_parameter_entropy: 0 } } })]);
    assert.equal(zero.config.identity_providers?.oidc?.minimum_parameter_entropy, 8);
    assert.deepEqual(zero.warnings, []);
  });
});

describe('secrets', () => {
  const SECRETS = {
    session: 'session-secret-never-printed-0123456789',
    hmac: ['hmac-list-secret-one', 'hmac-list-secret-two'],
    encryption: 'enc-never-printed',
    client: '$pbkdf2-sha512$310000$never-printed-salt',
    clientNewline: '$plaintext$never-printed-with-newline\n',
    key: 'never-printed-private-key-material',
    env: 'env-jwt-secret-never-printed',
    password: 12345678901234,
  };

  test('no issue shows a secret value, whatever is wrong with it', async () => {
    const file = write('secrets.yml', {
      session: { secret: ['nested', SECRETS.session] },
      storage: { encryption_key: SECRETS.encryption, postgres: { password: SECRETS.password } },
      identity_providers: {
        oidc: {
          hmac_secret: SECRETS.hmac,
          jwks: [{ key_id: 'main', key: SECRETS.key }],
          clients: [
            baseClient({ client_secret: SECRETS.client }),
            baseClient({ client_id: 'app2', client_secret: SECRETS.clientNewline }),
            baseClient({ client_id: 'app3', public: true, client_secret: SECRETS.session }),
          ],
        },
      },
    });
    const error = await loadFailure([BASE, file], { AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET: SECRETS.env, AUTHELIA_SESSION_REDIS_PASSWORD_FILE: join(dir, 'nowhere') });
    assert.ok(error.errors.length >= 7, formatAll(error.issues));
    const printed = error.issues.map(formatIssue).join('\n');
    for (const secret of [SECRETS.session, ...SECRETS.hmac, SECRETS.encryption, SECRETS.client, SECRETS.clientNewline.trim(), SECRETS.key, SECRETS.env, String(SECRETS.password)]) {
      assert.ok(!printed.includes(secret), `'${secret}' is printed:\n${printed}`);
    }
  });

  test('the leak check itself catches a secret in a message or a hint', () => {
    const issue: ConfigIssue = { severity: 'error', path: ['x'], message: 'fine', hint: `use 'top-secret-value'` };
    assert.throws(() => assertNoSecrets([issue], ['top-secret-value']), /shows a secret value/);
    assert.throws(() => assertNoSecrets([{ ...issue, hint: undefined, message: 'MIIEvQIBADANBgkqhkiG9w0BAQEF' }], ['-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\n-----END PRIVATE KEY-----']), /shows a secret value/);
    assertNoSecrets([{ ...issue, hint: 'expected -----BEGIN PRIVATE KEY-----' }], ['-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\n-----END PRIVATE KEY-----']);
  });
});
