// The oidc-provider adapter against real SQLite files: the contract of example/my_adapter.js, expiry on
// read, atomic consume (RFC 9700 §4.5 / RFC 6749 §4.1.2: a code is used at most once, also under
// concurrent redemption), grant-wide revocation, ids stored only as hashes, and purging.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Provider } from 'oidc-provider';
import { openStorage } from '../../src/storage/database.ts';
import { commitPendingWrites, createOIDCAdapter, purgeExpired, startPurging } from '../../src/storage/oidc-adapter.ts';
import { databasePath, exited, fileBytes, KEY, openTest, spawnFixture, temporaryDirectory, testClock, waitForLine } from './helpers.ts';

const dir = temporaryDirectory();

function setup(options: { clockTolerance?: number } = {}) {
  const clock = testClock();
  const storage = openTest(dir, { clock });
  const Adapter = createOIDCAdapter(storage, options);
  return { clock, storage, Adapter };
}

function rowCount(storage: ReturnType<typeof setup>['storage']): number {
  return (storage.db.prepare('SELECT COUNT(*) AS n FROM oidc_payloads').get() as { n: number }).n;
}

const RICH_PAYLOAD = {
  jti: 'AT-4pQzN0b9s6Xx3g1wq8Jm2yHk5LrT7eVd0cFa1BuIo',
  kind: 'AccessToken',
  iat: 1800000000,
  exp: 1800003600,
  accountId: '8121df42-57ca-43c4-9daf-acacd7b023bb',
  clientId: 'kasm',
  grantId: 'G-1',
  aud: ['kasm', 'https://api.example.com'],
  scope: 'openid profile groups email',
  claims: { id_token: { email: { essential: true }, name: null }, rejected: ['phone'] },
  extra: { 'ünïcödé': 'value ✓ \u2028 "quoted" \\ back', nested: [1, 2.5, -3, true, false, null, { deep: [] }] },
  expiresWithSession: false,
  gty: 'authorization_code',
};

test('upsert then find returns exactly the payload that was stored (JSON round trip)', async () => {
  const { Adapter } = setup();
  const tokens = new Adapter('AccessToken');
  await tokens.upsert(RICH_PAYLOAD.jti, structuredClone(RICH_PAYLOAD), 3600);
  assert.deepEqual(await tokens.find(RICH_PAYLOAD.jti), RICH_PAYLOAD);
  assert.equal(await tokens.find('not-stored'), undefined);
});

test('payloads without jti (Client) or with a jti other than the id keep their shape', async () => {
  const { Adapter } = setup();
  const clients = new Adapter('Client');
  const metadata = { client_id: 'kasm', redirect_uris: ['https://kasm.example.com/api/oidc_callback'] };
  await clients.upsert('kasm', metadata);
  assert.deepEqual(await clients.find('kasm'), metadata);
  const other = new Adapter('ReplayDetection');
  await other.upsert('id-1', { jti: 'not-the-id', iss: 'x' }, 60);
  assert.deepEqual(await other.find('id-1'), { jti: 'not-the-id', iss: 'x' });
});

test('models are separate namespaces; upsert replaces the whole row', async () => {
  const { Adapter } = setup();
  const codes = new Adapter('AuthorizationCode');
  const tokens = new Adapter('AccessToken');
  await codes.upsert('same-id', { jti: 'same-id', grantId: 'G-old', scope: 'openid' }, 60);
  await tokens.upsert('same-id', { jti: 'same-id', scope: 'token' }, 60);
  await codes.upsert('same-id', { jti: 'same-id', grantId: 'G-new', nonce: 'n' }, 60);
  assert.deepEqual(await codes.find('same-id'), { jti: 'same-id', grantId: 'G-new', nonce: 'n' });
  assert.deepEqual(await tokens.find('same-id'), { jti: 'same-id', scope: 'token' });
  await codes.revokeByGrantId('G-old');
  assert.ok(await codes.find('same-id'), 'the replaced grant id no longer points at the row');
});

