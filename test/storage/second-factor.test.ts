// Storage of the second factor and of regulation (migration 0003): TOTP secrets sealed at rest,
// each time step accepted once even from two connections (RFC 6238 §5.2), preferred methods, the
// authentication log's regulation queries and bans.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret } from 'otpauth';
import { lastBanEnd, recentAttempts, recordAttempt, saveBan } from '../../src/storage/authentication-log.ts';
import { openStorage } from '../../src/storage/database.ts';
import { preferredMethod, setPreferredMethod } from '../../src/storage/preferences.ts';
import { deleteTOTP, findTOTP, listTOTP, markTOTPStepUsed, saveTOTP, type TOTPSecretParameters } from '../../src/storage/totp.ts';
import { databasePath, fileBytes, KEY, openTest, temporaryDirectory, testClock } from './helpers.ts';

const dir = temporaryDirectory();

const PARAMETERS: TOTPSecretParameters = { issuer: 'Castellan', algorithm: 'SHA1', digits: 6, period: 30, secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' };

test('a TOTP configuration round-trips with its secret decrypted, and an existing one is kept unless replaced', () => {
  const storage = openTest(dir);
  assert.equal(findTOTP(storage, 'john'), undefined);
  assert.equal(saveTOTP(storage, 'john', PARAMETERS), true);
  const saved = findTOTP(storage, 'john');
  assert.deepEqual(saved, { username: 'john', ...PARAMETERS, createdAt: storage.now(), lastUsedAt: null });

  assert.equal(saveTOTP(storage, 'john', { ...PARAMETERS, secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' }), false, 'kept');
  assert.equal(findTOTP(storage, 'john')?.secret, PARAMETERS.secret);
  assert.equal(saveTOTP(storage, 'john', { ...PARAMETERS, algorithm: 'SHA512', digits: 8, secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' }, { replace: true }), true);
  assert.deepEqual(findTOTP(storage, 'john'), { username: 'john', ...PARAMETERS, algorithm: 'SHA512', digits: 8, secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', createdAt: storage.now(), lastUsedAt: null });
});

test('the secret is encrypted at rest: neither the database nor its WAL holds the base32 text or its bytes', () => {
  const path = databasePath(dir);
  const storage = openStorage({ path, encryptionKey: KEY });
  saveTOTP(storage, 'john', PARAMETERS);
  storage.db.pragma('wal_checkpoint(PASSIVE)');
  const raw = fileBytes(path);
  storage.close();
  assert.equal(raw.includes(Buffer.from(PARAMETERS.secret)), false);
  assert.equal(raw.includes(Buffer.from(PARAMETERS.secret.toLowerCase())), false);
  assert.equal(raw.includes(Buffer.from(Secret.fromBase32(PARAMETERS.secret).bytes)), false);
  assert.equal(raw.includes(Buffer.from('Castellan')), true, 'the file was read (the issuer is stored in the clear)');
});

test('delete and list: list is by username with secrets decrypted; delete says whether there was one', () => {
  const storage = openTest(dir);
  saveTOTP(storage, 'mary', { ...PARAMETERS, secret: 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U' });
  saveTOTP(storage, 'harry', PARAMETERS);
  assert.deepEqual(listTOTP(storage).map((c) => [c.username, c.secret]), [['harry', PARAMETERS.secret], ['mary', 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U']]);
  assert.equal(deleteTOTP(storage, 'harry'), true);
  assert.equal(deleteTOTP(storage, 'harry'), false);
  assert.deepEqual(listTOTP(storage).map((c) => c.username), ['mary']);
});

test('a time step is accepted once per user, also through a second connection to the same file (RFC 6238 §5.2)', () => {
  const path = databasePath(dir);
  const clock = testClock();
  const first = openStorage({ path, encryptionKey: KEY, clock });
  const second = openStorage({ path, encryptionKey: KEY, clock });
  try {
    saveTOTP(first, 'john', PARAMETERS);
    assert.equal(markTOTPStepUsed(first, 'john', 1000), true);
    assert.equal(markTOTPStepUsed(second, 'john', 1000), false, 'replayed from another connection');
    assert.equal(markTOTPStepUsed(first, 'john', 1000), false);
    assert.equal(markTOTPStepUsed(second, 'harry', 1000), true, 'steps are per user');
    assert.equal(markTOTPStepUsed(second, 'john', 1001), true);
    assert.equal(findTOTP(second, 'john')?.lastUsedAt, first.now());
  } finally {
    first.close();
    second.close();
  }
});

test('history older than the retained steps is pruned; replacing or deleting a configuration forgets it', () => {
  const storage = openTest(dir);
  saveTOTP(storage, 'john', PARAMETERS);
  const steps = (): number[] => (storage.db.prepare('SELECT step FROM totp_history WHERE username = ? ORDER BY step').all('john') as { step: number }[]).map((r) => r.step);
  markTOTPStepUsed(storage, 'john', 100, 4);
  markTOTPStepUsed(storage, 'john', 102, 4);
  markTOTPStepUsed(storage, 'john', 105, 4);
  assert.deepEqual(steps(), [102, 105], '100 < 105 - 4 is gone');
  saveTOTP(storage, 'john', PARAMETERS, { replace: true });
  assert.deepEqual(steps(), []);
  markTOTPStepUsed(storage, 'john', 106);
  deleteTOTP(storage, 'john');
  assert.deepEqual(steps(), []);
  assert.throws(() => markTOTPStepUsed(storage, 'john', -1), { name: 'StorageError', code: 'INVALID_INPUT' });
});

test('the preferred second-factor method is stored per user and only totp or webauthn', () => {
  const storage = openTest(dir);
  assert.equal(preferredMethod(storage, 'john'), undefined);
  setPreferredMethod(storage, 'john', 'webauthn');
  setPreferredMethod(storage, 'harry', 'totp');
  setPreferredMethod(storage, 'john', 'totp');
  assert.equal(preferredMethod(storage, 'john'), 'totp');
  assert.equal(preferredMethod(storage, 'harry'), 'totp');
  assert.throws(() => setPreferredMethod(storage, 'john', 'mobile_push' as 'totp'), { name: 'StorageError', code: 'INVALID_INPUT' });
});

test('recent attempts: newest first, by username or IP, of the given kinds, after `since`, banned ones left out', () => {
  const clock = testClock();
  const storage = openTest(dir, { clock });
  const t0 = storage.now();
  recordAttempt(storage, { username: 'john', kind: '1fa', successful: false, banned: false, remoteIP: '192.0.2.1', requestURI: '/api/firstfactor', requestMethod: 'POST' });
  clock.advance(10);
  recordAttempt(storage, { username: 'john', kind: 'totp', successful: false, banned: false, remoteIP: '192.0.2.1' });
  recordAttempt(storage, { username: 'john', kind: '1fa', successful: false, banned: true, remoteIP: '192.0.2.1' });
  clock.advance(10);
  recordAttempt(storage, { username: 'mary', kind: '1fa', successful: true, banned: false, remoteIP: '192.0.2.1' });
  recordAttempt(storage, { username: 'john', kind: '1fa', successful: true, banned: false });

  const byUser = recentAttempts(storage, { bucket: 'user', value: 'john', since: t0 - 1, kinds: ['1fa'], limit: 10 });
  assert.deepEqual(byUser, [{ time: t0 + 20, successful: true }, { time: t0, successful: false }]);
  const byIP = recentAttempts(storage, { bucket: 'ip', value: '192.0.2.1', since: t0 - 1, kinds: ['1fa', 'totp'], limit: 10 });
  assert.deepEqual(byIP, [{ time: t0 + 20, successful: true }, { time: t0 + 10, successful: false }, { time: t0, successful: false }]);
  assert.equal(recentAttempts(storage, { bucket: 'ip', value: '192.0.2.1', since: t0, kinds: ['1fa', 'totp'], limit: 10 }).length, 2, 'since is exclusive');
  assert.equal(recentAttempts(storage, { bucket: 'ip', value: '192.0.2.1', since: t0 - 1, kinds: ['1fa', 'totp'], limit: 1 }).length, 1);
  const row = storage.db.prepare('SELECT request_uri, request_method, banned FROM authentication_logs ORDER BY id LIMIT 1').get();
  assert.deepEqual(row, { request_uri: '/api/firstfactor', request_method: 'POST', banned: 0 });
});

test('lastBanEnd is the latest unexpired ban of that bucket and value', () => {
  const clock = testClock();
  const storage = openTest(dir, { clock });
  const now = storage.now();
  assert.equal(lastBanEnd(storage, 'user', 'john'), undefined);
  saveBan(storage, 'user', 'john', now + 300);
  saveBan(storage, 'user', 'john', now + 100);
  saveBan(storage, 'ip', '192.0.2.1', now + 500);
  assert.equal(lastBanEnd(storage, 'user', 'john'), now + 300);
  assert.equal(lastBanEnd(storage, 'ip', 'john'), undefined);
  clock.advance(300);
  assert.equal(lastBanEnd(storage, 'user', 'john'), undefined, 'a ban ends at expires_at');
  assert.equal(lastBanEnd(storage, 'ip', '192.0.2.1'), now + 500);
});
