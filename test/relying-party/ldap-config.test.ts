// Kasm's LDAP configuration fields (kasm-saml-ldap.md §4.1, seed 002): the defaults, the mapping onto
// the LDAP core's DirectoryOptions, the login domain and name a typed username resolves to (§4.2),
// DN-aware SSO group mappings (§1.5), and validation problems at Kasm's key names with YAML positions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PUBLIC_FAILURE } from '../../src/ldap/errors.ts';
import {
  directoryOptions, DN_NORMAL_FORM, ERRORS, loadRelyingPartySettings, loginAttributeOf, loginDomains, loginNameFor, normalizeUsername,
  parseRelyingPartySettings, RelyingPartyConfigError, syncGroups, type LDAPConfig,
} from '../../src/relying-party/index.ts';

/** The seed's Active Directory example (Kasm's LDAP guide), as Kasm's form holds it. */
const KASM_AD = {
  id: 'kasm',
  name: 'Kasm Test LDAP Settings',
  url: 'ldaps://ldap.kasm.core:636',
  search_base: 'OU=MyOrg,DC=kasm,DC=core',
  search_filter: '&(objectClass=user)(sAMAccountName={0})(memberof:1.2.840.113556.1.4.1941:=CN=all_kasm_app_users,OU=MyOrg,DC=kasm,DC=core)',
  group_membership_filter: '&(objectClass=group)(member:1.2.840.113556.1.4.1941:={0})',
  email_attribute: 'mail',
  service_account_dn: 'CN=ldap_service_account,OU=MyOrg,DC=kasm,DC=core',
  service_account_password: 'service-Secret1',
};

function ldap(raw: Record<string, unknown>): LDAPConfig {
  return parseRelyingPartySettings({ ldap: [raw] }).ldap[0]!;
}

