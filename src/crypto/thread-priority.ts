// Password hashes are the only long CPU work Castellan does. They run off the event loop — on
// libuv's thread pool (argon2, bcrypt, pbkdf2, scrypt) and on the SHA-crypt workers — but at normal
// priority those threads still take cores from the event loop, so every request queued behind a
// sign-in waits. On Linux they run at nice HASH_THREAD_NICE instead: on an idle core a hash runs at
// full speed; when the event loop wants the core, the scheduler gives it almost all of it. The cost:
// on a CPU-saturated server sign-ins wait for spare CPU instead of slowing every other request.
// The thread pool also serves file and DNS work, which is short and mostly waits, so it barely
// notices. Elsewhere (no per-thread priority) nothing changes.
import { pbkdf2 } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Nice value of hashing threads: scheduler weight 15 against the event loop's 1024. Nice 10 (weight
 * 110) still left discovery's p99 at ~4× idle while eight sign-ins hashed; 19 brought it to ~2×.
 */
export const HASH_THREAD_NICE = 19;

const TASKS = '/proc/self/task';

function threadName(tid: string): string | undefined {
  try {
    return readFileSync(`${TASKS}/${tid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** This thread's kernel thread id, on Linux (/proc/thread-self is "<pid>/task/<tid>"). */
export function currentThreadID(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

/** Lowers the calling thread's priority (a SHA-crypt worker calls this for itself). */
export function deprioritizeCurrentThread(): void {
  const tid = currentThreadID();
  if (tid === undefined || !Number.isInteger(tid)) return;
  try {
    setPriority(tid, HASH_THREAD_NICE);
  } catch {
    // Not permitted or not supported: hashing still works, at normal priority.
  }
}

/**
 * Lowers the priority of libuv's thread pool, starting it first (libuv starts all its threads on
 * the first job). Resolves with how many threads now run at HASH_THREAD_NICE.
 */
export async function deprioritizeThreadPool(): Promise<number> {
  if (process.platform !== 'linux') return 0;
  await new Promise<void>((resolve, reject) => pbkdf2('', '', 1, 1, 'sha256', (error) => (error ? reject(error) : resolve())));
  let lowered = 0;
  let tids: string[];
  try {
    tids = readdirSync(TASKS);
  } catch {
    return 0;
  }
  for (const tid of tids) {
    if (threadName(tid) !== 'libuv-worker') continue;
    try {
      setPriority(Number(tid), HASH_THREAD_NICE);
      lowered++;
    } catch {
      // As above: left at normal priority.
    }
  }
  return lowered;
}
