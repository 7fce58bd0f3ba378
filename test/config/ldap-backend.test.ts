// authentication_backend.ldap at config load: Authelia's LDAP configurations load unchanged (each
// implementation, the documented custom example, 4.37 names, the example in config.example.yml),
// and every mistake is reported at once at its YAML path, including those only the LDAP core's own
// checks find (filters, DNs, attribute names), with no secret in any message.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stringify } from 'yaml';
import { formatPath } from '../../src/config/path.ts';
import { assertNoSecrets, BASE, EXAMPLE, formatAll, load, loadFailure } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'castellan-ldap-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'ldap-service-password-0123456789';

/** An overlay on base.yml that replaces the users file by `ldap` (YAML text or an object). */
function overlay(name: string, ldap: string | Record<string, unknown>): string {
  const path = join(dir, `${name}.yml`);
  writeFileSync(path, typeof ldap === 'string' ? `authentication_backend:\n  file: ~\n  ldap:\n${ldap.replace(/^/gm, '    ')}\n` : stringify({ authentication_backend: { file: null, ldap } }));
  return path;
}

const AD = { implementation: 'activedirectory', address: 'ldaps://dc1.example.com', base_dn: 'DC=example,DC=com', user: 'CN=Authelia,DC=example,DC=com', password: SECRET };

function errorsOf(issues: readonly { severity: string; path: readonly (string | number)[]; message: string }[]): string[] {
  return issues.filter((i) => i.severity === 'error').map((i) => `${formatPath(i.path)}: ${i.message}`);
}

test('each implementation loads with only address, base_dn and the service account, and no warning', async () => {
  for (const implementation of ['activedirectory', 'rfc2307bis', 'freeipa', 'lldap', 'glauth']) {
    const loaded = await load([BASE, overlay(implementation, { ...AD, implementation })]);
    assert.deepEqual(loaded.warnings, [], `${implementation}: ${formatAll(loaded.warnings)}`);
    assert.equal(loaded.config.authentication_backend.ldap?.implementation, implementation);
  }
});

test("Authelia's documented custom example loads unchanged, durations converted", async () => {
  const loaded = await load([BASE, overlay('custom', `address: 'ldap://127.0.0.1'
implementation: 'custom'
timeout: '5s'
start_tls: false
tls:
  server_name: 'ldap.example.com'
  skip_verify: false
  minimum_version: 'TLS1.2'
  maximum_version: 'TLS1.3'
pooling:
  enable: false
  count: 5
  retries: 2
  timeout: '10 seconds'
base_dn: 'DC=example,DC=com'
additional_users_dn: 'OU=users'
users_filter: '(&({username_attribute}={input})(objectClass=person))'
additional_groups_dn: 'OU=groups'
groups_filter: '(&(member={dn})(objectClass=groupOfNames))'
group_search_mode: 'filter'
permit_referrals: false
permit_unauthenticated_bind: false
user: 'CN=admin,DC=example,DC=com'
password: '${SECRET}'
attributes:
  distinguished_name: 'distinguishedName'
  username: 'uid'
  display_name: 'displayName'
  family_name: 'sn'
  given_name: 'givenName'
  mail: 'mail'
  member_of: 'memberOf'
  group_name: 'cn'
  extra:
    employeeNumber:
      name: 'employee_number'
      value_type: 'integer'`)]);
  assert.deepEqual(loaded.warnings, [], formatAll(loaded.warnings));
  const ldap = loaded.config.authentication_backend.ldap!;
  assert.equal(ldap.timeout, 5);
  assert.equal(ldap.pooling?.timeout, 10);
  assert.equal(loaded.config.authentication_backend.refresh_interval, 300);
});

test('4.37 names (url, username_attribute, …) load with one rename warning each', async () => {
  const loaded = await load([BASE, overlay('legacy', `url: 'ldaps://ldap.example.com'
implementation: 'rfc2307bis'
base_dn: 'dc=example,dc=com'
username_attribute: 'uid'
mail_attribute: 'mail'
display_name_attribute: 'displayName'
group_name_attribute: 'cn'
user: 'cn=admin,dc=example,dc=com'
password: '${SECRET}'`)]);
  assert.deepEqual(loaded.warnings.map((w) => formatPath(w.path)), ['authentication_backend.ldap.url', 'authentication_backend.ldap.username_attribute', 'authentication_backend.ldap.mail_attribute', 'authentication_backend.ldap.display_name_attribute', 'authentication_backend.ldap.group_name_attribute']);
  assert.equal(loaded.config.authentication_backend.ldap?.address, 'ldaps://ldap.example.com');
});

