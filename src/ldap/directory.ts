// A configured directory: user search, password check and group lookup over a pool of
// service-bound connections. Searches reuse pooled connections; a password is checked by a bind
// on a fresh connection (never on a pooled one, so a user's identity never leaks into the pool),
// and an empty password is refused before any connection is opened.
import { connect } from './connection.ts';
import { LDAPError } from './errors.ts';
import { groupsOfOn, type DirectoryGroup } from './groups.ts';
import { supportsInChain } from './in-chain.ts';
import { resolveOptions, type DirectoryContext, type DirectoryOptions } from './options.ts';
import { createPool, type PoolStats } from './pool.ts';
import type { Observer } from './search.ts';
import { findUserOn, type DirectoryUser } from './users.ts';

export interface Directory {
  /** The one account `input` names (USER_NOT_FOUND, USER_AMBIGUOUS, … otherwise). */
  findUser(input: string, observer?: Observer): Promise<DirectoryUser>;
  /** Binds as `dn` with `password` on a fresh connection; resolves when the password is right. */
  verifyPassword(dn: string, password: string): Promise<void>;
  /** The user's groups, nested ones included (with how each was reached). */
  groupsOf(user: DirectoryUser, observer?: Observer): Promise<DirectoryGroup[]>;
  /** findUser, verifyPassword and groupsOf in turn. */
  authenticate(input: string, password: string, observer?: Observer): Promise<{ user: DirectoryUser; groups: DirectoryGroup[] }>;
  /** Whether the server evaluates LDAP_MATCHING_RULE_IN_CHAIN (read from the rootDSE once). */
  supportsInChain(): Promise<boolean>;
  stats(): PoolStats;
  close(): Promise<void>;
}

/** Refuses an empty password before anything reaches the server (RFC 4513 §5.1.2: it would be an unauthenticated bind). */
export function refuseEmptyPassword(dn: string, password: string): void {
  if (password === '') throw new LDAPError('EMPTY_PASSWORD', `an empty password was refused for '${dn}' without contacting the server (a bind with a DN and no password is an unauthenticated bind, which some servers accept)`);
}

/** The password check on its own connection, closed afterwards. */
export async function verifyPasswordWith(ctx: DirectoryContext, dn: string, password: string): Promise<void> {
  refuseEmptyPassword(dn, password);
  const connection = await connect(ctx.connection);
  try {
    await connection.bind(dn, password, 'user');
  } finally {
    await connection.close();
  }
}

/** Checks the options (INVALID_OPTIONS) and prepares the pool; no connection is opened yet. */
export function createDirectory(options: DirectoryOptions): Directory {
  const ctx = resolveOptions(options);
  const pool = createPool({ connection: ctx.connection, ...(ctx.bind === undefined ? {} : { bind: ctx.bind }), ...options.pool });
  const findUser = (input: string, observer?: Observer): Promise<DirectoryUser> => pool.use((connection) => findUserOn(ctx, connection, input, observer));
  const groupsOf = (user: DirectoryUser, observer?: Observer): Promise<DirectoryGroup[]> => pool.use((connection) => groupsOfOn(ctx, connection, user, observer));
  const verifyPassword = (dn: string, password: string): Promise<void> => verifyPasswordWith(ctx, dn, password);
  return {
    findUser,
    verifyPassword,
    groupsOf,
    async authenticate(input, password, observer) {
      refuseEmptyPassword(input, password);
      const user = await findUser(input, observer);
      await verifyPassword(user.dn, password);
      return { user, groups: await groupsOf(user, observer) };
    },
    supportsInChain: () => pool.use((connection) => supportsInChain(ctx, connection, undefined)),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}
