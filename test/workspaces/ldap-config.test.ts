// The demo app's `ldap` entries: checked by the relying-party module together with the app's own keys,
// every problem reported at once as FILE:LINE:COLUMN path: message; a clear-text ldap:// URL off
// loopback, or an unverified certificate, is accepted with a warning for the log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWorkspacesConfig, WorkspacesConfigError } from '../../examples/workspaces/config.ts';

const APP = `server:
  address: 'tcp://127.0.0.1:8080/'
storage:
  path: '/tmp/workspaces.sqlite3'
session_secret: 'a-test-workspaces-session-secret-0123456789'
`;

const ENTRY = `ldap:
  - id: 'kasm'
    name: 'Kasm Test LDAP Settings'
    url: 'ldap://ldap.kasm.core'
    search_base: 'OU=MyOrg,DC=kasm,DC=core'
    search_filter: '&(objectClass=user)(sAMAccountName={0})'
    group_membership_filter: '&(objectClass=group)(member={0})'
    service_account_dn: 'CN=ldap_service_account,OU=MyOrg,DC=kasm,DC=core'
    service_account_password: 'secret-Password1'
`;

test('a valid entry loads with defaults; ldap:// to another host without StartTLS is a warning', () => {
  const config = parseWorkspacesConfig(`${APP}${ENTRY}`, 'ws.yml');
  assert.equal(config.relyingParty.ldap[0]?.auto_create_app_user, true);
  assert.deepEqual(config.warnings, ["ldap[0].url: 'ldap://ldap.kasm.core' without start_tls sends the service account's and users' passwords in clear text; use ldaps:// or start_tls"]);
  assert.deepEqual(parseWorkspacesConfig(`${APP}${ENTRY.replace("url: 'ldap://ldap.kasm.core'", "url: 'ldap://ldap.kasm.core'\n    start_tls: true")}`, 'ws.yml').warnings, []);
  assert.deepEqual(parseWorkspacesConfig(`${APP}${ENTRY.replace('ldap://ldap.kasm.core', 'ldaps://ldap.kasm.core:636')}`, 'ws.yml').warnings, []);
  assert.deepEqual(parseWorkspacesConfig(`${APP}${ENTRY.replace("url: 'ldap://ldap.kasm.core'", "url: 'ldaps://ldap.kasm.core'\n    tls: { skip_verify: true }")}`, 'ws.yml').warnings, [
    "ldap[0].tls.skip_verify: the directory's certificate is not verified, so anyone on the network path can impersonate it and read every password; trust its CA with tls.trusted_certificates instead",
  ]);
});

test('ldap problems come with the app\'s own, each at its line and column, never showing the password', () => {
  const text = `${APP}colour: 'blue'
${ENTRY.replace("search_filter: '&(objectClass=user)(sAMAccountName={0})'", "search_filter: '(sAMAccountName=*)'").replace("service_account_password: 'secret-Password1'", 'service_account_password: [1]')}groups:
  - name: 'LDAP Group 1'
    sso_mappings: [{ provider: 'kasm', group_attribute: 'kasm_group_1' }]
`;
  assert.throws(() => parseWorkspacesConfig(text, 'ws.yml'), (error: unknown) => {
    assert.ok(error instanceof WorkspacesConfigError);
    assert.deepEqual(error.message.split('\n').slice(1), [
      'ws.yml:6:1 colour: configuration key not expected',
      'ws.yml:15:31 ldap[0].service_account_password: must be a string but is configured as a secret (not shown)',
    ]);
    return true;
  });
  // Cross-field rules once the schema passes.
  assert.throws(() => parseWorkspacesConfig(text.replace("colour: 'blue'\n", '').replace('service_account_password: [1]', "service_account_password: 'x'"), 'ws.yml'), (error: unknown) => {
    assert.ok(error instanceof WorkspacesConfigError);
    assert.deepEqual(error.message.split('\n').slice(1), [
      "ws.yml:11:20 ldap[0].search_filter: must contain {0} (the login name) but is configured as '(sAMAccountName=*)'",
      "ws.yml:17:57 groups[0].sso_mappings[0].group_attribute: must be the full DN of an LDAP group (e.g. CN=kasm_group_1,OU=MyOrg,DC=kasm,DC=core), as the group membership filter returns it, but is configured as 'kasm_group_1'",
    ]);
    return true;
  });
});
