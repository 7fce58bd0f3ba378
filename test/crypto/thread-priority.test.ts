// Hashing threads run at a lower priority than the event loop (src/crypto/thread-priority.ts): on
// Linux every libuv thread-pool thread, and each SHA-crypt worker, gets HASH_THREAD_NICE; the main
// thread keeps its own priority.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { test } from 'node:test';
import { currentThreadID, deprioritizeThreadPool, HASH_THREAD_NICE } from '../../src/crypto/thread-priority.ts';
import { generateDigest, parseDigest, verifyDigest } from '../../src/crypto/digest.ts';

const linux = process.platform === 'linux';

function threads(): { tid: number; name: string }[] {
  return readdirSync('/proc/self/task').map((tid) => ({ tid: Number(tid), name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() }));
}

test('the thread pool runs at HASH_THREAD_NICE, the event loop at its own priority', { skip: !linux && 'per-thread priority is Linux-only' }, async () => {
  const before = getPriority(currentThreadID()!);
  const lowered = await deprioritizeThreadPool();
  const pool = threads().filter((t) => t.name === 'libuv-worker');
  assert.ok(pool.length > 0, 'the thread pool was started');
  assert.equal(lowered, pool.length);
  for (const t of pool) assert.equal(getPriority(t.tid), HASH_THREAD_NICE, `thread ${t.tid}`);
  assert.equal(getPriority(currentThreadID()!), before, 'the main thread is untouched');
  assert.notEqual(before, HASH_THREAD_NICE);
  // Hashes still verify on the lowered pool.
  const digest = await generateDigest({ algorithm: 'scrypt' }, 'secret');
  assert.equal(await verifyDigest(parseDigest(digest), 'secret'), true);
});

test('a SHA-crypt worker lowers its own priority', { skip: !linux && 'per-thread priority is Linux-only' }, async () => {
  const known = new Set(threads().map((t) => t.tid));
  const digest = await generateDigest({ algorithm: 'sha2crypt', variant: 'sha512', iterations: 1000 }, 'secret');
  const workers = threads().filter((t) => !known.has(t.tid) && t.name !== 'libuv-worker');
  assert.ok(workers.some((t) => getPriority(t.tid) === HASH_THREAD_NICE), `new threads: ${JSON.stringify(workers.map((t) => [t.name, getPriority(t.tid)]))}`);
  assert.equal(await verifyDigest(parseDigest(digest), 'secret'), true);
});