test('expiry is honoured on every read, with clockTolerance added', async () => {
  const { clock, Adapter } = setup();
  const sessions = new Adapter('Session');
  const devices = new Adapter('DeviceCode');
  await sessions.upsert('S-1', { jti: 'S-1', uid: 'uid-1', kind: 'Session' }, 60);
  await devices.upsert('D-1', { jti: 'D-1', userCode: 'ABCD-EFGH' }, 60);
  clock.advance(59);
  assert.ok(await sessions.find('S-1'));
  assert.ok(await sessions.findByUid('uid-1'));
  assert.ok(await devices.findByUserCode('ABCD-EFGH'));
  clock.advance(1);
  assert.equal(await sessions.find('S-1'), undefined);
  assert.equal(await sessions.findByUid('uid-1'), undefined);
  assert.equal(await devices.findByUserCode('ABCD-EFGH'), undefined);

  const tolerant = setup({ clockTolerance: 15 });
  const tokens = new tolerant.Adapter('AccessToken');
  await tokens.upsert('T', { jti: 'T' }, 60);
  tolerant.clock.advance(74);
  assert.ok(await tokens.find('T'));
  tolerant.clock.advance(1);
  assert.equal(await tokens.find('T'), undefined);

  const grants = new tolerant.Adapter('Grant');
  await grants.upsert('G', { jti: 'G', accountId: 'a' });
  tolerant.clock.advance(10 * 365 * 24 * 3600);
  assert.ok(await grants.find('G'), 'no expiresIn: kept until destroyed');
});

test('consume marks the payload consumed; a second consume is refused', async () => {
  const { clock, Adapter } = setup();
  const codes = new Adapter('AuthorizationCode');
  await codes.upsert('C-1', { jti: 'C-1', grantId: 'G' }, 60);
  clock.advance(5);
  await codes.consume('C-1');
  assert.deepEqual(await codes.find('C-1'), { jti: 'C-1', grantId: 'G', consumed: Math.floor(clock() / 1000) });
  await assert.rejects(codes.consume('C-1'), { name: 'StorageError', code: 'ALREADY_CONSUMED' });
  await assert.rejects(codes.consume('never-stored'), { code: 'ALREADY_CONSUMED' });
  await codes.upsert('C-2', { jti: 'C-2', consumed: true }, 60);
  assert.deepEqual(await codes.find('C-2'), { jti: 'C-2', consumed: true }, 'a consumed payload stays consumed when saved again');
  await assert.rejects(codes.consume('C-2'), { code: 'ALREADY_CONSUMED' });
});

