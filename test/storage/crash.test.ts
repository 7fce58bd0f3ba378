// Crash safety: a writer SIGKILLed inside a transaction leaves either all of it or none of it, and
// the file passes PRAGMA integrity_check (WAL + synchronous=NORMAL survive a process crash).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStorage, type Storage } from '../../src/storage/database.ts';
import { databasePath, exited, KEY, spawnFixture, temporaryDirectory, waitForLine } from './helpers.ts';

const dir = temporaryDirectory();

function count(storage: Storage, sql: string): number {
  return (storage.db.prepare(sql).get() as { n: number }).n;
}

async function killWhen(path: string, args: readonly string[], accept: (line: string) => boolean): Promise<void> {
  const child = spawnFixture('crash-writer.ts', [path, KEY, ...args]);
  await waitForLine(child, accept);
  child.kill('SIGKILL');
  assert.equal(await exited(child), 'SIGKILL');
}

test('a transaction killed before COMMIT leaves nothing behind', async () => {
  const path = databasePath(dir);
  await killWhen(path, ['open-transaction'], (line) => line === 'inside');
  const storage = openStorage({ path, encryptionKey: KEY });
  try {
    assert.equal(storage.db.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(count(storage, 'SELECT COUNT(*) AS n FROM oidc_payloads'), 0);
  } finally {
    storage.close();
  }
});

test('a writer killed during a stream of commits leaves only whole batches', async () => {
  const path = databasePath(dir);
  const BATCH = 200;
  await killWhen(path, ['commits', String(BATCH)], (line) => line === 'batch 5');
  const storage = openStorage({ path, encryptionKey: KEY });
  try {
    assert.equal(storage.db.pragma('integrity_check', { simple: true }), 'ok');
    const rows = count(storage, 'SELECT COUNT(*) AS n FROM user_opaque_identifier');
    assert.ok(rows >= 5 * BATCH, `${rows} rows`);
    assert.equal(rows % BATCH, 0, `${rows} rows is not a whole number of batches`);
  } finally {
    storage.close();
  }
});
