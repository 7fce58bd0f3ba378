// Worker thread of checkpoints.ts: its own connection to the database, moving WAL frames back into
// the database file every intervalMs, so the server's thread never does that copying itself.
// PASSIVE never blocks the server's writers. A PASSIVE checkpoint cannot finish while the server
// keeps writing, and only a finished one lets the WAL start over, so once the WAL holds more than
// restartFrames a RESTART follows: it holds off writers only for the few frames written since the
// PASSIVE one, and the next commit then writes from the start of the WAL again.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerData {
  readonly path: string;
  readonly intervalMs: number;
  readonly restartFrames: number;
  readonly busyTimeoutMs: number;
  readonly journalSizeLimit: number;
}

/** What the worker reports after each round, for tests and diagnostics. */
export interface CheckpointReport {
  readonly log: number;
  readonly checkpointed: number;
  readonly restarted: boolean;
}

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

const options = workerData as CheckpointWorkerData;
const db = new Database(options.path, { timeout: options.busyTimeoutMs, fileMustExist: true });
// A RESTART's checkpoint truncates the WAL file to this size (the server's connection has the same).
db.pragma(`journal_size_limit = ${options.journalSizeLimit}`);

function checkpoint(mode: 'PASSIVE' | 'RESTART'): CheckpointRow {
  return (db.pragma(`wal_checkpoint(${mode})`) as CheckpointRow[])[0]!;
}

const timer = setInterval(() => {
  const passive = checkpoint('PASSIVE');
  const restarted = passive.log > options.restartFrames;
  if (restarted) checkpoint('RESTART');
  parentPort!.postMessage({ log: passive.log, checkpointed: passive.checkpointed, restarted } satisfies CheckpointReport);
}, options.intervalMs);

parentPort!.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