test('two handles on one file: both see the code unconsumed, exactly one consume wins', async () => {
  const path = databasePath(dir);
  const first = openStorage({ path, encryptionKey: KEY });
  const second = openStorage({ path, encryptionKey: KEY });
  try {
    const a = new (createOIDCAdapter(first))('AuthorizationCode');
    const b = new (createOIDCAdapter(second))('AuthorizationCode');
    await a.upsert('race', { jti: 'race', grantId: 'G' }, 60);
    const [seenByA, seenByB] = await Promise.all([a.find('race'), b.find('race')]);
    assert.equal(seenByA?.consumed, undefined);
    assert.equal(seenByB?.consumed, undefined);
    const outcomes = await Promise.allSettled([a.consume('race'), b.consume('race')]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
  } finally {
    first.close();
    second.close();
  }
});

test('four processes redeeming the same 150 codes at once: every code is won exactly once', async () => {
  const path = databasePath(dir);
  const goFile = join(dir, `go-${Date.now()}`);
  const storage = openStorage({ path, encryptionKey: KEY });
  const codes = new (createOIDCAdapter(storage))('AuthorizationCode');
  const COUNT = 150;
  for (let i = 0; i < COUNT; i++) await codes.upsert(`code-${i}`, { jti: `code-${i}`, grantId: `G-${i}` }, 600);
  storage.close();

  const children = Array.from({ length: 4 }, () => spawnFixture('consume-racer.ts', [path, KEY, goFile, String(COUNT)]));
  await Promise.all(children.map((child) => waitForLine(child, (line) => line === 'ready')));
  const results = children.map((child) => waitForLine(child, (line) => line.startsWith('[')));
  writeFileSync(goFile, '');
  const won = (await Promise.all(results)).flatMap((line) => JSON.parse(line) as string[]);
  assert.deepEqual(await Promise.all(children.map(exited)), [0, 0, 0, 0]);
  assert.equal(won.length, COUNT);
  assert.equal(new Set(won).size, COUNT);
});

test('findByUid and findByUserCode return the payload with its id, scoped to the model', async () => {
  const { Adapter } = setup();
  const sessions = new Adapter('Session');
  const interactions = new Adapter('Interaction');
  const devices = new Adapter('DeviceCode');
  await sessions.upsert('cookie-1', { jti: 'cookie-1', uid: 'U', kind: 'Session', accountId: 'sub' }, 600);
  await interactions.upsert('I-1', { jti: 'I-1', uid: 'U2', kind: 'Interaction' }, 600);
  await devices.upsert('DC-1', { jti: 'DC-1', userCode: 'WDJB-MJHT', params: { scope: 'openid' } }, 600);
  assert.deepEqual(await sessions.findByUid('U'), { jti: 'cookie-1', uid: 'U', kind: 'Session', accountId: 'sub' });
  assert.deepEqual(await devices.findByUserCode('WDJB-MJHT'), { jti: 'DC-1', userCode: 'WDJB-MJHT', params: { scope: 'openid' } });
  assert.equal(await sessions.findByUid('U2'), undefined, 'an Interaction uid is not a Session uid');
  assert.equal(await interactions.findByUserCode('WDJB-MJHT'), undefined);

  // Session id rotation: the new row is saved before the old one is destroyed.
  await sessions.upsert('cookie-2', { jti: 'cookie-2', uid: 'U', kind: 'Session', accountId: 'sub' }, 600);
  assert.equal((await sessions.findByUid('U'))?.jti, 'cookie-2');
  await sessions.destroy('cookie-1');
  assert.equal((await sessions.findByUid('U'))?.jti, 'cookie-2');
});

test('a uid is unique per model: a newer row with the same uid replaces the older one (migration 0006)', async () => {
  const { storage, Adapter } = setup();
  const sessions = new Adapter('Session');
  await sessions.upsert('old-id', { jti: 'old-id', uid: 'U', kind: 'Session' }, 600);
  await sessions.upsert('other', { jti: 'other', uid: 'V', kind: 'Session' }, 600);
  await sessions.upsert('new-id', { jti: 'new-id', uid: 'U', kind: 'Session' }, 600);
  assert.equal((await sessions.findByUid('U'))?.jti, 'new-id');
  assert.equal(await sessions.find('old-id'), undefined);
  assert.equal((await sessions.findByUid('V'))?.jti, 'other');
  assert.equal(rowCount(storage), 2);
  // The lookup is one index search, with no sort.
  const plan = storage.db.prepare(`EXPLAIN QUERY PLAN SELECT payload FROM oidc_payloads WHERE model = 'Session' AND uid = 'U' AND (expires_at IS NULL OR expires_at > 0)`).all() as { detail: string }[];
  assert.deepEqual(plan.map((row) => row.detail), ['SEARCH oidc_payloads USING INDEX oidc_payloads_uid (model=? AND uid=?)']);
});

test('revokeByGrantId removes every code and token of the grant, and nothing else', async () => {
  const { storage, Adapter } = setup();
  const models = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'];
  for (const model of models) {
    const adapter = new Adapter(model);
    await adapter.upsert(`${model}-g1`, { jti: `${model}-g1`, grantId: 'g1' }, 600);
    await adapter.upsert(`${model}-g2`, { jti: `${model}-g2`, grantId: 'g2' }, 600);
  }
  const interactions = new Adapter('Interaction');
  await interactions.upsert('I-g1', { jti: 'I-g1', grantId: 'g1' }, 600);
  const grants = new Adapter('Grant');
  await grants.upsert('g1', { jti: 'g1', accountId: 'a', clientId: 'c' }, 600);
  const before = rowCount(storage);

  await new Adapter('RefreshToken').revokeByGrantId('g1');
  for (const model of models) {
    assert.equal(await new Adapter(model).find(`${model}-g1`), undefined, model);
    assert.ok(await new Adapter(model).find(`${model}-g2`), model);
  }
  assert.ok(await interactions.find('I-g1'), 'an Interaction naming the grant is not one of its tokens');
  assert.ok(await grants.find('g1'), 'the Grant itself is destroyed by oidc-provider separately');
  assert.equal(rowCount(storage), before - models.length);
});

test('destroy removes one row of one model', async () => {
  const { storage, Adapter } = setup();
  const tokens = new Adapter('AccessToken');
  await tokens.upsert('A', { jti: 'A' }, 60);
  await tokens.upsert('B', { jti: 'B' }, 60);
  await new Adapter('RefreshToken').upsert('A', { jti: 'A' }, 60);
  await tokens.destroy('A');
  await tokens.destroy('never-stored');
  assert.equal(await tokens.find('A'), undefined);
  assert.ok(await tokens.find('B'));
  assert.ok(await new Adapter('RefreshToken').find('A'));
  assert.equal(rowCount(storage), 2);
});

test('ids are stored only as hashes (or sealed): the file holds no usable token, code or session id', async () => {
  const path = databasePath(dir);
  const storage = openStorage({ path, encryptionKey: KEY });
  const Adapter = createOIDCAdapter(storage);
  const ids = {
    AccessToken: 'AT_secret_value_Zx81Lk2mQ9wP0vR7tY3uI6oE4aS5dF1gH',
    RefreshToken: 'RT_secret_value_Zx81Lk2mQ9wP0vR7tY3uI6oE4aS5dF1gH',
    AuthorizationCode: 'AC_secret_value_Zx81Lk2mQ9wP0vR7tY3uI6oE4aS5dF1gH',
    ClientCredentials: 'CC_secret_value_Zx81Lk2mQ9wP0vR7tY3uI6oE4aS5dF1gH',
    DeviceCode: 'DC_secret_value_Zx81Lk2mQ9wP0vR7tY3uI6oE4aS5dF1gH',
    Session: 'SE_secret_value_Zx81Lk2mQ9wP0vR7tY3uI6oE4aS5dF1gH',
  };
  for (const [model, id] of Object.entries(ids)) {
    await new Adapter(model).upsert(id, { jti: id, uid: model === 'Session' ? 'session-uid' : undefined, userCode: model === 'DeviceCode' ? 'USER-CODE' : undefined }, 600);
  }
  const bytes = fileBytes(path).toString('latin1');
  for (const [model, id] of Object.entries(ids)) {
    assert.ok(!bytes.includes(id), `${model} id found in the database file`);
    assert.equal((await new Adapter(model).find(id))?.jti, id);
  }
  storage.close();
});

test('purgeExpired deletes expired rows in batches and keeps the rest', async () => {
  const { clock, storage, Adapter } = setup();
  const tokens = new Adapter('AccessToken');
  storage.db.transaction(() => {
    // upsert does all its work before its first await, so every row lands in this one transaction.
    for (let i = 0; i < 1234; i++) void tokens.upsert(`old-${i}`, { jti: `old-${i}` }, 60);
  })();
  for (let i = 0; i < 5; i++) await tokens.upsert(`live-${i}`, { jti: `live-${i}` }, 3600);
  await new Adapter('Grant').upsert('forever', { jti: 'forever' });
  clock.advance(61);
  // Between batches the purge yields: a request arriving meanwhile is served before it ends.
  let servedDuringPurge = false;
  const purging = purgeExpired(storage);
  setImmediate(() => {
    servedDuringPurge = rowCount(storage) > 6;
  });
  assert.equal(await purging, 1234);
  assert.ok(servedDuringPurge, 'the event loop ran while expired rows were still being deleted');
  assert.equal(rowCount(storage), 6);
  assert.equal(await purgeExpired(storage), 0);
});

test('startPurging purges on an interval until stopped', async () => {
  const { clock, storage, Adapter } = setup();
  const tokens = new Adapter('AccessToken');
  await tokens.upsert('old', { jti: 'old' }, 1);
  clock.advance(2);
  const stop = startPurging(storage, 5);
  try {
    for (let i = 0; i < 200 && rowCount(storage) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(rowCount(storage), 0);
  } finally {
    stop();
  }
  await tokens.upsert('after-stop', { jti: 'after-stop' }, 1);
  clock.advance(2);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(rowCount(storage), 1);
});

test('oidc-provider itself saves, finds and consumes through the adapter', async () => {
  const { storage } = setup();
  const provider = new Provider('https://auth.example.com', {
    adapter: createOIDCAdapter(storage),
    clients: [{ client_id: 'kasm', client_secret: 'secret', redirect_uris: ['https://kasm.example.com/api/oidc_callback'], id_token_signed_response_alg: 'ES256' }],
    features: { deviceFlow: { enabled: true }, devInteractions: { enabled: false } },
    jwks: { keys: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })] },
    ttl: { Grant: 600, DeviceCode: 600 },
  });
  const client = await provider.Client.find('kasm');
  assert.ok(client);
  const grant = new provider.Grant({ accountId: 'sub-1', clientId: 'kasm' });
  grant.addOIDCScope('openid');
  const grantId = await grant.save();
  const code = new provider.AuthorizationCode({ accountId: 'sub-1', client, grantId, gty: 'authorization_code', scope: 'openid', redirectUri: 'https://kasm.example.com/api/oidc_callback' });
  const value = await code.save();
  const found = await provider.AuthorizationCode.find(value);
  assert.equal(found?.accountId, 'sub-1');
  // @types/oidc-provider does not declare `consumed` on the model; oidc-provider reads it from the payload.
  const consumed = (model: unknown): unknown => (model as { consumed?: unknown }).consumed;
  assert.equal(consumed(found), undefined);
  await found!.consume();
  assert.ok(consumed(await provider.AuthorizationCode.find(value)));
  assert.equal((await provider.Grant.find(grantId))?.accountId, 'sub-1');

  const device = new provider.DeviceCode({ client, grantId, userCode: 'BCDF-GHJK', deviceInfo: {}, params: { client_id: 'kasm', scope: 'openid' } });
  const deviceValue = await device.save();
  assert.equal((await provider.DeviceCode.findByUserCode('BCDF-GHJK'))?.jti, deviceValue);
});

