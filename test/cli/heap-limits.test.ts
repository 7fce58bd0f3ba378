// `castellan serve` runs with Castellan's V8 heap limits unless the operator chose their own
// (src/cli/heap-limits.ts): the bin script replaces its process with one that has them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { heapFlagsFor, SERVE_HEAP_FLAGS } from '../../src/cli/heap-limits.ts';
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

test('castellan serve replaces its process with one that has the limits (same PID)', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const files = await writeCastellanFiles({ clients: [testClient('app', 'http://127.0.0.1:7791/cb')] });
  const child = spawnCastellan(['serve', '--config', files.configFile]);
  try {
    await waitForHealth(files.issuer, child);
    const argv = readFileSync(`/proc/${child.process.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of SERVE_HEAP_FLAGS) assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
    assert.equal(argv.filter((a) => a.startsWith('--max-old-space-size')).length, 1);
  } finally {
    await killChild(child);
    await rm(files.directory, { recursive: true, force: true });
  }
});
