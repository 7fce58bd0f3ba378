// The Workspaces demo app's SQLite file: users (local, OpenID and LDAP), groups (mirrored from the
// configuration), memberships and sessions. It implements the relying-party module's UserStore, and
// keeps one rule of its own: every user is a member of All Users, whatever a group sync says.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AppGroup, EndedSession, NewUser, StoredUser, UserField, UserStore } from '../../src/relying-party/index.ts';
import { ALL_USERS, type LocalUser } from './config.ts';

/** The realm of users who sign in with a password here (Kasm's name). */
export const LOCAL_REALM = 'local';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE users (
  username    TEXT PRIMARY KEY,
  realm       TEXT NOT NULL,
  provider_id TEXT,
  subject     TEXT,
  password    TEXT,
  fields      TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL
);
CREATE TABLE groups (
  name     TEXT PRIMARY KEY,
  priority INTEGER NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE memberships (
  username   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  PRIMARY KEY (username, group_name)
);
CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  username    TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  provider_id TEXT,
  id_token    TEXT,
  expires_at  INTEGER NOT NULL
);`;

const SELECT_USER = `SELECT username, realm, provider_id, password, fields FROM users WHERE username = ?`;
const SELECT_USERS = `SELECT username, realm, provider_id, password, fields FROM users ORDER BY username`;
const SELECT_GROUPS_OF = `SELECT m.group_name AS name FROM memberships m JOIN groups g ON g.name = m.group_name WHERE m.username = ? ORDER BY g.priority, g.name`;
const INSERT_USER = `INSERT INTO users (username, realm, provider_id, subject, password, fields, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`;
const UPDATE_FIELDS = `UPDATE users SET fields = ? WHERE username = ?`;
const UPDATE_LOCAL_USER = `UPDATE users SET password = ?, fields = ? WHERE username = ? AND realm = '${LOCAL_REALM}'`;
const DELETE_LOCAL_USERS_EXCEPT = `DELETE FROM users WHERE realm = '${LOCAL_REALM}' AND username NOT IN (SELECT value FROM json_each(?))`;
const DELETE_MEMBERSHIPS = `DELETE FROM memberships WHERE username = ?`;
const INSERT_MEMBERSHIP = `INSERT OR IGNORE INTO memberships (username, group_name) SELECT ?, name FROM groups WHERE name = ?`;
const UPSERT_GROUP = `INSERT INTO groups (name, priority, settings) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET priority = excluded.priority, settings = excluded.settings`;
const DELETE_GROUPS_EXCEPT = `DELETE FROM groups WHERE name NOT IN (SELECT value FROM json_each(?))`;
const COUNT_MEMBERS = `SELECT g.name, COUNT(m.username) AS members FROM groups g LEFT JOIN memberships m ON m.group_name = g.name GROUP BY g.name`;
const INSERT_SESSION = `INSERT INTO sessions (token_hash, username, provider_id, id_token, expires_at) VALUES (?, ?, ?, ?, ?)`;
const SELECT_SESSION = `SELECT username, provider_id, id_token FROM sessions WHERE token_hash = ? AND expires_at > ?`;
const DELETE_SESSION = `DELETE FROM sessions WHERE token_hash = ? RETURNING provider_id, id_token`;
const DELETE_EXPIRED_SESSIONS = `DELETE FROM sessions WHERE expires_at <= ?`;

interface UserRow {
  readonly username: string;
  readonly realm: string;
  readonly provider_id: string | null;
  readonly password: string | null;
  readonly fields: string;
}

export interface AppUser extends StoredUser {
  /** The password digest of a local user. */
  readonly password?: string | undefined;
}

export interface Session {
  readonly username: string;
  readonly providerID: string | undefined;
  readonly idToken: string | undefined;
}

export interface WorkspacesDatabase extends UserStore {
  findUser(username: string): AppUser | undefined;
  listUsers(): AppUser[];
  /** Members per group name. */
  memberCounts(): Map<string, number>;
  /** Makes the groups table match the configuration (memberships of removed groups go with them). */
  syncConfiguredGroups(groups: readonly AppGroup[]): void;
  /** Makes the local users match the configuration; returns the names skipped because another realm owns them. */
  syncLocalUsers(users: readonly LocalUser[]): string[];
  /** Stores a session for a random token (only its hash is kept). */
  createSession(token: string, session: Session, lifetimeSeconds: number): void;
  findSession(token: string): Session | undefined;
  /** Ends the session; says which provider it came from (for logout at the provider). */
  deleteSession(token: string): EndedSession | undefined;
  close(): void;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

export function openDatabase(path: string): WorkspacesDatabase {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  if (db.pragma('user_version', { simple: true }) === 0) {
    db.transaction(() => {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }
  const statements = new Map<string, Database.Statement>();
  const sql = (text: string): Database.Statement => {
    let statement = statements.get(text);
    if (!statement) statements.set(text, (statement = db.prepare(text)));
    return statement;
  };

  const toUser = (row: UserRow): AppUser => ({
    username: row.username,
    realm: row.realm,
    providerID: row.provider_id ?? undefined,
    password: row.password ?? undefined,
    groups: (sql(SELECT_GROUPS_OF).all(row.username) as { name: string }[]).map((g) => g.name),
    fields: JSON.parse(row.fields) as Partial<Record<UserField, string>>,
  });

  const setGroups = db.transaction((username: string, groups: readonly string[]) => {
    sql(DELETE_MEMBERSHIPS).run(username);
    for (const name of new Set([ALL_USERS, ...groups])) sql(INSERT_MEMBERSHIP).run(username, name);
  });

  const createUser = db.transaction((user: NewUser) => {
    sql(INSERT_USER).run(user.username, user.realm, user.providerID, user.subject, null, JSON.stringify(user.fields), now());
    sql(INSERT_MEMBERSHIP).run(user.username, ALL_USERS);
  });

  function findUser(username: string): AppUser | undefined {
    const row = sql(SELECT_USER).get(username) as UserRow | undefined;
    return row ? toUser(row) : undefined;
  }

  return {
    findUser,
    createUser: (user) => createUser(user),
    updateUser(username, fields) {
      const user = findUser(username);
      if (user) sql(UPDATE_FIELDS).run(JSON.stringify({ ...user.fields, ...fields }), username);
    },
    setGroups: (username, groups) => setGroups(username, groups),
    listUsers: () => (sql(SELECT_USERS).all() as UserRow[]).map(toUser),
    memberCounts: () => new Map((sql(COUNT_MEMBERS).all() as { name: string; members: number }[]).map((row) => [row.name, row.members])),
    syncConfiguredGroups: db.transaction((groups: readonly AppGroup[]) => {
      for (const group of groups) sql(UPSERT_GROUP).run(group.name, group.priority, JSON.stringify(group.settings));
      sql(DELETE_GROUPS_EXCEPT).run(JSON.stringify(groups.map((group) => group.name)));
    }),
    syncLocalUsers: db.transaction((users: readonly LocalUser[]): string[] => {
      const skipped: string[] = [];
      sql(DELETE_LOCAL_USERS_EXCEPT).run(JSON.stringify(users.map((user) => user.username)));
      for (const user of users) {
        const fields = JSON.stringify(user.email === undefined ? {} : { email: user.email });
        const existing = findUser(user.username);
        if (existing && existing.realm !== LOCAL_REALM) {
          skipped.push(user.username);
          continue;
        }
        if (existing) sql(UPDATE_LOCAL_USER).run(user.password, fields, user.username);
        else sql(INSERT_USER).run(user.username, LOCAL_REALM, null, null, user.password, fields, now());
        setGroups(user.username, user.groups);
      }
      return skipped;
    }),
    createSession(token, session, lifetimeSeconds) {
      sql(DELETE_EXPIRED_SESSIONS).run(now());
      sql(INSERT_SESSION).run(hashToken(token), session.username, session.providerID ?? null, session.idToken ?? null, now() + lifetimeSeconds);
    },
    findSession(token) {
      const row = sql(SELECT_SESSION).get(hashToken(token), now()) as { username: string; provider_id: string | null; id_token: string | null } | undefined;
      return row ? { username: row.username, providerID: row.provider_id ?? undefined, idToken: row.id_token ?? undefined } : undefined;
    },
    deleteSession(token) {
      const row = sql(DELETE_SESSION).get(hashToken(token)) as { provider_id: string | null; id_token: string | null } | undefined;
      return row ? { providerID: row.provider_id ?? undefined, idToken: row.id_token ?? undefined } : undefined;
    },
    close: () => db.close(),
  };
}
