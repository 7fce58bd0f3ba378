// A small application around the relying-party module for tests: an in-memory user store and a Koa
// app on a free 127.0.0.1 port whose onLogin starts a session (cookie test_app_session) and answers
// with the signed-in user as JSON; onLogout ends it and names the provider.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import Koa from 'koa';
import { parseRelyingPartySettings, RelyingPartyError, relyingPartyRoutes, type AppGroup, type NewUser, type RelyingPartyConfig, type RelyingPartyRoutesOptions, type StoredUser, type UserField, type UserStore } from '../../src/relying-party/index.ts';

const SESSION_COOKIE = 'test_app_session';
export const COOKIE_SECRET = 'a-test-cookie-secret-0123456789-abcdef';

export interface MemoryStore extends UserStore {
  readonly users: Map<string, StoredUser & { subject?: string }>;
  /** Every write, in order, e.g. 'createUser john'. */
  readonly writes: string[];
}

export function memoryStore(initial: StoredUser[] = []): MemoryStore {
  const users = new Map<string, StoredUser & { subject?: string }>(initial.map((u) => [u.username, u]));
  const writes: string[] = [];
  return {
    users,
    writes,
    findUser: (username) => users.get(username),
    createUser(user: NewUser) {
      writes.push(`createUser ${user.username}`);
      users.set(user.username, { username: user.username, realm: user.realm, providerID: user.providerID, subject: user.subject, groups: [], fields: user.fields });
    },
    updateUser(username: string, fields: Partial<Record<UserField, string>>) {
      writes.push(`updateUser ${username}`);
      const user = users.get(username)!;
      users.set(username, { ...user, fields: { ...user.fields, ...fields } });
    },
    setGroups(username: string, groups: readonly string[]) {
      writes.push(`setGroups ${username}`);
      users.set(username, { ...users.get(username)!, groups: [...groups] });
    },
  };
}

/** The code of the RelyingPartyError that `run` throws, or 'accepted' when it throws none. */
export function thrownCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RelyingPartyError, String(error));
    return error.code;
  }
  return 'accepted';
}

/** One validated OIDC configuration (defaults applied) from raw keys. */
export function rpConfig(raw: Record<string, unknown>): RelyingPartyConfig {
  return parseRelyingPartySettings({ oidc: [raw] }).oidc[0]!;
}

export interface TestApp {
  readonly url: string;
  readonly redirectURI: string;
  readonly logs: { level: string; object: Record<string, unknown>; message: string }[];
  close(): Promise<void>;
}

/** Reserves the app's port first, so Castellan can be told the redirect URI before the configs exist. */
export async function startApp(port: number, options: { configs: readonly RelyingPartyConfig[]; groups?: readonly AppGroup[]; store: UserStore } & Partial<RelyingPartyRoutesOptions>): Promise<TestApp> {
  const logs: TestApp['logs'] = [];
  const sessions = new Map<string, { providerID: string; idToken: string }>();
  const log = (level: string) => (object: Record<string, unknown>, message: string): void => { logs.push({ level, object, message }); };
  const app = new Koa();
  app.use(relyingPartyRoutes({
    cookieSecret: COOKIE_SECRET,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn') },
    onLogin(ctx, login) {
      const id = randomUUID();
      sessions.set(id, { providerID: login.providerID, idToken: login.idToken });
      ctx.cookies.set(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'lax' });
      ctx.body = { username: login.user.username, groups: login.user.groups, created: login.created, fields: login.user.fields };
    },
    onLogout(ctx) {
      const id = ctx.cookies.get(SESSION_COOKIE) ?? '';
      const session = sessions.get(id);
      sessions.delete(id);
      ctx.cookies.set(SESSION_COOKIE, null);
      return session;
    },
    ...options,
  }));
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { server.once('listening', resolve); server.once('error', reject); });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    redirectURI: `${url}/api/oidc_callback`,
    logs,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
