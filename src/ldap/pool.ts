// A small pool of service-bound connections (Authelia's `pooling.*`), reused across logins so a
// login costs one search round trip instead of a TCP + TLS + bind handshake. Bounded: at most
// `size` connections, callers beyond that wait up to `acquireTimeoutMs`. A connection found closed
// is dropped; a reused connection that fails at the connection level (server restarted, idle
// timeout) makes the pool drop every idle connection and retry on a fresh one.
import { connect, type Connection, type ConnectionOptions } from './connection.ts';
import { LDAPError } from './errors.ts';

export interface PoolOptions {
  readonly connection: ConnectionOptions;
  /** The service account every pooled connection binds as; none: connections stay anonymous. */
  readonly bind?: { readonly dn: string; readonly password: string };
  /** Most connections open at once (Authelia pooling.count: 5). */
  readonly size?: number;
  /** Fresh attempts after a reused connection turned out dead (Authelia pooling.retries: 2). */
  readonly retries?: number;
  /** Longest wait for a free connection, in ms (Authelia pooling.timeout: 10 s). */
  readonly acquireTimeoutMs?: number;
}

export interface PoolStats {
  /** Connections open now (idle + busy). */
  readonly open: number;
  readonly idle: number;
  readonly busy: number;
  readonly waiting: number;
  /** Connections opened (and service binds done) since the pool was created. */
  readonly connects: number;
  readonly binds: number;
  /** Connections dropped because they were closed or failed. */
  readonly dropped: number;
}

export interface Pool {
  /** Runs `work` on a bound connection and returns the connection to the pool. */
  use<T>(work: (connection: Connection) => Promise<T>): Promise<T>;
  stats(): PoolStats;
  /** Closes idle connections now and busy ones when released; waiting callers get CLOSED. */
  close(): Promise<void>;
}

export const POOL_DEFAULTS = { size: 5, retries: 2, acquireTimeoutMs: 10_000 } as const;

/** Failures that mean "this connection is dead", not "the request was wrong". */
const DEAD_CONNECTION = new Set(['CONNECTION_LOST', 'CONNECTION_RESET', 'OPERATION_TIMED_OUT']);

/** Opens a connection and binds it as the service account (if any). */
export async function openBound(options: ConnectionOptions, bind: PoolOptions['bind']): Promise<Connection> {
  const connection = await connect(options);
  if (bind === undefined) return connection;
  try {
    await connection.bind(bind.dn, bind.password, 'service');
    return connection;
  } catch (error) {
    await connection.close();
    throw error;
  }
}

interface Waiter {
  resolve(connection: Connection | undefined): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

export function createPool(options: PoolOptions): Pool {
  const size = Math.max(1, options.size ?? POOL_DEFAULTS.size);
  const retries = Math.max(0, options.retries ?? POOL_DEFAULTS.retries);
  const acquireTimeoutMs = options.acquireTimeoutMs ?? POOL_DEFAULTS.acquireTimeoutMs;
  const idle: Connection[] = [];
  const busy = new Set<Connection>();
  const waiters: Waiter[] = [];
  /** Slots reserved for connections being opened. */
  let pending = 0;
  let connects = 0;
  let binds = 0;
  let dropped = 0;
  let closed = false;

  function drop(connection: Connection): void {
    busy.delete(connection);
    dropped += 1;
    void connection.close();
  }

  /** Opens a connection in a slot reserved by acquire (pending), and frees the slot. */
  async function open(): Promise<Connection> {
    try {
      connects += 1;
      const connection = await openBound(options.connection, options.bind);
      if (options.bind !== undefined) binds += 1;
      busy.add(connection);
      return connection;
    } finally {
      pending -= 1;
    }
  }

  /** An idle live connection, or undefined with a slot reserved to open one; waits when the pool is full. */
  function acquire(): Promise<Connection | undefined> {
    if (closed) return Promise.reject(new LDAPError('CLOSED', 'the LDAP connection pool is closed'));
    for (let connection = idle.pop(); connection !== undefined; connection = idle.pop()) {
      if (connection.connected && (options.bind === undefined || connection.bound)) return Promise.resolve(connection);
      drop(connection);
    }
    if (busy.size + pending < size) {
      pending += 1;
      return Promise.resolve(undefined);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new LDAPError('POOL_EXHAUSTED', `all ${size} pooled LDAP connections stayed busy for ${acquireTimeoutMs} ms: raise pooling.count or look for slow searches`));
        }, acquireTimeoutMs),
      };
      waiters.push(waiter);
    });
  }

  /** Gives a connection back: to the first waiter, to the idle list, or closes it. */
  function release(connection: Connection | undefined): void {
    if (connection !== undefined) busy.delete(connection);
    const live = connection !== undefined && connection.connected && !closed;
    if (connection !== undefined && !live) drop(connection);
    const waiter = waiters.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      if (live) busy.add(connection);
      else pending += 1;
      waiter.resolve(live ? connection : undefined);
      return;
    }
    if (live) idle.push(connection);
  }

  async function attempt<T>(work: (connection: Connection) => Promise<T>, attemptsLeft: number): Promise<T> {
    let connection = await acquire();
    const reused = connection !== undefined;
    try {
      connection ??= await open();
    } catch (error) {
      release(undefined);
      throw error;
    }
    try {
      const result = await work(connection);
      release(connection);
      return result;
    } catch (error) {
      const dead = error instanceof LDAPError && DEAD_CONNECTION.has(error.code);
      if (dead) {
        drop(connection);
        release(undefined);
      } else release(connection);
      if (dead && reused && attemptsLeft > 0) {
        for (const stale of idle.splice(0)) drop(stale);
        return attempt(work, attemptsLeft - 1);
      }
      throw error;
    }
  }

  return {
    use: (work) => attempt(work, retries),
    stats: () => ({ open: idle.length + busy.size, idle: idle.length, busy: busy.size, waiting: waiters.length, connects, binds, dropped }),
    async close() {
      closed = true;
      for (const waiter of waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(new LDAPError('CLOSED', 'the LDAP connection pool is closed'));
      }
      await Promise.all(idle.splice(0).map((connection) => connection.close()));
    },
  };
}
