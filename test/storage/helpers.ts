// Shared by the storage tests: real SQLite files in a fresh temporary directory per test file, a
// controllable clock, and child processes that run a fixture script against the same file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openStorage, type Storage, type StorageOptions } from '../../src/storage/database.ts';

export const KEY = 'a-storage-encryption-key-of-at-least-twenty-characters';
export const OTHER_KEY = 'another-storage-encryption-key-of-twenty-characters';

/** 2027-01-15T08:00:00Z, in milliseconds. */
export const START_MS = Date.UTC(2027, 0, 15, 8);

/** A temporary directory removed when the test file ends. */
export function temporaryDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'castellan-storage-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;

/** A path for a database that does not exist yet. */
export function databasePath(dir: string): string {
  counter++;
  return join(dir, `castellan-${process.pid}-${counter}.sqlite3`);
}

export interface TestClock {
  (): number;
  advance(seconds: number): void;
}

export function testClock(startMs = START_MS): TestClock {
  let now = startMs;
  const clock = (() => now) as TestClock;
  clock.advance = (seconds) => {
    now += seconds * 1000;
  };
  return clock;
}

/** Opens `path` (a new file by default) with KEY and a test clock. */
export function openTest(dir: string, options: Partial<StorageOptions> = {}): Storage {
  const storage = openStorage({ path: databasePath(dir), encryptionKey: KEY, clock: testClock(), ...options });
  after(() => storage.close());
  return storage;
}

/** The bytes of the database and its WAL, to prove that nothing was written. */
export function fileBytes(path: string): Buffer {
  const wal = `${path}-wal`;
  return Buffer.concat([readFileSync(path), existsSync(wal) ? readFileSync(wal) : Buffer.alloc(0)]);
}

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** Starts `node fixtures/<script> …args` with stdout piped. */
export function spawnFixture(script: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [new URL(script, FIXTURES).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Resolves with the first stdout line of `child` that satisfies `accept`. */
export function waitForLine(child: ChildProcess, accept: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const found = lines.find(accept);
      if (found !== undefined) {
        child.stdout?.off('data', onData);
        resolve(found);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`fixture exited (${code ?? signal}) before printing the expected line`)));
  });
}

/** Resolves when `child` has exited, with its exit code or signal. */
export function exited(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}