function messages(input: unknown): string[] {
  try {
    parseRelyingPartySettings(input);
  } catch (error) {
    assert.ok(error instanceof RelyingPartyConfigError, String(error));
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('expected a RelyingPartyConfigError');
}

test("Kasm's AD example gets Kasm's defaults and maps onto the core's options", () => {
  const config = ldap(KASM_AD);
  assert.deepEqual({ ...config }, {
    ...KASM_AD, enabled: true, start_tls: false, connection_timeout: 5, search_subtree: true, username_domain_match: [], auto_create_app_user: true, attribute_mappings: {},
  });
  assert.deepEqual(directoryOptions(config), {
    connection: { url: 'ldaps://ldap.kasm.core:636', startTLS: false, connectTimeoutMs: 5000 },
    baseDN: 'OU=MyOrg,DC=kasm,DC=core',
    usersFilter: KASM_AD.search_filter,
    usersScope: 'sub',
    groupsFilter: KASM_AD.group_membership_filter,
    groupSearchMode: 'filter',
    // Kasm has no username attribute: the one the filter compares {0} with is read back.
    attributes: { username: 'sAMAccountName', mail: 'mail', groupName: 'cn' },
    extraUserAttributes: [],
    serviceAccount: { dn: KASM_AD.service_account_dn, password: 'service-Secret1' },
  });
});

test('search_subtree, TLS, timeout, attribute mappings and group filter map through; no group filter, no groups', () => {
  const { group_membership_filter: _g, email_attribute: _e, ...rest } = KASM_AD;
  const options = directoryOptions(ldap({
    ...rest, url: 'ldap://ldap.kasm.core', start_tls: true, search_subtree: false, connection_timeout: 2,
    tls: { server_name: 'ldap.kasm.core', trusted_certificates: '-----BEGIN CERTIFICATE-----', minimum_version: 'TLS1.3' },
    attribute_mappings: { givenName: 'first_name', sn: 'last_name' },
  }));
  assert.deepEqual(options.connection, { url: 'ldap://ldap.kasm.core', startTLS: true, tls: { serverName: 'ldap.kasm.core', trustedCertificates: '-----BEGIN CERTIFICATE-----', minimumVersion: 'TLS1.3', skipVerify: false }, connectTimeoutMs: 2000 });
  assert.equal(options.usersScope, 'one');
  assert.equal(options.groupsFilter, undefined);
  assert.deepEqual(options.attributes, { username: 'sAMAccountName', groupName: 'cn' });
  assert.deepEqual(options.extraUserAttributes, ['givenName', 'sn']);
});

test('the login attribute is the one compared with {0}, with or without outer parentheses', () => {
  assert.equal(loginAttributeOf('sAMAccountName={0}'), 'sAMAccountName');
  assert.equal(loginAttributeOf('(&(objectClass=person)(uid={0})(memberof=cn=kasm,ou=groups,dc=example,dc=com))'), 'uid');
  assert.equal(loginAttributeOf('(&(objectClass=user)( userPrincipalName = {} ))'), 'userPrincipalName');
  assert.equal(loginAttributeOf('(cn=*{0}*)'), undefined);
});

test("a username's domain picks the configuration; {0} is the name without it (Kasm passes sAMAccountName bare)", () => {
  const config = ldap(KASM_AD);
  assert.deepEqual(loginDomains(config), ['kasm.core']);
  assert.equal(normalizeUsername('  Test_User_1@KASM.core '), 'test_user_1@kasm.core');
  assert.equal(loginNameFor(config, 'test_user_1@kasm.core'), 'test_user_1');
  for (const other of ['test_user_1@kasm.com', 'test_user_1@sub.kasm.core', 'test_user_1', '@kasm.core', '']) assert.equal(loginNameFor(config, other), undefined, other);
  // Alternate Username Domains: Kasm's comma-separated text (or a list); '*' accepts a bare username.
  const alternate = ldap({ ...KASM_AD, username_domain_match: ' Domain1.com, domain2.com ,*' });
  assert.deepEqual(alternate.username_domain_match, ['domain1.com', 'domain2.com', '*']);
  assert.deepEqual(loginDomains(alternate), ['kasm.core', 'domain1.com', 'domain2.com']);
  assert.equal(loginNameFor(alternate, 'jane@domain2.com'), 'jane');
  assert.equal(loginNameFor(alternate, 'jane'), 'jane');
  assert.equal(loginNameFor(alternate, 'jane@domain3.com'), undefined);
  assert.deepEqual(ldap({ ...KASM_AD, username_domain_match: ['A.example', 'a.example'] }).username_domain_match, ['a.example']);
});

test('LDAP group mappings compare DNs, whatever their case and spacing', () => {
  const { groups } = parseRelyingPartySettings({ ldap: [KASM_AD], groups: [
    { name: 'LDAP Group 1', sso_mappings: [{ provider: 'kasm', group_attribute: 'CN=kasm_group_1, OU=MyOrg, DC=kasm, DC=core' }] },
    { name: 'Everyone', sso_mappings: [{ provider: 'kasm', assign_all_users: true }] },
  ] });
  const fromServer = ['cn=kasm_group_1,ou=myorg,dc=kasm,dc=core', 'cn=all_kasm_app_users,ou=MyOrg,dc=kasm,dc=core'];
  assert.deepEqual(syncGroups(groups, 'kasm', [], fromServer, DN_NORMAL_FORM).joined, ['LDAP Group 1', 'Everyone']);
  assert.deepEqual(syncGroups(groups, 'kasm', ['LDAP Group 1'], fromServer.slice(1), DN_NORMAL_FORM), { groups: ['Everyone'], joined: ['Everyone'], left: ['LDAP Group 1'] });
  // Only the DN counts, not the group's name.
  assert.deepEqual(syncGroups(groups, 'kasm', [], ['kasm_group_1'], DN_NORMAL_FORM).joined, ['Everyone']);
});

test('every LDAP refusal shows the same sentence as the core', () => {
  assert.equal(ERRORS.ldap_login_failed.message, PUBLIC_FAILURE);
  assert.equal(ERRORS.ldap_login_failed.status, 401);
});

test('schema problems name Kasm keys and never show the service account password', () => {
  assert.deepEqual(messages({ ldap: [{ ...KASM_AD, url: undefined, service_account_password: 42, search_subtree: 'yes', username_domain_match: 'a.com;b.com', attribute_mappings: { mail: 'mail' }, bind_dn: 'x' }] }).sort(), [
    "ldap[0].attribute_mappings.mail: must be one of 'first_name', 'last_name', 'email', 'phone', 'organization', 'notes', 'city', 'state', 'country', 'custom_attribute_1', 'custom_attribute_2', 'custom_attribute_3' but is configured as 'mail'",
    'ldap[0].bind_dn: configuration key not expected',
    "ldap[0].search_subtree: must be true or false but is configured as 'yes'",
    'ldap[0].service_account_password: must be a string but is configured as a secret (not shown)',
    'ldap[0].url: is required but is not set',
    "ldap[0].username_domain_match: must match ^\\s*(\\*|[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*)(\\s*,\\s*(\\*|[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*))*\\s*$ but is configured as 'a.com;b.com'",
  ]);
});

test('cross-field rules: URL, TLS, login domain, {0} in both filters, filter syntax, one attribute per field', () => {
  assert.deepEqual(messages({ ldap: [
    { ...KASM_AD, url: 'https://ldap.kasm.core', tls: { minimum_version: 'SSL3' } },
    { ...KASM_AD, id: 'b', start_tls: true, search_base: 'OU=MyOrg,DC', search_filter: '(uid=fixed)', group_membership_filter: '(member={dn})' },
    { ...KASM_AD, id: 'c', search_base: 'o=kasm', search_filter: '(&(uid={0})(mail={input}))', attribute_mappings: { userPrincipalName: 'email' } },
    { ...KASM_AD, id: 'd', search_filter: '(&(objectClass=user)(sAMAccountName={0})' },
    { ...KASM_AD, id: 'e', search_filter: '(cn={0}*)' },
    { ...KASM_AD, id: 'f', service_account_dn: 'not a dn' },
  ] }), [
    "ldap[0].url: must be ldap://host[:port] or ldaps://host[:port]: 'https://ldap.kasm.core' has the scheme 'https': use ldap:// or ldaps://",
    "ldap[0].tls.minimum_version: 'SSL3' is not a TLS version: use TLS1.2 or TLS1.3 (SSL is not supported)",
    'ldap[1].start_tls: must not be true with an ldaps:// url: the connection is TLS from the start',
    "ldap[1].search_base: must be a DN: 'OU=MyOrg,DC' is not a valid distinguished name (RFC 4514): no '=' after position 9",
    "ldap[1].search_filter: must contain {0} (the login name) but is configured as '(uid=fixed)'",
    "ldap[1].group_membership_filter: must contain {0} (the user's DN) but is configured as '(member={dn})'",
    "ldap[2].search_base: must have DC= parts, which give the login domain (DC=kasm,DC=core → user@kasm.core), unless username_domain_match names the domains; it is configured as 'o=kasm'",
    "ldap[2].search_filter: must use only Kasm's {0} placeholder but uses {input}",
    "ldap[2].attribute_mappings.userPrincipalName: must not map to 'email' too: email_attribute 'mail' already fills it",
    "ldap[3].search_filter: must be a valid LDAP filter but is configured as '(&(objectClass=user)(sAMAccountName={0})' (the filter (&(objectClass=user)(sAMAccountName=x) is not valid RFC 4515 syntax: its parentheses do not pair up)",
    "ldap[4].search_filter: must compare an attribute with the login name, as in (sAMAccountName={0}) or (uid={0}), but is configured as '(cn={0}*)'",
    "ldap[5].service_account_dn: 'not a dn' is not a valid distinguished name (RFC 4514): no '=' after position 0",
  ]);
  assert.doesNotThrow(() => ldap({ ...KASM_AD, search_base: 'o=kasm', username_domain_match: 'kasm.example' }));
});

test('ids are unique across oidc and ldap; an LDAP mapping names a group DN', () => {
  const oidc = { id: 'kasm', display_name: 'K', client_id: 'c', client_secret: 's', issuer: 'https://idp.example.com', redirect_url: 'https://app.example.com/api/oidc_callback' };
  assert.deepEqual(messages({ oidc: [oidc], ldap: [KASM_AD, { ...KASM_AD, id: 'ad' }], groups: [
    { name: 'LDAP Group 1', sso_mappings: [{ provider: 'ad', group_attribute: 'kasm_group_1' }, { provider: 'ad', assign_all_users: true }, { provider: 'nope', group_attribute: 'x' }] },
  ] }), [
    "ldap[0].id: must be unique but 'kasm' is also the id of oidc[0]",
    "groups[0].sso_mappings[0].group_attribute: must be the full DN of an LDAP group (e.g. CN=kasm_group_1,OU=MyOrg,DC=kasm,DC=core), as the group membership filter returns it, but is configured as 'kasm_group_1'",
    "groups[0].sso_mappings[2].provider: must be the id of an oidc or ldap configuration ('kasm', 'ad') but is configured as 'nope'",
  ]);
});

test('LDAP problems from YAML point at their line and column', () => {
  const yaml = [
    'ldap:',
    '  - id: kasm',
    '    name: Kasm Test LDAP Settings',
    '    url: ldap://127.0.0.1:389',
    '    search_base: OU=MyOrg,DC=kasm,DC=core',
    "    search_filter: '(uid=test)'",
    '    service_account_dn: CN=ldap_service_account,OU=MyOrg,DC=kasm,DC=core',
    '    service_account_password: secret',
    '    search_subtree: 1',
  ].join('\n');
  assert.throws(() => loadRelyingPartySettings(yaml, 'workspaces.yml'), {
    message: 'relying-party configuration has 1 error:\nworkspaces.yml:9:21 ldap[0].search_subtree: must be true or false but is configured as 1',
  });
  assert.throws(() => loadRelyingPartySettings(yaml.replace('    search_subtree: 1', ''), 'workspaces.yml'), {
    message: "relying-party configuration has 1 error:\nworkspaces.yml:6:20 ldap[0].search_filter: must contain {0} (the login name) but is configured as '(uid=test)'",
  });
});
