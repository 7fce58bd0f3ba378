// Reads the text of Authelia's users database (`users: <username>: {…}`) into a UserDirectory, or
// reports every problem at once as ConfigIssues with file, line and column. Nothing is half-loaded:
// with any error there is no directory, only the issues.
import { sortIssues, IssueCollector, type ConfigIssue } from '../config/issues.ts';
import type { ConfigDocument } from '../config/document.ts';
import { parseYAML } from '../config/load.ts';
import type { ExtraAttributeConfig } from '../config/types.ts';
import { buildUserDirectory, type DirectoryEntry, type SearchOptions, type UserDirectory } from './user-directory.ts';
import { checkUserEntry, isMap, reportUnknownKeys, show } from './user-entry.ts';

export interface UsersFileOptions {
  /** The file name the issues are reported against. */
  readonly source: string;
  readonly search: SearchOptions;
  readonly extraAttributes: Readonly<Record<string, ExtraAttributeConfig>>;
}

export interface UsersFileResult {
  /** Undefined when the file has at least one error. */
  readonly directory: UserDirectory | undefined;
  /** Errors and warnings, in file order. */
  readonly issues: readonly ConfigIssue[];
}

const USERS_HINT = 'the file holds one map, users:, with an entry per username';

export function parseUsersFile(text: string, options: UsersFileOptions): UsersFileResult {
  const { source } = options;
  let doc: ConfigDocument | undefined;
  const issues = new IssueCollector((path, preferKey) => doc?.locate(path, preferKey) ?? { source });
  doc = parseYAML(text, source, 0, issues);
  if (!doc) return { directory: undefined, issues: issues.issues };
  reportUnknownKeys(doc.data, ['users'], [], issues);
  const users = doc.data['users'];
  if (!doc.has(['users'])) issues.error(['users'], 'is required but is not set', USERS_HINT);
  else if (users !== null && !isMap(users)) issues.error(['users'], `must be a map of usernames to user attributes but is configured as ${show(users)}`, USERS_HINT);
  else if (users === null || Object.keys(users).length === 0) issues.warn(['users'], 'has no users, so nobody can sign in');
  const entries: DirectoryEntry[] = [];
  if (isMap(users)) {
    const context = { issues, extraAttributes: options.extraAttributes };
    for (const [username, entry] of Object.entries(users)) entries.push({ username, record: checkUserEntry(username, entry, context) });
  }
  const directory = buildUserDirectory(entries, options.search, issues);
  return { directory: issues.hasErrors ? undefined : directory, issues: sortIssues(issues.issues) };
}