test('the commented ldap example of config.example.yml loads once uncommented', async () => {
  const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
  const start = lines.indexOf('  # ldap:');
  assert.ok(start > 0, 'config.example.yml has a commented ldap block');
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('  #'));
  const block = lines.slice(start, end).map((line) => line.replace(/^ {2}# /, '  '));
  const file = join(dir, 'example-ldap.yml');
  writeFileSync(file, `authentication_backend:\n  file: ~\n${block.join('\n')}\n`);
  const loaded = await load([EXAMPLE, file]);
  assert.deepEqual(loaded.warnings, [], formatAll(loaded.warnings));
  assert.equal(loaded.config.authentication_backend.ldap?.implementation, 'activedirectory');
});

test('every missing key of a custom block is reported at once, at its path', async () => {
  const error = await loadFailure([BASE, overlay('missing', { implementation: 'custom' })]);
  assert.deepEqual(errorsOf(error.issues), [
    "authentication_backend.ldap.address: is required: it is the directory's URL",
    'authentication_backend.ldap.user: is required: it is the DN of the service account searches run as',
    'authentication_backend.ldap.password: is required: it is the password of the service account',
    'authentication_backend.ldap.base_dn: is required: it is the DN every search starts from',
    "authentication_backend.ldap.users_filter: is required when implementation is 'custom': it finds the account a login name means",
    "authentication_backend.ldap.groups_filter: is required when implementation is 'custom': it finds a user's groups",
  ]);
});

test('address, TLS, bind and pooling mistakes are reported together; warnings are loud', async () => {
  const error = await loadFailure([BASE, overlay('mistakes', `address: 'ldapi://%2fvar%2frun%2fslapd%2fldapi'
implementation: 'activedirectory'
base_dn: 'DC=example,DC=com'
permit_unauthenticated_bind: true
password: '${SECRET}'
permit_feature_detection_failure: true
tls:
  skip_verify: true
  minimum_version: 'TLS1.3'
  maximum_version: 'TLS1.2'
pooling:
  count: 0`)]);
  assert.deepEqual(errorsOf(error.issues), [
    "authentication_backend.ldap.address: must be an ldap:// or ldaps:// URL but is configured as 'ldapi://%2fvar%2frun%2fslapd%2fldapi': Castellan does not support ldapi:// (a Unix domain socket)",
    'authentication_backend.ldap.permit_unauthenticated_bind: must not be true when a password is set',
    "authentication_backend.ldap.tls.maximum_version: must not be lower than minimum_version 'TLS1.3' but is configured as 'TLS1.2'",
    'authentication_backend.ldap.pooling.count: must be at least 1 but is configured as 0',
  ]);
  const warnings = error.warnings.map((w) => `${formatPath(w.path)}: ${w.message}`);
  assert.ok(warnings.some((w) => w.startsWith('authentication_backend.ldap.tls.skip_verify: is true: the certificate of the directory is NOT verified')), warnings.join('\n'));
  assert.ok(warnings.some((w) => w.startsWith('authentication_backend.ldap.permit_feature_detection_failure: is deprecated in Authelia 4.39.16 and has no effect')), warnings.join('\n'));
  assertNoSecrets(error.issues, [SECRET]);

  const tls = await loadFailure([BASE, overlay('start-tls', { ...AD, start_tls: true, tls: { minimum_version: 'SSL3.0' } })]);
  assert.deepEqual(errorsOf(tls.issues), [
    "authentication_backend.ldap.start_tls: must not be true with the ldaps:// address 'ldaps://dc1.example.com': the connection is TLS from the start",
    "authentication_backend.ldap.tls.minimum_version: must be TLS1.2 or TLS1.3 but is configured as 'SSL3.0'",
  ]);
  const path = await loadFailure([BASE, overlay('url-path', { ...AD, address: 'ldap://dc1.example.com/DC=example,DC=com' })]);
  assert.deepEqual(errorsOf(path.issues), ["authentication_backend.ldap.address: must be a URL of the form 'ldap://host[:port]' or 'ldaps://host[:port]' but is configured as 'ldap://dc1.example.com/DC=example,DC=com'"]);
});

test('plain ldap:// to another host warns that passwords cross the network in clear text', async () => {
  const loaded = await load([BASE, overlay('plain', { ...AD, address: 'ldap://dc1.example.com' })]);
  assert.deepEqual(loaded.warnings.map((w) => formatPath(w.path)), ['authentication_backend.ldap.address']);
  assert.match(loaded.warnings[0]!.message, /in clear text$/);
  assert.deepEqual((await load([BASE, overlay('start-tls-ok', { ...AD, address: 'ldap://dc1.example.com', start_tls: true })])).warnings, []);
});

test("the LDAP core's checks run at load and name the key: filters, placeholders, DNs, attribute names", async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ users_filter: '(uid=alice)' }, "authentication_backend.ldap.users_filter: must contain {input} (or Kasm's {0}) but is configured as '(uid=alice)'"],
    [{ users_filter: '(&({username_attribute}={input})(objectClass=person)' }, "authentication_backend.ldap.users_filter: must be a valid LDAP filter but is configured as '(&({username_attribute}={input})(objectClass=person)'"],
    [{ users_filter: '(&(uid={input})(memberOf={dn}))' }, 'authentication_backend.ldap.users_filter: cannot use {dn} (it has no value there)'],
    [{ base_dn: 'example.com' }, "authentication_backend.ldap.base_dn: 'example.com' is not a valid distinguished name (RFC 4514)"],
    [{ attributes: { username: 'user name' } }, "authentication_backend.ldap.attributes.username: must be an attribute name but is configured as 'user name'"],
    [{ attributes: { extra: { 'bad(name)': { value_type: 'string' } } } }, "authentication_backend.ldap.attributes.extra.bad(name): must be an attribute name but is configured as 'bad(name)'"],
    [{ group_search_mode: 'memberof', groups_filter: '(&(member={dn})(objectClass=group))' }, "authentication_backend.ldap.groups_filter: must contain {memberof:dn} or {memberof:rdn} when group_search_mode is 'memberof'"],
  ];
  for (const [i, [change, expected]] of cases.entries()) {
    const error = await loadFailure([BASE, overlay(`core-${i}`, { ...AD, ...change })]);
    const errors = errorsOf(error.issues);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.ok(errors[0]!.startsWith(expected), `${errors[0]}\nexpected: ${expected}`);
    assertNoSecrets(error.issues, [SECRET]);
  }
});
