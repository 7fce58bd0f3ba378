// WAL checkpoints off the server's thread. SQLite's default checkpoints every 1000 WAL pages from
// inside the commit that crosses the limit: the committing request then copies those pages into the
// database file synchronously (≈ 20 ms on the benchmark machine, every ~250 token writes), stalling
// the event loop. Here a worker thread with its own connection checkpoints on a timer
// (checkpoint-worker.ts) and the server's connection only does so as a backstop: under a steady
// stream of commits (a large purge, a burst of sign-ins) the worker's PASSIVE checkpoint never
// catches the WAL's end, so the WAL could not start over and would grow without bound. Past
// backstopFrames the committing connection checkpoints itself; the worker has already copied most
// frames, so that checkpoint is short, and it lets the next commit restart the WAL.
// Crash safety is unchanged: every transaction still commits to the WAL exactly as before, and
// recovery replays whatever was not yet copied. If the worker stops for any reason, the server's
// connection goes back to SQLite's own checkpoints, so the WAL never grows without bound.
import { Worker } from 'node:worker_threads';
import type { CheckpointReport, CheckpointWorkerData } from './checkpoint-worker.ts';
import { JOURNAL_SIZE_LIMIT, type Storage } from './database.ts';

/** SQLite's default wal_autocheckpoint, restored when the worker is gone. */
const SQLITE_AUTOCHECKPOINT = 1000;

export interface CheckpointOptions {
  /** How often the worker checkpoints (default 250 ms). */
  readonly intervalMs?: number;
  /** WAL size (in 4 KiB pages) above which the worker restarts the WAL (default 2048, 8 MiB). */
  readonly restartFrames?: number;
  /** Bytes the WAL is cut back to after a restart (default the server connection's, JOURNAL_SIZE_LIMIT). */
  readonly journalSizeLimit?: number;
  /** WAL pages after which the server's own connection checkpoints (default 4096, 16 MiB). */
  readonly backstopFrames?: number;
  /** Each round's report, for tests. */
  readonly onReport?: (report: CheckpointReport) => void;
  /** The worker failed and SQLite's own checkpoints are back (default: a process warning). */
  readonly onError?: (error: unknown) => void;
}

/** Starts the checkpoint worker for `storage`; resolves the returned function once it has stopped. */
export function startCheckpointing(storage: Storage, options: CheckpointOptions = {}): () => Promise<void> {
  const data: CheckpointWorkerData = { path: storage.path, intervalMs: options.intervalMs ?? 250, restartFrames: options.restartFrames ?? 2048, busyTimeoutMs: 1000, journalSizeLimit: options.journalSizeLimit ?? JOURNAL_SIZE_LIMIT };
  const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData: data });
  let stopping = false;
  let failed = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  storage.db.pragma(`wal_autocheckpoint = ${options.backstopFrames ?? 4096}`);
  function fallBack(error: unknown): void {
    if (failed) return;
    failed = true;
    if (storage.db.open) storage.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    (options.onError ?? warn)(error);
  }
  worker.on('message', (report: CheckpointReport) => options.onReport?.(report));
  worker.once('error', fallBack);
  worker.once('exit', (code) => {
    if (!stopping) fallBack(new Error(`the checkpoint worker exited with code ${code}`));
  });
  // Never what keeps a process alive (after the listeners: adding a 'message' listener refs the
  // worker again); storage.close() without stopping first is still safe.
  worker.unref();
  return async () => {
    if (stopping) return exited;
    stopping = true;
    if (storage.db.open) storage.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    // Let it close its connection itself, so the server's close is the last one and removes the WAL;
    // ref'd meanwhile, so that awaiting this keeps the process alive.
    worker.ref();
    worker.postMessage('stop');
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  };
}

function warn(error: unknown): void {
  process.emitWarning(`WAL checkpoints are back on the server's thread: ${error instanceof Error ? error.message : String(error)}`);
}
