// Runs `castellan` as a child process, the way an operator or a container does: the real bin
// script, a configuration file, signals. For tests of the CLI and of crash and restart behaviour.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/castellan.js', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ChildCastellan {
  readonly process: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Resolves once the output contains `text` (rejects on exit or after `timeout` ms). */
  waitForOutput(text: string | RegExp, timeout?: number): Promise<void>;
}

/** The environment without CASTELLAN_/AUTHELIA_ variables of the machine running the tests. */
export function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(CASTELLAN|AUTHELIA)_/.test(name)));
  return { ...env, ...extra };
}

export function spawnCastellan(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildCastellan {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPOSITORY, env: cleanEnvironment(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  let done = false;
  void exited.then(() => (done = true));
  return {
    process: child,
    output: () => text,
    exited,
    async waitForOutput(expected: string | RegExp, timeout = 10_000): Promise<void> {
      const found = (): boolean => (typeof expected === 'string' ? text.includes(expected) : expected.test(text));
      const deadline = Date.now() + timeout;
      while (!found()) {
        if (done) throw new Error(`castellan exited before printing ${String(expected)}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`castellan did not print ${String(expected)} within ${timeout} ms:\n${text}`);
        await sleep(25);
      }
    },
  };
}

/** Polls `<base>/api/health` until it answers 200 (rejects if the child exits or after `timeout` ms). */
export async function waitForHealth(base: string, child: ChildCastellan, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`castellan exited before it was healthy:\n${child.output()}`);
    try {
      const response = await fetch(`${base}/api/health`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`castellan was not healthy within ${timeout} ms:\n${child.output()}`);
    await sleep(50);
  }
}

/** Stops a child that a test left running (after a failure), and waits for it. */
export async function killChild(child: ChildCastellan | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGKILL');
  await child.exited;
}
