// `authentication_backend.file`: users from Authelia's users_database.yml. The file is checked as a
// whole at open (a ConfigError lists every problem) and, with `watch: true`, re-read when it changes:
// a valid file replaces the users in one step, a broken one is logged and the previous users stay.
// Every login costs one password check, against the user's digest or a dummy of the same cost.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, formatIssue, type ConfigIssue } from '../config/issues.ts';
import type { FileBackendConfig } from '../config/types.ts';
import { verifyDigest, type Digest } from '../crypto/digest.ts';
import { createDummyDigest, type DummyDigest } from './dummy-digest.ts';
import type { SearchOptions, UserDirectory } from './user-directory.ts';
import type { AuthenticationBackend, User } from './user.ts';
import { parseUsersFile } from './users-file.ts';
import { watchFile, type FileWatcher } from './watch-file.ts';

/** The part of a pino logger the backend uses; messages never contain a password or a digest. */
export interface BackendLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface FileBackendOptions {
  readonly logger?: BackendLogger;
  /** Quiet time after a change before the file is re-read (watch: true); 250 ms unless set. */
  readonly watchDebounceMs?: number;
  /** The password check, verifyDigest unless set (tests count calls through it). */
  readonly verify?: (digest: Digest, password: string) => Promise<boolean>;
}

export type ReloadResult = 'reloaded' | 'unchanged' | 'rejected';

export interface FileBackend extends AuthenticationBackend {
  /** The users file as configured. */
  readonly path: string;
  /** How many users are loaded now. */
  readonly size: number;
  /** Re-reads the file now, as a change does under `watch: true` (also for SIGHUP). */
  reload(): Promise<ReloadResult>;
}

/** Longer passwords are refused (after a check of the same cost): SHA-crypt work grows with length. */
const MAX_PASSWORD_LENGTH = 1024;
const DEFAULT_DEBOUNCE_MS = 250;
const SILENT: BackendLogger = { info() {}, warn() {}, error() {} };

/** What one successful load produced; replaced as a whole, never changed. */
interface Loaded {
  readonly directory: UserDirectory;
  readonly dummy: DummyDigest;
}

function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function users(count: number): string {
  return `${count} ${count === 1 ? 'user' : 'users'}`;
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the file does not exist';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  return String((error as Error).message);
}

function requirePath(config: FileBackendConfig): string {
  if (config.path !== undefined && config.path !== '') return config.path;
  throw new ConfigError([{ severity: 'error', path: ['authentication_backend', 'file', 'path'], message: 'is required: it names the users database YAML file' }]);
}

/** Opens the users file named by `config.path`; throws ConfigError listing every problem. */
export async function openFileBackend(config: FileBackendConfig, options: FileBackendOptions = {}): Promise<FileBackend> {
  const logger = options.logger ?? SILENT;
  const verify = options.verify ?? verifyDigest;
  const path = requirePath(config);
  // Read by absolute path, so a later change of the working directory cannot switch files.
  const absolute = resolve(path);
  const search: SearchOptions = { email: config.search?.email ?? false, caseInsensitive: config.search?.case_insensitive ?? false };
  const parseOptions = { source: path, search, extraAttributes: config.extra_attributes ?? {} };

  /** The users in `text`, or the issues that keep them from loading. */
  async function load(text: string, previous: DummyDigest | undefined): Promise<{ loaded?: Loaded; issues: readonly ConfigIssue[] }> {
    const { directory, issues } = parseUsersFile(text, parseOptions);
    if (!directory) return { issues };
    const dummy = await createDummyDigest([...directory.records()].map((r) => r.digest), previous);
    return { loaded: { directory, dummy }, issues };
  }

  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError([{ severity: 'error', path: [], message: `cannot read the users database: ${readFailure(error)}`, location: { source: path } }]);
  }
  const first = await load(text, undefined);
  if (!first.loaded) throw new ConfigError(first.issues);
  for (const issue of first.issues) logger.warn(formatIssue(issue));
  let current: Loaded = first.loaded;
  let seen = fingerprint(text);
  let closed = false;
  let queue: Promise<ReloadResult> = Promise.resolve('unchanged');

  async function reloadNow(): Promise<ReloadResult> {
    if (closed) return 'unchanged';
    const count = current.directory.size;
    let next: string;
    try {
      next = await readFile(absolute, 'utf8');
    } catch (error) {
      logger.error(`${path}: cannot read the users database: ${readFailure(error)}; keeping the ${users(count)} loaded before`);
      return 'rejected';
    }
    const print = fingerprint(next);
    if (print === seen) return 'unchanged';
    seen = print;
    const { loaded, issues } = await load(next, current.dummy);
    for (const issue of issues) logger[issue.severity === 'error' ? 'error' : 'warn'](formatIssue(issue));
    if (!loaded) {
      logger.error(`${path}: the users database has errors; keeping the ${users(count)} loaded before`);
      return 'rejected';
    }
    current = loaded;
    logger.info(`${path}: reloaded the users database, ${users(loaded.directory.size)}`);
    return 'reloaded';
  }

  /** Reloads one after another; never rejects (a failure is logged), so a watch event cannot crash. */
  function reload(): Promise<ReloadResult> {
    queue = queue.then(reloadNow).catch((error: unknown) => {
      logger.error(`${path}: reloading the users database failed: ${(error as Error).message}`);
      return 'rejected' as const;
    });
    return queue;
  }

  const watcher: FileWatcher | undefined = config.watch
    ? watchFile(absolute, () => void reload(), {
      debounceMs: options.watchDebounceMs ?? DEFAULT_DEBOUNCE_MS,
      onError: (error) => logger.error(`${path}: watching the users database failed: ${error.message}`),
    })
    : undefined;
  logger.info(`${path}: loaded the users database, ${users(current.directory.size)}${watcher ? ', watching for changes' : ''}`);
  // A change between the first read and the start of the watch would otherwise go unnoticed.
  if (watcher) void reload();

  return {
    path,
    get size() {
      return current.directory.size;
    },
    async authenticate(username, password) {
      const { directory, dummy } = current;
      const record = typeof username === 'string' ? directory.find(username) : undefined;
      const given = typeof password === 'string' ? password : '';
      const usable = given !== '' && given.length <= MAX_PASSWORD_LENGTH;
      // Always exactly one check: the same work whether or not the user exists, is disabled, or the
      // password is empty; its result counts only when all is well.
      const matched = await verify(record?.digest ?? dummy.digest, given.slice(0, MAX_PASSWORD_LENGTH));
      return record && usable && matched && !record.user.disabled ? record.user : undefined;
    },
    async lookup(username): Promise<User | undefined> {
      const record = typeof username === 'string' ? current.directory.find(username) : undefined;
      return record && !record.user.disabled ? record.user : undefined;
    },
    async close() {
      closed = true;
      watcher?.close();
      await queue;
    },
    reload,
  };
}
