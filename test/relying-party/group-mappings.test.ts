// SSO group mappings with Kasm's semantics (kasm-saml-ldap.md §1.5) and group priority.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveSettings, parseRelyingPartySettings, syncGroups, type AppGroup } from '../../src/relying-party/index.ts';

const PROVIDER = { display_name: 'P', client_id: 'c', client_secret: 's', issuer: 'https://idp.example.com', redirect_url: 'https://app.example.com/api/oidc_callback' };

function groups(list: unknown[]): readonly AppGroup[] {
  return parseRelyingPartySettings({ oidc: [{ id: 'castellan', ...PROVIDER }, { id: 'keycloak', ...PROVIDER }], groups: list }).groups;
}

const GROUPS = groups([
  { name: 'Administrators', sso_mappings: [{ provider: 'castellan', group_attribute: 'Admins' }] },
  { name: 'Developers', sso_mappings: [{ provider: 'castellan', group_attribute: 'dev' }, { provider: 'castellan', group_attribute: 'engineering' }] },
  { name: 'Everyone', sso_mappings: [{ provider: 'castellan', assign_all_users: true }] },
  { name: 'Keycloak admins', sso_mappings: [{ provider: 'keycloak', group_attribute: 'admins' }] },
  { name: 'Hand-picked' },
]);

test('a user with a mapped value joins; matching is exact and case-insensitive', () => {
  const change = syncGroups(GROUPS, 'castellan', [], ['ADMINS', 'Engineering']);
  assert.deepEqual(change, { groups: ['Administrators', 'Developers', 'Everyone'], joined: ['Administrators', 'Developers', 'Everyone'], left: [] });
  // No prefix, suffix or substring matching.
  assert.deepEqual(syncGroups(GROUPS, 'castellan', [], ['admin', 'admins2', 'developers', ' dev']).joined, ['Everyone']);
});

test('a user without the value leaves; groups without a mapping for this provider are untouched', () => {
  const change = syncGroups(GROUPS, 'castellan', ['Administrators', 'Developers', 'Keycloak admins', 'Hand-picked'], ['dev']);
  assert.deepEqual(change, { groups: ['Developers', 'Keycloak admins', 'Hand-picked', 'Everyone'], joined: ['Everyone'], left: ['Administrators'] });
  // The other provider only touches its own mappings.
  assert.deepEqual(syncGroups(GROUPS, 'keycloak', ['Administrators', 'Keycloak admins'], []), { groups: ['Administrators'], joined: [], left: ['Keycloak admins'] });
});

test('assign_all_users puts every user of the provider in the group, with or without groups', () => {
  assert.deepEqual(syncGroups(GROUPS, 'castellan', [], []).joined, ['Everyone']);
  assert.deepEqual(syncGroups(GROUPS, 'castellan', ['Everyone'], []).joined, []);
  assert.deepEqual(syncGroups(GROUPS, 'keycloak', [], []).joined, []);
});

test('a setting comes from the group with the lowest priority number that defines it', () => {
  const ranked = groups([
    { name: 'All Users', settings: { theme: 'light', max_sessions: 1, banner: 'hello' } },
    { name: 'Developers', priority: 10, settings: { theme: 'dark', max_sessions: 2 } },
    { name: 'Administrators', priority: 1, settings: { max_sessions: 5 } },
    { name: 'Tie', priority: 10, settings: { theme: 'solarized' } },
  ]);
  assert.deepEqual(effectiveSettings(ranked, ['All Users', 'Developers', 'Administrators', 'Tie']), {
    max_sessions: { value: 5, group: 'Administrators' },
    theme: { value: 'dark', group: 'Developers' },
    banner: { value: 'hello', group: 'All Users' },
  });
  assert.deepEqual(effectiveSettings(ranked, ['All Users']), { theme: { value: 'light', group: 'All Users' }, max_sessions: { value: 1, group: 'All Users' }, banner: { value: 'hello', group: 'All Users' } });
  assert.deepEqual(effectiveSettings(ranked, []), {});
});
