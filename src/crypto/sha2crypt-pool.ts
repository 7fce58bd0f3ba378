// A small, lazily started pool of SHA-crypt worker threads. Jobs queue when every worker is busy;
// idle workers are unref'd so they never keep the process alive, busy ones are ref'd so a pending
// verification is never cut short by the process exiting.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SHA2CryptRequest, SHA2CryptResponse } from './sha2crypt-worker.ts';

const WORKER_URL = new URL('./sha2crypt-worker.ts', import.meta.url);
const MAX_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

interface Job {
  readonly request: SHA2CryptRequest;
  resolve(hash: string): void;
  reject(error: Error): void;
}

const queue: Job[] = [];
const idle: Worker[] = [];
const running = new Map<Worker, Job>();
let started = 0;

/** Computes the crypt-base64 hash field in a worker thread. */
export function runSHA2Crypt(request: SHA2CryptRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    queue.push({ request, resolve, reject });
    dispatch();
  });
}

function dispatch(): void {
  while (queue.length > 0) {
    const worker = idle.pop() ?? (started < MAX_WORKERS ? startWorker() : undefined);
    const job = worker && queue.shift();
    if (!worker || !job) return;
    running.set(worker, job);
    worker.ref();
    worker.postMessage(job.request);
  }
}

function finish(worker: Worker): Job | undefined {
  const job = running.get(worker);
  running.delete(worker);
  return job;
}

function startWorker(): Worker {
  const worker = new Worker(WORKER_URL);
  started++;
  worker.unref();
  worker.on('message', (response: SHA2CryptResponse) => {
    const job = finish(worker);
    worker.unref();
    idle.push(worker);
    if ('hash' in response) job?.resolve(response.hash);
    else job?.reject(new Error(`sha2crypt worker failed: ${response.error}`));
    dispatch();
  });
  worker.on('error', (error) => finish(worker)?.reject(error));
  worker.on('exit', (code) => {
    started--;
    const at = idle.indexOf(worker);
    if (at !== -1) idle.splice(at, 1);
    finish(worker)?.reject(new Error(`sha2crypt worker exited with code ${code}`));
    dispatch();
  });
  return worker;
}
