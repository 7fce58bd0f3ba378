// The benchmark's child processes, seen from the parent: the two servers (started once, commanded
// over IPC, measured through /proc) and one load generator per run.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Job, LoadResult } from './load.ts';

const LOAD = fileURLToPath(new URL('./load.ts', import.meta.url));

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Sends an IPC command and waits for its answer. */
  command(message: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resident set size in bytes (VmRSS). */
  rss(): number;
  stop(): Promise<void>;
}

/** Forks `script` with `args` and waits for its `{ ready, url }` message. */
export async function startServerProcess(name: string, script: string, args: readonly string[], execArgv: readonly string[] = []): Promise<ServerProcess> {
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...execArgv] });
  const ready = await new Promise<{ url: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
    child.once('message', (message) => resolve(message as { url: string }));
  });
  let next = 0;
  const pending = new Map<number, (value: Record<string, unknown>) => void>();
  child.on('message', (message: Record<string, unknown>) => {
    const resolve = pending.get(message['id'] as number);
    pending.delete(message['id'] as number);
    resolve?.(message);
  });
  return {
    name,
    url: ready.url,
    child,
    command(message) {
      const id = ++next;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.send({ ...message, id });
      });
    },
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs one load generator process to completion. */
export async function runLoad(job: Job): Promise<LoadResult> {
  const child = fork(LOAD, [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [result] = await Promise.race([
    once(child, 'message') as Promise<[LoadResult]>,
    once(child, 'exit').then(([code]) => {
      throw new Error(`the load generator exited with ${code} without a result`);
    }),
  ]);
  if (child.exitCode === null) await once(child, 'exit');
  return result;
}