test('upserts of one event-loop turn are committed together: each resolves once committed, a read sees them at once, a bad row fails alone', async () => {
  const { storage, Adapter } = setup();
  const tokens = new Adapter('AccessToken');
  const sessions = new Adapter('Session');
  const other = openStorage({ path: storage.path, encryptionKey: KEY });
  const visibleElsewhere = (): number => (other.db.prepare('SELECT COUNT(*) AS n FROM oidc_payloads').get() as { n: number }).n;
  const before = visibleElsewhere();
  const writes = [tokens.upsert('batched-1', { jti: 'batched-1', kind: 'AccessToken', clientId: 'kasm' }, 60), sessions.upsert('batched-2', { jti: 'batched-2', kind: 'Session', uid: 'batched-uid' }, 60)];
  // Not committed yet: another connection (another process) sees neither row.
  assert.equal(visibleElsewhere(), before);
  // A read of another row leaves the batch queued; one of a queued row commits it first, so it never misses an earlier write.
  assert.equal(await tokens.find('unrelated'), undefined);
  assert.equal(visibleElsewhere(), before);
  assert.equal((await sessions.findByUid('batched-uid'))?.jti, 'batched-2');
  assert.equal(visibleElsewhere(), before + 2);
  await Promise.all(writes);
  // A queued session with the same uid replaces the stored one: finding the old id answers as after that commit.
  const replacing = sessions.upsert('batched-3', { jti: 'batched-3', kind: 'Session', uid: 'batched-uid' }, 60);
  assert.equal(await sessions.find('batched-2'), undefined);
  assert.equal((await sessions.find('batched-3'))?.jti, 'batched-3');
  await replacing;

  // A row the database refuses fails its own upsert only; the rest of the turn's rows are committed.
  storage.db.exec(`CREATE TEMP TRIGGER poison BEFORE INSERT ON oidc_payloads WHEN NEW.model = 'Poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END`);
  const poisoned = new Adapter('Poison');
  const results = await Promise.allSettled([
    tokens.upsert('kept-1', { jti: 'kept-1', kind: 'AccessToken', clientId: 'kasm' }, 60),
    poisoned.upsert('refused', { jti: 'refused', kind: 'Poison' }, 60),
    tokens.upsert('kept-2', { jti: 'kept-2', kind: 'AccessToken', clientId: 'kasm' }, 60),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[1] as PromiseRejectedResult).reason), /poisoned/);
  assert.equal((await tokens.find('kept-1'))?.jti, 'kept-1');
  assert.equal((await tokens.find('kept-2'))?.jti, 'kept-2');
  assert.equal(await poisoned.find('refused'), undefined);
  other.close();
  storage.close();
});

test('a queued write is committed before a destroy or consume of its row, and by commitPendingWrites before closing', async () => {
  const { storage, Adapter } = setup();
  const codes = new Adapter('AuthorizationCode');
  const queued = codes.upsert('queued-code', { jti: 'queued-code', kind: 'AuthorizationCode', clientId: 'kasm' }, 60);
  await codes.consume('queued-code');
  await queued;
  assert.equal(typeof (await codes.find('queued-code'))?.consumed, 'number');
  const doomed = codes.upsert('doomed', { jti: 'doomed', kind: 'AuthorizationCode', clientId: 'kasm' }, 60);
  await codes.destroy('doomed');
  await doomed;
  // Committed, then deleted: the queued write does not bring it back.
  assert.equal(await codes.find('doomed'), undefined);
  const last = codes.upsert('at-close', { jti: 'at-close', kind: 'AuthorizationCode', clientId: 'kasm' }, 60);
  commitPendingWrites(storage);
  storage.close();
  await last;
  const reopened = openStorage({ path: storage.path, encryptionKey: KEY });
  assert.equal(((reopened.db.prepare("SELECT COUNT(*) AS n FROM oidc_payloads WHERE model = 'AuthorizationCode'").get()) as { n: number }).n, 2);
  reopened.close();
});
