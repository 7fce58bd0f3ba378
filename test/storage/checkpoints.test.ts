// WAL checkpoints in a worker thread (src/storage/checkpoints.ts): the server's connection stops
// checkpointing, the worker moves the WAL into the database and starts it over once it is large,
// and SQLite's own checkpoints come back when the worker stops or fails.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import type { CheckpointReport } from '../../src/storage/checkpoint-worker.ts';
import { startCheckpointing } from '../../src/storage/checkpoints.ts';
import { createOIDCAdapter } from '../../src/storage/oidc-adapter.ts';
import { openTest, temporaryDirectory } from './helpers.ts';

const dir = temporaryDirectory();

function autocheckpoint(storage: ReturnType<typeof openTest>): number {
  return storage.db.pragma('wal_autocheckpoint', { simple: true }) as number;
}

test('the worker checkpoints and restarts a large WAL; stopping gives checkpoints back to SQLite', async () => {
  const storage = openTest(dir);
  const reports: CheckpointReport[] = [];
  // A small size limit on both connections, so the test can see the WAL file cut back.
  storage.db.pragma('journal_size_limit = 65536');
  const stop = startCheckpointing(storage, { intervalMs: 20, restartFrames: 50, journalSizeLimit: 65536, onReport: (r) => reports.push(r) });
  assert.equal(autocheckpoint(storage), 4096, 'the server connection checkpoints only as a backstop');
  const tokens = new (createOIDCAdapter(storage))('AccessToken');
  for (let round = 0; round < 20 && !reports.some((r) => r.restarted); round++) {
    for (let i = 0; i < 100; i++) await tokens.upsert(randomBytes(16).toString('hex'), { jti: 'x', blob: randomBytes(200).toString('hex') }, 600);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  const restart = reports.find((r) => r.restarted);
  assert.ok(restart, `no restart among ${reports.length} reports`);
  assert.ok(restart.log > 50);
  // After a restart the next commit writes from the WAL's start again: later reports see a short WAL.
  await new Promise((resolve) => setTimeout(resolve, 60));
  await tokens.upsert('after-restart', { jti: 'x' }, 600);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.ok(reports.at(-1)!.log < restart.log, `WAL ${reports.at(-1)!.log} frames after a restart at ${restart.log}`);
  const walBytes = statSync(`${storage.path}-wal`).size;
  assert.ok(walBytes <= 65536, `the WAL file kept ${walBytes} bytes after a restart (limit 65536)`);
  await stop();
  assert.equal(autocheckpoint(storage), 1000);
  assert.equal(storage.db.pragma('integrity_check', { simple: true }), 'ok');
});

test('under commits back to back the WAL stays bounded: the server connection checkpoints past the backstop', async () => {
  const storage = openTest(dir);
  storage.db.pragma('journal_size_limit = 65536');
  // A worker that never restarts the WAL: only the backstop can let it start over.
  const stop = startCheckpointing(storage, { intervalMs: 5, restartFrames: 1e9, backstopFrames: 100, journalSizeLimit: 65536 });
  const tokens = new (createOIDCAdapter(storage))('AccessToken');
  for (let i = 0; i < 3000; i++) await tokens.upsert(randomBytes(16).toString('hex'), { jti: 'x', blob: randomBytes(200).toString('hex') }, 600);
  const walBytes = statSync(`${storage.path}-wal`).size;
  await stop();
  assert.ok(walBytes < 2 * 1024 * 1024, `the WAL grew to ${walBytes} bytes`);
});

test('a worker that cannot run hands checkpoints back to SQLite and says so', async () => {
  const storage = openTest(dir);
  const failed = new Promise<unknown>((resolve) => {
    startCheckpointing({ ...storage, path: `${dir}/does-not-exist/db.sqlite3` }, { onError: resolve });
  });
  const error = await failed;
  assert.ok(error instanceof Error);
  assert.equal(autocheckpoint(storage), 1000);
});
