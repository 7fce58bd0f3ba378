// The Workspaces demo app for tests: a configuration file written to a temp directory and loaded by the
// app's own loader, the app started in-process on a given 127.0.0.1 port with its logs captured, and a
// read-only look into its SQLite file (who exists, in which groups, how many sessions).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { startWorkspaces, type RunningWorkspaces } from '../../examples/workspaces/app.ts';
import { loadWorkspacesConfig } from '../../examples/workspaces/config.ts';
import { createLogger } from '../../src/logging.ts';

export const SESSION_SECRET = 'a-test-workspaces-session-secret-0123456789';

export interface TestWorkspaces {
  readonly url: string;
  readonly directory: string;
  readonly databasePath: string;
  readonly logs: string[];
  /** Stops the app and starts it again on the same port and database with `config` (same keys as start). */
  restart(config: Record<string, unknown>): Promise<void>;
  /** The database as it is now. */
  snapshot(): Snapshot;
  close(): Promise<void>;
  /** Stops, and removes the directory. */
  destroy(): Promise<void>;
}

export interface Snapshot {
  /** username → { realm, provider, groups }. */
  readonly users: Record<string, { realm: string; provider: string | null; groups: string[] }>;
  readonly sessions: number;
}

/**
 * Writes `config` (server.address and storage.path filled in) as workspaces.yml and starts the app on
 * `port`. Keys of `config` override the defaults.
 */
export async function startTestWorkspaces(port: number, config: Record<string, unknown>): Promise<TestWorkspaces> {
  const directory = await mkdtemp(join(tmpdir(), 'workspaces-test-'));
  const databasePath = join(directory, 'workspaces.sqlite3');
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { logs.push(...chunk.toString().split('\n').filter((l) => l !== '')); done(); } });
  let running: RunningWorkspaces | undefined;
  const start = async (extra: Record<string, unknown>): Promise<void> => {
    const file = join(directory, 'workspaces.yml');
    await writeFile(file, stringify({ server: { address: `tcp://127.0.0.1:${port}/` }, storage: { path: databasePath }, session_secret: SESSION_SECRET, ...extra }));
    const loaded = loadWorkspacesConfig(file);
    running = await startWorkspaces(loaded, createLogger({ level: 'debug', format: 'json' }, sink));
  };
  await start(config);
  const close = async (): Promise<void> => {
    await running?.close();
    running = undefined;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    directory,
    databasePath,
    logs,
    async restart(next) {
      await close();
      await start(next);
    },
    snapshot() {
      const db = new Database(databasePath, { readonly: true });
      try {
        const users: Snapshot['users'] = {};
        for (const row of db.prepare('SELECT username, realm, provider_id FROM users ORDER BY username').all() as { username: string; realm: string; provider_id: string | null }[]) {
          const groups = db.prepare('SELECT group_name FROM memberships WHERE username = ? ORDER BY group_name').pluck().all(row.username) as string[];
          users[row.username] = { realm: row.realm, provider: row.provider_id, groups };
        }
        return { users, sessions: (db.prepare('SELECT COUNT(*) FROM sessions').pluck().get() as number) };
      } finally {
        db.close();
      }
    },
    close,
    destroy: async () => {
      await close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
