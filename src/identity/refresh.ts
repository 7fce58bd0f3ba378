// `authentication_backend.refresh_interval`: how long what the backend said about a signed-in user
// is believed. Every use of a session looks its user up (src/oidc/context.ts userForSubject); this
// answers from the last check while it is younger than the interval and asks the backend again
// after, so a user deleted, disabled or no longer matching the users filter loses the session
// (they must sign in again), and changed groups or e-mail reach the claims. 'always' checks on
// every use, 'disable' keeps the details from the sign-in until the process restarts.
import type { Seconds } from '../config/types.ts';
import type { AuthenticationBackend, User } from './user.ts';

export type RefreshInterval = Seconds | 'always' | 'disable';

/** Users remembered at most; the oldest check is forgotten first (and simply made again). */
const MAX_ENTRIES = 10_000;

interface Checked {
  readonly user: User;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** `backend` with its lookups answered from checks younger than `interval`; `clock` gives ms since the epoch. */
export function withRefreshInterval(backend: AuthenticationBackend, interval: RefreshInterval, clock: () => number = Date.now): AuthenticationBackend {
  const checked = new Map<string, Checked>();

  function remember(name: string, user: User): void {
    checked.delete(name);
    if (checked.size >= MAX_ENTRIES) checked.delete(checked.keys().next().value!);
    checked.set(name, { user, at: clock() });
  }

  function fresh(entry: Checked | undefined): entry is Checked {
    if (entry === undefined || interval === 'always') return false;
    return interval === 'disable' || clock() - entry.at < interval * 1000;
  }

  return {
    async authenticate(username, password) {
      const user = await backend.authenticate(username, password);
      // A sign-in is a check: the session starts with what the backend just said.
      if (user) remember(user.username, user);
      return user;
    },
    async lookup(username) {
      const entry = checked.get(username);
      if (fresh(entry)) return entry.user;
      const user = await backend.lookup(username);
      if (user) remember(username, user);
      else checked.delete(username);
      return user;
    },
    close: () => backend.close(),
  };
}
