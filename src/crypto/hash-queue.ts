// At most max(1, cores − 1) password hashes at once, first come first served. Each hash runs off the
// event loop (libuv pool, native threads or the SHA-crypt workers), but those threads compete with
// the event loop for the same cores: eight argon2id sign-ins at once on two cores left the server's
// own thread waiting for CPU, and every other request with it. One core stays for the event loop.
import { availableParallelism } from 'node:os';

export const MAX_CONCURRENT_HASHES = Math.max(1, availableParallelism() - 1);

const waiting: (() => void)[] = [];
let running = 0;

function release(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

/** Runs `hash` when a slot is free; the slot is released when it settles. */
export async function queueHash<T>(hash: () => Promise<T>): Promise<T> {
  if (running < MAX_CONCURRENT_HASHES) running++;
  // A released slot passes straight to the next waiter, so `running` stays counted.
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await hash();
  } finally {
    release();
  }
}
