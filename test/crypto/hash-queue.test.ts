// The password-hash queue: never more than MAX_CONCURRENT_HASHES at once, first come first served,
// and a failed hash frees its slot.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { MAX_CONCURRENT_HASHES, queueHash } from '../../src/crypto/hash-queue.ts';

test('leaves one core to the event loop', () => {
  assert.equal(MAX_CONCURRENT_HASHES, Math.max(1, availableParallelism() - 1));
});

test('runs at most MAX_CONCURRENT_HASHES at once, in arrival order, and survives failures', async () => {
  let active = 0;
  let peak = 0;
  const started: number[] = [];
  const job = (i: number) => async () => {
    started.push(i);
    active++;
    peak = Math.max(peak, active);
    await new Promise((resolve) => setTimeout(resolve, 5));
    active--;
    if (i % 3 === 0) throw new Error(`job ${i} failed`);
    return i;
  };
  const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => queueHash(job(i))));
  assert.equal(peak, MAX_CONCURRENT_HASHES);
  assert.deepEqual(started, Array.from({ length: 12 }, (_, i) => i));
  assert.deepEqual(results.map((r) => r.status), results.map((_, i) => (i % 3 === 0 ? 'rejected' : 'fulfilled')));
  // Every slot came back: a new job starts at once.
  assert.equal(await queueHash(async () => 'free'), 'free');
});
