// Remembered consent with Authelia's matching rule (reference/authelia.md §4.3, HasExactGrants): only
// the same client and subject, not revoked, not expired, and requested scopes and audience each
// exactly equal to the stored sets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findConsent, listConsents, revokeConsents, saveConsent } from '../../src/storage/consent.ts';
import { subjectFor } from '../../src/storage/subjects.ts';
import { openTest, temporaryDirectory } from './helpers.ts';

const dir = temporaryDirectory();

function setup() {
  const storage = openTest(dir);
  const john = subjectFor(storage, { sector: '', username: 'john' });
  const harry = subjectFor(storage, { sector: '', username: 'harry' });
  const now = storage.now();
  const week = now + 7 * 24 * 3600;
  const saved = saveConsent(storage, { clientID: 'kasm', subject: john, scopes: ['openid', 'profile', 'groups'], audience: ['kasm'], expiresAt: week });
  return { storage, john, harry, now, week, saved };
}

test('a request for exactly the stored sets matches, in any order', () => {
  const { storage, john, now, week, saved } = setup();
  assert.deepEqual(saved, { id: saved.id, clientID: 'kasm', subject: john, scopes: ['groups', 'openid', 'profile'], audience: ['kasm'], createdAt: now, expiresAt: week, revoked: false });
  assert.deepEqual(findConsent(storage, { clientID: 'kasm', subject: john, scopes: ['openid', 'profile', 'groups'], audience: ['kasm'], now }), saved);
  assert.deepEqual(findConsent(storage, { clientID: 'kasm', subject: john, scopes: ['groups', 'openid', 'profile'], audience: ['kasm'] }), saved);
});

test('subsets, supersets and other sets do not match', () => {
  const { storage, john, now } = setup();
  const request = { clientID: 'kasm', subject: john, now };
  const misses: Record<string, { scopes: string[]; audience: string[] }> = {
    'scope subset': { scopes: ['openid', 'profile'], audience: ['kasm'] },
    'scope superset': { scopes: ['openid', 'profile', 'groups', 'email'], audience: ['kasm'] },
    'one scope swapped': { scopes: ['openid', 'profile', 'email'], audience: ['kasm'] },
    'no scopes': { scopes: [], audience: ['kasm'] },
    'other audience': { scopes: ['openid', 'profile', 'groups'], audience: ['other'] },
    'audience superset': { scopes: ['openid', 'profile', 'groups'], audience: ['kasm', 'other'] },
    'no audience': { scopes: ['openid', 'profile', 'groups'], audience: [] },
    'scope case differs': { scopes: ['OpenID', 'profile', 'groups'], audience: ['kasm'] },
  };
  for (const [label, sets] of Object.entries(misses)) {
    assert.equal(findConsent(storage, { ...request, ...sets }), undefined, label);
  }
});

test('only the same client and subject match', () => {
  const { storage, john, harry, now } = setup();
  const sets = { scopes: ['openid', 'profile', 'groups'], audience: ['kasm'], now };
  assert.equal(findConsent(storage, { ...sets, clientID: 'other-client', subject: john }), undefined);
  assert.equal(findConsent(storage, { ...sets, clientID: 'kasm', subject: harry }), undefined);
});

test('an expired consent does not match; one without expiry never expires', () => {
  const { storage, john, week } = setup();
  const sets = { clientID: 'kasm', subject: john, scopes: ['openid', 'profile', 'groups'], audience: ['kasm'] };
  assert.ok(findConsent(storage, { ...sets, now: week - 1 }));
  assert.equal(findConsent(storage, { ...sets, now: week }), undefined);
  assert.equal(findConsent(storage, { ...sets, now: week + 1 }), undefined);
  const forever = saveConsent(storage, { ...sets, expiresAt: null });
  assert.deepEqual(findConsent(storage, { ...sets, now: week + 10 * 365 * 24 * 3600 }), forever);
});

test('revoked consents do not match; revocation is per client or for all of a subject', () => {
  const { storage, john, harry, week } = setup();
  const sets = { scopes: ['openid'], audience: ['x'], expiresAt: week };
  saveConsent(storage, { ...sets, clientID: 'grafana', subject: john });
  saveConsent(storage, { ...sets, clientID: 'grafana', subject: harry });
  assert.equal(revokeConsents(storage, { clientID: 'kasm', subject: john }), 1);
  assert.equal(findConsent(storage, { clientID: 'kasm', subject: john, scopes: ['openid', 'profile', 'groups'], audience: ['kasm'] }), undefined);
  assert.ok(findConsent(storage, { clientID: 'grafana', subject: john, scopes: ['openid'], audience: ['x'] }));
  assert.equal(revokeConsents(storage, { subject: john }), 1);
  assert.equal(findConsent(storage, { clientID: 'grafana', subject: john, scopes: ['openid'], audience: ['x'] }), undefined);
  assert.ok(findConsent(storage, { clientID: 'grafana', subject: harry, scopes: ['openid'], audience: ['x'] }), "another subject's consent stays");
  assert.equal(revokeConsents(storage, { subject: john }), 0);
});

test('listConsents shows every consent of the subject, newest first, revoked ones marked', () => {
  const { storage, john, harry, week, saved } = setup();
  const newer = saveConsent(storage, { clientID: 'grafana', subject: john, scopes: ['openid', 'openid', 'email'], audience: [], expiresAt: week });
  saveConsent(storage, { clientID: 'grafana', subject: harry, scopes: ['openid'], audience: [], expiresAt: week });
  revokeConsents(storage, { clientID: 'kasm', subject: john });
  assert.deepEqual(listConsents(storage, john), [newer, { ...saved, revoked: true }]);
  assert.deepEqual(newer.scopes, ['email', 'openid'], 'stored as a set');
});

test('a consent must name a stored subject', () => {
  const { storage } = setup();
  assert.throws(() => saveConsent(storage, { clientID: 'kasm', subject: '00000000-0000-4000-8000-000000000000', scopes: ['openid'], audience: [], expiresAt: null }), { name: 'StorageError', code: 'UNKNOWN_SUBJECT' });
});
