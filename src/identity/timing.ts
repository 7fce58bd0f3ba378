// Authelia's timing-attack delay (internal/middlewares/timing_attack_delay.go) for first-factor
// responses: every response is held until max(moving average, minimum) + jitter has passed since
// the attempt started, so an unknown or banned user (answered fast) looks like a wrong password
// (answered after a digest check). The average is of the last `history` successful attempts,
// seeded with `seedMs`; the wait is a timer, never a busy loop, so other requests keep flowing.
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TimingPadOptions {
  /** Attempts in the moving average (Authelia: 10). */
  readonly history?: number;
  /** The average before any attempt was measured, in ms (Authelia: 1000). */
  readonly seedMs?: number;
  /** No response comes sooner than this, in ms (Authelia: 250). */
  readonly minimumMs?: number;
  /** Random extra delay, uniform in 0…jitterMs ms (Authelia: 85). */
  readonly jitterMs?: number;
  /** Monotonic milliseconds; defaults to performance.now. */
  readonly clock?: () => number;
  /** Waits `ms` milliseconds; defaults to timers/promises setTimeout. */
  readonly sleep?: (ms: number) => Promise<unknown>;
  /** An integer in [0, maxExclusive); defaults to crypto.randomInt. */
  readonly random?: (maxExclusive: number) => number;
}

export interface TimingPad {
  /**
   * Runs `work` and settles like it (value or error) once the padded delay has passed. The attempt
   * counts as successful, and enters the average, when `successful(value)` says so (default: the
   * value is neither undefined, null nor false); an error is never successful.
   */
  run<T>(work: () => Promise<T>, successful?: (value: T) => boolean): Promise<T>;
  /** The current moving average in ms (whole ms, rounded down, as Authelia computes it). */
  average(): number;
  /** The wait after an attempt that took `elapsedMs`, before the average learns from it. */
  delayFor(elapsedMs: number): number;
}

export const TIMING_DEFAULTS = { history: 10, seedMs: 1000, minimumMs: 250, jitterMs: 85 } as const;

function defaultSuccess(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

export function createTimingPad(options: TimingPadOptions = {}): TimingPad {
  const history = options.history ?? TIMING_DEFAULTS.history;
  const minimumMs = options.minimumMs ?? TIMING_DEFAULTS.minimumMs;
  const jitterMs = options.jitterMs ?? TIMING_DEFAULTS.jitterMs;
  const clock = options.clock ?? (() => performance.now());
  const wait = options.sleep ?? sleep;
  const random = options.random ?? randomInt;
  if (!Number.isInteger(history) || history < 1) throw new RangeError(`history must be a positive integer but is ${history}`);
  const durations = new Array<number>(history).fill(Math.floor(options.seedMs ?? TIMING_DEFAULTS.seedMs));
  let cursor = 0;

  function average(): number {
    return Math.floor(durations.reduce((sum, ms) => sum + ms, 0) / history);
  }

  function delayFor(elapsedMs: number): number {
    const jitter = jitterMs > 0 ? random(jitterMs + 1) : 0;
    return Math.max(Math.max(average(), minimumMs) + jitter - Math.floor(elapsedMs), 1);
  }

  function learn(elapsedMs: number): void {
    durations[cursor] = Math.floor(elapsedMs);
    cursor = (cursor + 1) % history;
  }

  async function settle(started: number, successful: boolean): Promise<void> {
    const elapsed = clock() - started;
    const delay = delayFor(elapsed);
    if (successful) learn(elapsed);
    await wait(delay);
  }

  return {
    async run<T>(work: () => Promise<T>, successful: (value: T) => boolean = defaultSuccess): Promise<T> {
      const started = clock();
      let value: T;
      try {
        value = await work();
      } catch (error) {
        await settle(started, false);
        throw error;
      }
      await settle(started, successful(value));
      return value;
    },
    average,
    delayFor,
  };
}
