// `castellan serve` runs with Castellan's V8 heap limits unless the operator chose their own
// (src/cli/heap-limits.ts): the bin script replaces its process with one that has them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { heapFlagsFor, SERVE_HEAP_FLAGS } from '../../src/cli/heap-limits.ts';
import { HASH_THREAD_NICE } from '../../src/crypto/thread-priority.ts';
import { testClient, writeCastellanFiles } from '../helpers/castellan.ts';
import { killChild, spawnCastellan, waitForHealth } from '../helpers/child.ts';

test('only serve gets the heap limits, and only when none were chosen', () => {
  assert.deepEqual(heapFlagsFor(['serve', '--config', 'c.yml'], [], {}), SERVE_HEAP_FLAGS);
  assert.deepEqual(heapFlagsFor(['validate-config'], [], {}), []);
  assert.deepEqual(heapFlagsFor([], [], {}), []);
  assert.deepEqual(heapFlagsFor(['serve'], ['--max-old-space-size=512'], {}), []);
  assert.deepEqual(heapFlagsFor(['serve'], [], { NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=16' }), []);
  assert.deepEqual(heapFlagsFor(['serve'], [], { NODE_OPTIONS: '--enable-source-maps' }), SERVE_HEAP_FLAGS);
  assert.deepEqual(heapFlagsFor(['serve'], [], { X_CASTELLAN_HEAP_LIMITS: 'off' }), []);
});

test('castellan serve replaces its process with one that has the limits (same PID) and low-priority hashing threads', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const files = await writeCastellanFiles({ clients: [testClient('app', 'http://127.0.0.1:7791/cb')] });
  const child = spawnCastellan(['serve', '--config', files.configFile]);
  try {
    await waitForHealth(files.issuer, child);
    const argv = readFileSync(`/proc/${child.process.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of SERVE_HEAP_FLAGS) assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
    assert.equal(argv.filter((a) => a.startsWith('--max-old-space-size')).length, 1);
    // The same process lowered its hashing threads at start (src/crypto/thread-priority.ts).
    const tasks = `/proc/${child.process.pid}/task`;
    const pool = readdirSync(tasks).filter((tid) => readFileSync(`${tasks}/${tid}/comm`, 'utf8').trim() === 'libuv-worker');
    assert.ok(pool.length > 0, 'the thread pool runs');
    for (const tid of pool) assert.equal(getPriority(Number(tid)), HASH_THREAD_NICE, `libuv-worker ${tid}`);
    assert.equal(getPriority(child.process.pid), getPriority(), 'the event loop keeps the priority it was started with');
  } finally {
    await killChild(child);
    await rm(files.directory, { recursive: true, force: true });
  }
});
