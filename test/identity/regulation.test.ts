// Brute-force regulation with Authelia 4.39's rule (security.md §4.4; Authelia's
// scenario_regulation_test.go): max_retries failures within find_time ban the username and the
// client IP for ban_time after the last failure, the right password included; a success ends the
// run; refused attempts are logged but never extend a ban; usernames are folded (ASVS 6.3.1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RegulationConfig } from '../../src/config/types.ts';
import { canonicalIP, createRegulator, type Regulator } from '../../src/identity/regulation.ts';
import { openStorage, type Storage } from '../../src/storage/database.ts';
import { databasePath, KEY, openTest, temporaryDirectory, testClock, type TestClock } from '../storage/helpers.ts';

const dir = temporaryDirectory();

const AUTHELIA_DEFAULTS: RegulationConfig = { modes: ['user', 'ip'], max_retries: 3, find_time: 120, ban_time: 300 };
const PASSWORDS: Record<string, string> = { john: 'password', mary: 'hunter2', harry: 'quidditch' };

type Outcome = 'signed in' | 'wrong' | 'refused';

/** The portal's order: a banned client is refused before the password is looked at. */
function signIn(regulator: Regulator, username: string, password: string, ip = '192.0.2.1'): Outcome {
  const attempt = { username, ip, kind: '1fa' as const, requestURI: '/api/firstfactor', requestMethod: 'POST' };
  if (regulator.isBanned(attempt).banned) {
    regulator.recordBanned(attempt);
    return 'refused';
  }
  if (PASSWORDS[username.toLowerCase()] === password) {
    regulator.recordSuccess(attempt);
    return 'signed in';
  }
  regulator.recordFailure(attempt);
  return 'wrong';
}

function setUp(config: Partial<RegulationConfig> = {}): { clock: TestClock; storage: Storage; regulator: Regulator } {
  const clock = testClock();
  const storage = openTest(dir, { clock });
  return { clock, storage, regulator: createRegulator(storage, { ...AUTHELIA_DEFAULTS, ...config }) };
}

test('three failures within find_time ban for ban_time: the fourth attempt with the right password is refused', () => {
  const { clock, regulator } = setUp();
  assert.equal(signIn(regulator, 'john', 'bad'), 'wrong');
  clock.advance(10);
  assert.equal(signIn(regulator, 'john', 'bad'), 'wrong');
  clock.advance(10);
  assert.equal(signIn(regulator, 'john', 'bad'), 'wrong');
  assert.deepEqual(regulator.isBanned({ username: 'john', ip: '198.51.100.9' }), { banned: true, retryAfter: 300 });
  assert.equal(signIn(regulator, 'john', 'password'), 'refused');
  clock.advance(299);
  assert.equal(signIn(regulator, 'john', 'password'), 'refused');
  assert.deepEqual(regulator.isBanned({ username: 'john' }), { banned: true, retryAfter: 1 });
  clock.advance(1);
  assert.deepEqual(regulator.isBanned({ username: 'john' }), { banned: false });
  assert.equal(signIn(regulator, 'john', 'password'), 'signed in', 'after ban_time the right password works');
});

test('refused attempts are logged with banned = 1 and do not extend the ban', () => {
  const { clock, storage, regulator } = setUp();
  for (let i = 0; i < 3; i++) signIn(regulator, 'john', 'bad');
  for (let i = 0; i < 5; i++) {
    clock.advance(50);
    assert.equal(signIn(regulator, 'john', 'bad'), 'refused');
  }
  clock.advance(50);
  assert.equal(signIn(regulator, 'john', 'password'), 'signed in', 'the ban ended 300 s after the third failure');
  const rows = storage.db.prepare('SELECT successful, banned, username, kind, remote_ip, request_uri, request_method FROM authentication_logs ORDER BY id').all();
  assert.equal(rows.length, 9);
  assert.deepEqual(rows[3], { successful: 0, banned: 1, username: 'john', kind: '1fa', remote_ip: '192.0.2.1', request_uri: '/api/firstfactor', request_method: 'POST' });
  assert.deepEqual(rows[8], { ...(rows[3] as object), successful: 1, banned: 0 });
});

test('failures spread beyond find_time do not ban; the same spacing one second tighter does', () => {
  const spread = setUp();
  for (let i = 0; i < 6; i++) {
    assert.equal(signIn(spread.regulator, 'john', 'bad'), 'wrong', `failure ${i + 1}, 60 s apart`);
    spread.clock.advance(60);
  }
  const tight = setUp();
  signIn(tight.regulator, 'john', 'bad');
  tight.clock.advance(59);
  signIn(tight.regulator, 'john', 'bad');
  tight.clock.advance(60);
  assert.equal(signIn(tight.regulator, 'john', 'bad'), 'wrong');
  assert.equal(tight.regulator.isBanned({ username: 'john' }).banned, true, 'three failures within 119 s');
});

