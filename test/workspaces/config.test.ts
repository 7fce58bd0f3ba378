// The Workspaces demo app's configuration: the example file loads as documented, every problem of the
// app's keys and of the module's `oidc`/`groups` is reported at once as FILE:LINE:COLUMN path: message,
// and the system groups always exist. The ldap entries: ldap-config.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMINISTRATORS, ALL_USERS, loadWorkspacesConfig, parseWorkspacesConfig, WorkspacesConfigError } from '../../examples/workspaces/config.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/workspaces/workspaces.example.yml', import.meta.url));

const VALID = `server:
  address: 'tcp://127.0.0.1:8080/'
storage:
  path: '/tmp/workspaces.sqlite3'
session_secret: 'a-test-workspaces-session-secret-0123456789'
`;

function problems(text: string): string[] {
  try {
    parseWorkspacesConfig(text, 'ws.yml');
  } catch (error) {
    assert.ok(error instanceof WorkspacesConfigError, String(error));
    return error.message.split('\n').slice(1);
  }
  assert.fail('expected a WorkspacesConfigError');
}

test('the example file loads: one provider in manual mode, the seed 002 directory, its groups, and a local admin', () => {
  const config = loadWorkspacesConfig(EXAMPLE);
  assert.deepEqual(config.server, { host: '127.0.0.1', port: 8080 });
  assert.equal(config.relyingParty.oidc.length, 1);
  const castellan = config.relyingParty.oidc[0]!;
  assert.equal(castellan.id, 'castellan');
  assert.equal(castellan.client_id, 'kasm');
  assert.equal(castellan.redirect_url, 'http://127.0.0.1:8080/api/oidc_callback');
  assert.deepEqual(config.relyingParty.ldap.map((l) => [l.id, l.search_base, l.enabled]), [['kasm', 'OU=MyOrg,DC=kasm,DC=core', true]]);
  assert.deepEqual(config.relyingParty.groups.map((g) => g.name), [ADMINISTRATORS, 'Developers', 'LDAP Group 1', ALL_USERS]);
  assert.deepEqual(config.localUsers.map((u) => [u.username, u.groups]), [['admin', [ADMINISTRATORS]]]);
  assert.deepEqual(config.warnings, []);
});

test('problems of the app keys and of the module keys are reported together, each at its line and column', () => {
  const lines = problems(`server:
  address: 'http://127.0.0.1:8080'
storage: {}
session_secret: 'short'
colour: 'blue'
oidc:
  - id: 'castellan'
    display_name: 'Castellan'
    client_id: 'kasm'
    client_secret: 'insecure_secret'
    issuer: 'http://auth.example.com'
    redirect_url: 'https://app.example.com/callback'
groups:
  - name: 'Administrators'
    sso_mappings: [{ provider: 'nobody', group_attribute: 'admins' }]
`);
  assert.deepEqual(lines, [
    "ws.yml:2:12 server.address: must match ^tcp://(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}/$",
    'ws.yml:3:10 storage.path: is required but is not set',
    'ws.yml:4:17 session_secret: must be at least 32 characters long',
    'ws.yml:5:1 colour: configuration key not expected',
    "ws.yml:11:13 oidc[0].issuer: must be an https URL (http only on localhost) but is configured as 'http://auth.example.com'",
    "ws.yml:12:19 oidc[0].redirect_url: must end with /api/oidc_callback (the path the module serves) but is configured as 'https://app.example.com/callback'",
    "ws.yml:15:32 groups[0].sso_mappings[0].provider: must be the id of an oidc configuration ('castellan') but is configured as 'nobody'",
  ]);
});

test('cross-field rules: local users name existing groups once each, system groups are spelled as such', () => {
  const lines = problems(`${VALID}local_users:
  - { username: 'admin', password: '$plaintext$x', groups: ['Admins'] }
  - { username: 'admin', password: '$plaintext$y' }
groups:
  - name: 'all users'
`);
  assert.deepEqual(lines, [
    "ws.yml:7:61 local_users[0].groups[0]: must be the name of a group ('all users', 'All Users', 'Administrators') but is configured as 'Admins'",
    "ws.yml:8:17 local_users[1].username: must be unique but 'admin' is also local_users[0]",
    "ws.yml:10:11 groups[0].name: must be spelled 'All Users' (a system group) but is configured as 'all users'",
  ]);
});

test('an empty ldap list is valid; All Users and Administrators exist when not listed', () => {
  const config = parseWorkspacesConfig(`${VALID}ldap: []\n`, 'ws.yml');
  assert.deepEqual(config.warnings, []);
  assert.deepEqual(config.relyingParty.ldap, []);
  assert.deepEqual(config.relyingParty.groups.map((g) => [g.name, g.priority]), [[ALL_USERS, 4095], [ADMINISTRATORS, 4095]]);
  assert.equal(config.logLevel, 'info');
});

test('YAML syntax errors point at their line', () => {
  assert.deepEqual(problems('server: [\n'), ['ws.yml:2:1 is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]']);
});
