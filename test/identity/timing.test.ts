// The first-factor timing pad (Authelia's timing_attack_delay.go; ASVS 6.3.8: valid users must not
// be deducible from response times). Delays are asserted on a fake clock and a recording sleep, so
// nothing depends on how busy the machine is; one test uses real timers with a tiny seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTimingPad, type TimingPadOptions } from '../../src/identity/timing.ts';

interface Harness {
  /** Milliseconds of fake time. */
  now: number;
  readonly waits: number[];
  readonly options: TimingPadOptions;
}

/** A fake monotonic clock that the recorded sleeps advance; jitter fixed at `jitter`. */
function harness(options: TimingPadOptions = {}, jitter = 0): Harness {
  const h: Harness = {
    now: 0,
    waits: [],
    options: {
      seedMs: 1000,
      minimumMs: 250,
      jitterMs: 85,
      ...options,
      clock: () => h.now,
      sleep: async (ms) => {
        h.waits.push(ms);
        h.now += ms;
      },
      random: (max) => Math.min(jitter, max - 1),
    },
  };
  return h;
}

/** Work that takes `ms` of fake time and returns `value`. */
function work<T>(h: Harness, ms: number, value: T): () => Promise<T> {
  return async () => {
    h.now += ms;
    return value;
  };
}

test('a fast failure is padded to the seeded average; the total is at least max(average, minimum)', async () => {
  const h = harness();
  const pad = createTimingPad(h.options);
  const started = h.now;
  assert.equal(await pad.run(work(h, 3, undefined)), undefined);
  assert.deepEqual(h.waits, [997]);
  assert.equal(h.now - started, 1000);
});

test('the average learns only from successes, over the last `history` of them', async () => {
  const h = harness({ history: 4, seedMs: 400 });
  const pad = createTimingPad(h.options);
  await pad.run(work(h, 100, { user: 'john' }));
  assert.equal(pad.average(), Math.floor((400 * 3 + 100) / 4));
  await pad.run(work(h, 5, undefined));
  await pad.run(work(h, 5, false));
  assert.equal(pad.average(), 325, 'failures do not lower the average');
  for (let i = 0; i < 4; i++) await pad.run(work(h, 300, true));
  assert.equal(pad.average(), 300, 'the seed has left the window');
  const started = h.now;
  await pad.run(work(h, 1, undefined));
  assert.equal(h.now - started, 300, 'an unknown user now looks like a 300 ms digest check');
});

test('every padded duration is at least the average (or the minimum) plus the jitter drawn', async () => {
  for (const jitter of [0, 40, 85]) {
    const h = harness({ seedMs: 120, minimumMs: 250 }, jitter);
    const pad = createTimingPad(h.options);
    for (const [elapsed, value] of [[1, undefined], [180, 'ok'], [600, 'ok'], [20, undefined], [260, 'ok']] as const) {
      const floor = Math.max(pad.average(), 250);
      const started = h.now;
      await pad.run(work(h, elapsed, value));
      assert.ok(h.now - started >= Math.max(floor + jitter, elapsed + 1), `jitter ${jitter}, elapsed ${elapsed}: ${h.now - started} ms`);
    }
  }
});

test('slower-than-average work still waits at least 1 ms, as Authelia does', async () => {
  const h = harness({ seedMs: 10, minimumMs: 10, jitterMs: 0 });
  const pad = createTimingPad(h.options);
  await pad.run(work(h, 50, undefined));
  assert.deepEqual(h.waits, [1]);
});

test('jitter is drawn from 0…jitterMs inclusive; an error is padded and rethrown, and never enters the average', async () => {
  const draws: number[] = [];
  const pad = createTimingPad({ seedMs: 0, minimumMs: 0, jitterMs: 85, sleep: async () => {}, random: (max) => (draws.push(max), 0) });
  await pad.run(async () => 'x');
  assert.deepEqual(draws, [86]);

  const h = harness({ seedMs: 500 });
  const failing = createTimingPad(h.options);
  await assert.rejects(failing.run(async () => {
    h.now += 2;
    throw new Error('LDAP is down');
  }), /LDAP is down/);
  assert.deepEqual(h.waits, [498]);
  assert.equal(failing.average(), 500);
});

test('with real timers the pad holds the response without blocking the event loop', async () => {
  const pad = createTimingPad({ seedMs: 40, minimumMs: 30, jitterMs: 5 });
  let otherTimerRan = false;
  const started = performance.now();
  const padded = pad.run(async () => undefined);
  setTimeout(() => (otherTimerRan = true), 1);
  await padded;
  assert.ok(performance.now() - started >= 39, 'at least the seeded 40 ms (timer granularity allowed)');
  assert.equal(otherTimerRan, true, 'a timer due meanwhile ran before the padded response');
});