test('a success ends the run of failures before it (Authelia: it does not erase them, it breaks the run)', () => {
  const { regulator } = setUp();
  signIn(regulator, 'john', 'bad');
  signIn(regulator, 'john', 'bad');
  assert.equal(signIn(regulator, 'john', 'password'), 'signed in');
  signIn(regulator, 'john', 'bad');
  signIn(regulator, 'john', 'bad');
  assert.equal(regulator.isBanned({ username: 'john' }).banned, false, 'two failures since the success');
  signIn(regulator, 'john', 'bad');
  assert.equal(regulator.isBanned({ username: 'john' }).banned, true);
});

test('John, JOHN and fullwidth ＪＯＨＮ are one bucket (NFKC plus case folding, as the file backend folds)', () => {
  const { regulator } = setUp({ modes: ['user'] });
  assert.equal(signIn(regulator, 'John', 'bad', '192.0.2.1'), 'wrong');
  assert.equal(signIn(regulator, 'JOHN', 'bad', '192.0.2.2'), 'wrong');
  assert.equal(signIn(regulator, 'ＪＯＨＮ', 'bad', '192.0.2.3'), 'wrong');
  assert.equal(signIn(regulator, 'john', 'password', '192.0.2.4'), 'refused');
  assert.equal(signIn(regulator, 'mary', 'hunter2', '192.0.2.1'), 'signed in', 'modes [user]: the IPs are not banned');
});

test('the IP bucket bans across usernames; IPv4-mapped IPv6 is the same address; other IPs are unaffected', () => {
  const { regulator } = setUp();
  assert.equal(signIn(regulator, 'john', 'bad', '203.0.113.7'), 'wrong');
  assert.equal(signIn(regulator, 'mary', 'bad', '::ffff:203.0.113.7'), 'wrong');
  assert.equal(signIn(regulator, 'nobody', 'bad', '::FFFF:cb00:7107'), 'wrong');
  assert.deepEqual(regulator.isBanned({ username: 'harry', ip: '203.0.113.7' }), { banned: true, retryAfter: 300 });
  assert.equal(signIn(regulator, 'harry', 'quidditch', '203.0.113.7'), 'refused');
  assert.equal(signIn(regulator, 'harry', 'quidditch', '203.0.113.8'), 'signed in');
  assert.equal(signIn(regulator, 'john', 'password', '203.0.113.8'), 'signed in', 'one failure each: no user is banned');
});

test('max_retries 0 (or no modes) disables regulation; attempts are still logged', () => {
  const { storage, regulator } = setUp({ max_retries: 0 });
  assert.equal(regulator.enabled, false);
  for (let i = 0; i < 10; i++) assert.equal(signIn(regulator, 'john', 'bad'), 'wrong');
  assert.equal(signIn(regulator, 'john', 'password'), 'signed in');
  assert.equal((storage.db.prepare('SELECT COUNT(*) AS n FROM authentication_logs').get() as { n: number }).n, 11);
  const none = setUp({ modes: [] });
  for (let i = 0; i < 5; i++) signIn(none.regulator, 'john', 'bad');
  assert.equal(none.regulator.isBanned({ username: 'john', ip: '192.0.2.1' }).banned, false);
});

test('second-factor failures are logged but count only when their kind is regulated', () => {
  const { storage, regulator } = setUp();
  for (let i = 0; i < 5; i++) regulator.recordFailure({ username: 'john', ip: '192.0.2.1', kind: 'totp' });
  assert.equal(regulator.isBanned({ username: 'john', ip: '192.0.2.1' }).banned, false, 'Authelia 4.39 bans on first-factor failures');
  const strict = createRegulator(storage, AUTHELIA_DEFAULTS, { regulatedKinds: ['1fa', 'totp'] });
  for (let i = 0; i < 2; i++) strict.recordFailure({ username: 'mary', ip: '198.51.100.1', kind: 'totp' });
  assert.deepEqual(strict.recordFailure({ username: 'mary', ip: '198.51.100.1', kind: 'totp' }), { banned: true, retryAfter: 300 });
});

test('bans are in SQLite: another connection to the file, or a restart, sees them', () => {
  const path = databasePath(dir);
  const clock = testClock();
  const first = openStorage({ path, encryptionKey: KEY, clock });
  const regulator = createRegulator(first, AUTHELIA_DEFAULTS);
  for (let i = 0; i < 3; i++) signIn(regulator, 'john', 'bad');
  first.close();
  const second = openStorage({ path, encryptionKey: KEY, clock });
  try {
    assert.deepEqual(createRegulator(second, AUTHELIA_DEFAULTS).isBanned({ username: 'JOHN', ip: '192.0.2.200' }), { banned: true, retryAfter: 300 });
  } finally {
    second.close();
  }
});

test('canonicalIP: one spelling per address', () => {
  assert.equal(canonicalIP('192.0.2.1'), '192.0.2.1');
  assert.equal(canonicalIP('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(canonicalIP('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  assert.equal(canonicalIP('fe80::1%eth0'), 'fe80::1%eth0');
  assert.equal(canonicalIP(''), undefined);
  assert.equal(canonicalIP(undefined), undefined);
});
