// Shared helpers for the file-backend tests: users files in a fresh temporary directory, cheap
// digests, a logger that records lines (and can wait for one), and a verifier that counts calls.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { FileBackendConfig } from '../../src/config/types.ts';
import { generateDigest, verifyDigest, type Digest } from '../../src/crypto/digest.ts';
import type { BackendLogger } from '../../src/identity/file-backend.ts';

/** Authelia's docs example (passwords.md): argon2id m=65536 t=3 p=4 of 'password'. */
export const REAL_VECTOR = '$argon2id$v=19$m=65536,t=3,p=4$Hjc8e7WYcBFcJmEDUOsS9A$ozM7RyZR1EyDR8cuyVpDDfmLrGPGFgo5E2NNqRumui4';

/** A digest that takes well under a millisecond to check. */
export function fastDigest(password: string): Promise<string> {
  return generateDigest({ algorithm: 'argon2', memory: 64, iterations: 1, parallelism: 1 }, password);
}

/** A temporary directory removed when the test file ends. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'castellan-identity-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `text` to `users_database.yml` in a new temporary directory; returns its path. */
export async function usersFile(text: string): Promise<string> {
  const path = join(await tempDir(), 'users_database.yml');
  await writeFile(path, text);
  return path;
}

export function fileConfig(path: string, extra: Partial<FileBackendConfig> = {}): FileBackendConfig {
  return { path, watch: false, ...extra };
}

export interface RecordingLogger extends BackendLogger {
  readonly lines: string[];
  /** Resolves with the first line from index `from` on that matches; fails after `timeoutMs`. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const record = (level: string) => (message: string): void => {
    lines.push(`${level}: ${message}`);
  };
  return {
    lines,
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    async waitFor(pattern, from = 0, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = lines.slice(from).find((l) => pattern.test(l));
        if (line !== undefined) return line;
        if (Date.now() > deadline) assert.fail(`no log line matched ${pattern} in time; lines:\n${lines.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** verifyDigest that remembers every digest it was asked to check. */
export function countingVerifier(): { calls: Digest[]; verify: (digest: Digest, password: string) => Promise<boolean> } {
  const calls: Digest[] = [];
  return {
    calls,
    verify(digest, password) {
      calls.push(digest);
      return verifyDigest(digest, password);
    },
  };
}
