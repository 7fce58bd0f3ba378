// Resolves what a person types in the login form to one user: the exact username, or, when
// configured, the username compared case-insensitively and the email address. Names that would
// resolve to two users are refused at load, so a login never depends on the file's order.
import type { IssueCollector } from '../config/issues.ts';
import type { UserRecord } from './user-entry.ts';

export interface SearchOptions {
  /** `search.email`: the email address is also a login name. */
  readonly email: boolean;
  /** `search.case_insensitive`: usernames match after NFKC normalisation and case folding. */
  readonly caseInsensitive: boolean;
}

export interface UserDirectory {
  readonly size: number;
  find(login: string): UserRecord | undefined;
  records(): IterableIterator<UserRecord>;
}

/**
 * NFKC plus full case folding, as near as JavaScript gets: upper- then lower-casing maps 'ß' and
 * 'ẞ' to 'ss', 'ſ' to 's' and 'K' (Kelvin) to 'k', which lowercasing alone does not.
 */
export function foldLoginName(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

export interface DirectoryEntry {
  readonly username: string;
  /** Undefined when the entry had errors; its name still takes part in the ambiguity checks. */
  readonly record: UserRecord | undefined;
}

/** The directory of every valid record; ambiguous names are reported to `issues`. */
export function buildUserDirectory(entries: readonly DirectoryEntry[], search: SearchOptions, issues: IssueCollector): UserDirectory {
  const byName = new Map<string, UserRecord>();
  const byFoldedName = new Map<string, string>();
  const byEmail = new Map<string, string>();
  for (const { username, record } of entries) {
    if (record) byName.set(username, record);
    const folded = foldLoginName(username);
    const twin = byFoldedName.get(folded);
    if (twin === undefined) byFoldedName.set(folded, username);
    else if (search.caseInsensitive) {
      issues.error(['users', username], `is the same username as '${twin}' once case is ignored, as search.case_insensitive does`, 'rename or merge one of the two users', { atKey: true });
    }
  }
  if (search.email) {
    for (const { username, record } of entries) {
      const email = record?.user.emails[0];
      if (email === undefined) continue;
      const folded = foldLoginName(email);
      const owner = byEmail.get(folded);
      const namesake = byFoldedName.get(folded);
      const at = ['users', username, 'email'];
      if (owner !== undefined) issues.error(at, `is also the email of '${owner}', but with search.email a login must name one user`);
      else if (namesake !== undefined && namesake !== username) issues.error(at, `is also the username of '${namesake}', but with search.email a login must name one user`);
      else byEmail.set(folded, username);
    }
  }
  const resolve = (login: string): string | undefined => {
    if (byName.has(login)) return login;
    const folded = foldLoginName(login);
    return (search.caseInsensitive ? byFoldedName.get(folded) : undefined) ?? (search.email ? byEmail.get(folded) : undefined);
  };
  return {
    size: byName.size,
    find: (login) => {
      const username = resolve(login);
      return username === undefined ? undefined : byName.get(username);
    },
    records: () => byName.values(),
  };
}
