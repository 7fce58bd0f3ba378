// The pool of service-bound connections (Authelia's pooling.*): reused across lookups (counted
// binds), bounded, recovering after the directory restarts, and closed on shutdown.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDirectory } from '../../src/ldap/directory.ts';
import { LDAPError } from '../../src/ldap/errors.ts';
import { createPool } from '../../src/ldap/pool.ts';
import { DIRECTORY } from '../helpers/slapd.ts';
import { kasmOptions, SKIP, useSlapd } from './helpers.ts';

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof LDAPError ? error.code : String(error);
  }
}

describe('the connection pool', { skip: SKIP }, () => {
  const slapd = useSlapd();

  test('sequential lookups reuse one connection: one connect, one service bind', async () => {
    const directory = createDirectory(kasmOptions(slapd(), { pool: { size: 3 } }));
    try {
      for (let i = 0; i < 20; i++) await directory.findUser(i % 2 === 0 ? 'test_user_1' : 'test_user_2');
      const stats = directory.stats();
      assert.deepEqual({ connects: stats.connects, binds: stats.binds, open: stats.open, idle: stats.idle }, { connects: 1, binds: 1, open: 1, idle: 1 });
    } finally {
      await directory.close();
    }
  });

  test('concurrent lookups open at most `size` connections, and password checks do not touch the pool', async () => {
    const directory = createDirectory(kasmOptions(slapd(), { pool: { size: 2 } }));
    try {
      const users = await Promise.all(Array.from({ length: 12 }, (_, i) => directory.findUser(['test_user_1', 'test_user_2', 'jdoe'][i % 3]!)));
      assert.equal(users.length, 12);
      assert.equal(directory.stats().binds, 2);
      await directory.verifyPassword(DIRECTORY.users.test_user_1.dn, DIRECTORY.users.test_user_1.password);
      assert.equal(directory.stats().binds, 2);
    } finally {
      await directory.close();
    }
  });

  test('after the server restarts, the dead connections are dropped and the next lookup succeeds', async () => {
    const directory = createDirectory(kasmOptions(slapd(), { pool: { size: 2 } }));
    try {
      await Promise.all([directory.findUser('test_user_1'), directory.findUser('test_user_2')]);
      assert.equal(directory.stats().open, 2);
      await slapd().restart();
      assert.equal((await directory.findUser('test_user_1')).username, 'test_user_1');
      const stats = directory.stats();
      assert.equal(stats.binds, 3);
      assert.ok(stats.dropped >= 2, `dropped ${stats.dropped}`);
    } finally {
      await directory.close();
    }
  });

  test('a reused connection that died unnoticed is retried on a fresh one', async () => {
    const pool = createPool({ connection: { url: slapd().url }, bind: DIRECTORY.service, size: 1 });
    try {
      const search = (c: Parameters<Parameters<typeof pool.use>[0]>[0]): Promise<unknown> => c.search(DIRECTORY.base, { scope: 'base', filter: '(objectClass=*)' });
      await pool.use(search);
      let attempts = 0;
      await pool.use(async (connection) => {
        attempts += 1;
        // The first attempt finds its socket cut from under it, as an idle timeout would.
        if (attempts === 1) throw new LDAPError('CONNECTION_LOST', 'simulated');
        return search(connection);
      });
      assert.equal(attempts, 2);
      assert.equal(pool.stats().binds, 2);
    } finally {
      await pool.close();
    }
  });

  test('a full pool makes callers wait, then POOL_EXHAUSTED; a closed pool says CLOSED', async () => {
    const pool = createPool({ connection: { url: slapd().url }, bind: DIRECTORY.service, size: 1, acquireTimeoutMs: 100 });
    let release: () => void = () => {};
    const holding = pool.use(() => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await code(pool.use(async () => undefined)), 'POOL_EXHAUSTED');
    const waiting = pool.use(async () => 'served');
    release();
    await holding;
    assert.equal(await waiting, 'served');
    assert.equal(pool.stats().connects, 1);
    await pool.close();
    assert.equal(await code(pool.use(async () => undefined)), 'CLOSED');
    assert.equal(pool.stats().open, 0);
  });

  test('a failing service bind is reported and no connection is kept', async () => {
    const pool = createPool({ connection: { url: slapd().url }, bind: { dn: DIRECTORY.service.dn, password: 'wrong' }, size: 1 });
    try {
      assert.equal(await code(pool.use(async () => undefined)), 'SERVICE_INVALID_CREDENTIALS');
      assert.equal(await code(pool.use(async () => undefined)), 'SERVICE_INVALID_CREDENTIALS');
      assert.deepEqual({ open: pool.stats().open, binds: pool.stats().binds }, { open: 0, binds: 0 });
    } finally {
      await pool.close();
    }
  });
});
