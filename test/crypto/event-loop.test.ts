// Hashing never blocks the event loop: SHA-crypt runs in worker threads, everything else in native
// async bindings. One test watches the loop during a 500000-round verify; one scans src/ for
// synchronous hashing calls.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDigest, verifyDigest } from '../../src/crypto/digest.ts';

const SRC = new URL('../../src/', import.meta.url).pathname;
const SLOW_DIGEST = '$6$rounds=500000$jgiCMRyGXzoqpxS3$w2pJeZnnH8bwW3zzvoMWtTRfQYsHbWbD/hquuQ5vUeIyl9gdwBIt6RWk2S6afBA0DPakbeWgD/4SZPiS0hYtU/';
const SYNC_HASHING = /\b(pbkdf2Sync|scryptSync|hashSync|verifySync|hashRawSync|compareSync|genSaltSync)\s*\(/;

test('the event loop keeps ticking during a 500000-round sha2crypt verify', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const order: string[] = [];
    // A blocking implementation would settle before a setImmediate scheduled right after the call.
    const verifying = verifyDigest(parseDigest(SLOW_DIGEST), 'password').then((match) => { order.push('verify'); return match; });
    const immediate = new Promise((resolve) => setImmediate(resolve)).then(() => order.push('immediate'));
    const [match] = await Promise.all([verifying, immediate]);
    assert.equal(match, true);
    assert.deepEqual(order, ['immediate', 'verify']);
    assert.ok(ticks >= 2, `interval ran ${ticks} times while verifying`);
  } finally {
    clearInterval(timer);
  }
});

test('concurrent sha2crypt verifications all resolve correctly', async () => {
  const digest = parseDigest('$5$rounds=5000$abcdefgh$' + 'x'.repeat(43));
  const real = parseDigest('$6$rounds=50000$abcdefghijklmnop$L9iAh6cRPe9IFr.T6pk/jt8jwo.VpmPE56PeFbY2AwmtFBgfY9d/hDR3AtWGfaeysg5gyLwhpCoYFDy2r0NK9.');
  const results = await Promise.all([...Array(6).keys()].map((i) => verifyDigest(i % 2 ? digest : real, 'insecure_secret')));
  assert.deepEqual(results, [true, false, true, false, true, false]);
});

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : [join(dir, e.name)])));
  return nested.flat().filter((f) => f.endsWith('.ts'));
}

test('src/ contains no synchronous hashing call', async () => {
  const offenders: string[] = [];
  for (const file of await sourceFiles(SRC)) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => { if (SYNC_HASHING.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`); });
  }
  assert.deepEqual(offenders, []);
});

test('the SHA-crypt round loop lives only in the worker module', async () => {
  const loops = [];
  for (const file of await sourceFiles(join(SRC, 'crypto'))) {
    const text = await readFile(file, 'utf8');
    if (/for \(let i = 0; i < rounds/.test(text)) loops.push(file.slice(SRC.length));
  }
  assert.deepEqual(loops, ['crypto/sha2crypt-worker.ts']);
});
