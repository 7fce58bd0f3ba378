// Reading the identity (ID token, then userinfo; username lower-cased as Kasm does), provisioning
// through the application's store, and the login page's provider list for a Host.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginSettings, parseRelyingPartySettings, provisionUser, readIdentity } from '../../src/relying-party/index.ts';
import { memoryStore, rpConfig, thrownCode } from './helpers.ts';

const BASE = { display_name: 'Castellan', client_id: 'c', client_secret: 's', issuer: 'https://idp.example.com', redirect_url: 'https://app.example.com/api/oidc_callback' };
const CONFIG = rpConfig({ id: 'castellan', ...BASE, groups_attribute: 'groups', attribute_mappings: { given_name: 'first_name', phone_number: 'phone', org: 'organization' } });
const GROUPS = parseRelyingPartySettings({ oidc: [{ id: 'castellan', ...BASE }], groups: [{ name: 'Admins', sso_mappings: [{ provider: 'castellan', group_attribute: 'admins' }] }] }).groups;

test('claims come from the ID token first, then userinfo; a list counts by its first element', () => {
  const identity = readIdentity(CONFIG, { sub: 's1', preferred_username: '  John.Doe ', given_name: 'John' }, { preferred_username: 'ignored', groups: ['admins', 7, ''], phone_number: ['+1 555', '+2'], org: { nested: true } });
  assert.deepEqual(identity, { subject: 's1', username: 'john.doe', groups: ['admins', '7'], fields: { first_name: 'John', phone: '+1 555' } });
  assert.deepEqual(readIdentity(CONFIG, { sub: 's1', preferred_username: 'a', groups: 'single' }, undefined).groups, ['single']);
  assert.equal(readIdentity(rpConfig({ id: 'x', ...BASE }), { sub: 's1', preferred_username: 'a' }, undefined).groups, undefined);
});

test('a missing username or groups claim is a typed error', () => {
  assert.equal(thrownCode(() => readIdentity(CONFIG, { sub: 's1', groups: [] }, { email: 'a@example.com' })), 'missing_username');
  assert.equal(thrownCode(() => readIdentity(CONFIG, { sub: 's1', preferred_username: '   ' }, undefined)), 'missing_username');
  assert.equal(thrownCode(() => readIdentity(CONFIG, { sub: 's1', preferred_username: 'a' }, {})), 'missing_groups');
  assert.equal(readIdentity(rpConfig({ id: 'x', ...BASE, username_attribute: 'email' }), { sub: 's1' }, { email: 'A@Example.com' }).username, 'a@example.com');
});

test('an unknown user is created with realm oidc and the mapped groups', async () => {
  const store = memoryStore();
  const result = await provisionUser(CONFIG, { subject: 's1', username: 'john', groups: ['ADMINS'], fields: { first_name: 'John' } }, store, GROUPS);
  assert.equal(result.created, true);
  assert.deepEqual(store.writes, ['createUser john', 'setGroups john']);
  assert.deepEqual(store.users.get('john'), { username: 'john', realm: 'oidc', providerID: 'castellan', subject: 's1', groups: ['Admins'], fields: { first_name: 'John' } });
  // The next login changes only what changed.
  await provisionUser(CONFIG, { subject: 's1', username: 'john', groups: ['ADMINS'], fields: {} }, store, GROUPS);
  assert.deepEqual(store.writes, ['createUser john', 'setGroups john']);
  await provisionUser(CONFIG, { subject: 's1', username: 'john', groups: [], fields: { first_name: 'Johnny' } }, store, GROUPS);
  assert.deepEqual(store.writes.slice(2), ['updateUser john', 'setGroups john']);
  assert.deepEqual(store.users.get('john')?.groups, []);
});

test('without auto_user_provision, or for a user of another realm or configuration, nothing is written', async () => {
  const store = memoryStore([{ username: 'local', realm: 'local', groups: [] }, { username: 'kc', realm: 'oidc', providerID: 'keycloak', groups: [] }]);
  const identity = (username: string) => ({ subject: 's', username, groups: [], fields: {} });
  const failure = async (run: Promise<unknown>): Promise<string> => run.then(() => 'accepted', (error: { code: string }) => error.code);
  assert.equal(await failure(provisionUser(rpConfig({ id: 'castellan', ...BASE, auto_user_provision: false }), identity('new'), store, GROUPS)), 'user_does_not_exist');
  assert.equal(await failure(provisionUser(CONFIG, identity('local'), store, GROUPS)), 'user_realm_mismatch');
  assert.equal(await failure(provisionUser(CONFIG, identity('kc'), store, GROUPS)), 'user_realm_mismatch');
  assert.deepEqual(store.writes, []);
});

test('login settings: configurations named for the Host, otherwise the default and host-less ones', () => {
  const configs = parseRelyingPartySettings({ oidc: [
    { id: 'a', ...BASE, hostname: 'a.example.com' },
    { id: 'b', ...BASE, hostname: 'b.example.com', is_default: true, auto_login: true },
    { id: 'any', ...BASE },
    { id: 'off', ...BASE, enabled: false },
  ] }).oidc;
  const ids = (host: string) => loginSettings(configs, host).oidc.oidc_configs.map((c) => c.id);
  assert.deepEqual(ids('a.example.com'), ['a']);
  assert.deepEqual(ids('A.EXAMPLE.COM:8443'), ['a']);
  assert.deepEqual(ids('other.example.com'), ['b', 'any']);
  assert.deepEqual(loginSettings(configs, 'b.example.com').oidc.oidc_configs[0], { id: 'b', display_name: 'Castellan', logo_url: undefined, hostname: 'b.example.com', default: true, enabled: true, auto_login: true, login_url: '/api/sso_login?id=b' });
});
