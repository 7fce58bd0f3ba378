// Checks one `users.<name>` entry of Authelia's users database (4.39 format) and turns it into a
// User plus its parsed digest. Every problem is reported (none stops the others), in the config's
// grammar `path: must be … but is configured as …`; a password or digest is never quoted.
import { describeValue, listValues } from '../config/describe.ts';
import type { IssueCollector } from '../config/issues.ts';
import type { Path } from '../config/path.ts';
import { closest } from '../config/suggest.ts';
import type { ExtraAttributeConfig } from '../config/types.ts';
import { DigestError, parseDigest, type Digest } from '../crypto/digest.ts';
import type { User, UserAddress } from './user.ts';

/** A user as the backend keeps it: the public User and the digest its password is checked against. */
export interface UserRecord {
  readonly user: User;
  readonly digest: Digest;
}

/** The attributes Authelia 4.39 reads from a string, by users-file key, with their User field. */
const STRING_ATTRIBUTES = {
  given_name: 'givenName', middle_name: 'middleName', family_name: 'familyName', nickname: 'nickname',
  gender: 'gender', birthdate: 'birthdate', website: 'website', profile: 'profile', picture: 'picture',
  zoneinfo: 'zoneinfo', locale: 'locale', phone_number: 'phoneNumber', phone_extension: 'phoneExtension',
} as const satisfies Record<string, keyof User>;

const ADDRESS_ATTRIBUTES = {
  street_address: 'streetAddress', locality: 'locality', region: 'region', postal_code: 'postalCode', country: 'country',
} as const satisfies Record<string, keyof UserAddress>;

const URL_ATTRIBUTES: ReadonlySet<string> = new Set(['website', 'profile', 'picture']);

/** Every key a user entry may have (the users-database JSON schema of Authelia 4.39). */
const USER_KEYS: readonly string[] = [
  'password', 'displayname', 'email', 'groups', 'disabled', ...Object.keys(STRING_ATTRIBUTES), 'address', 'extra',
];

const DIGEST_HINT = "store a digest, e.g. the output of 'castellan crypto hash generate argon2 --password …'";
// OIDC Core §5.1: birthdate is YYYY-MM-DD, YYYY, or 0000-MM-DD when the year is withheld.
const BIRTHDATE = /^(\d{4}|\d{4}-\d{2}-\d{2})$/;
// One '@' between a local part and a dotted-or-bare domain, no spaces or control characters.
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}.]+(\.[^\s@\p{Cc}.]+)*$/u;

export interface EntryContext {
  readonly issues: IssueCollector;
  readonly extraAttributes: Readonly<Record<string, ExtraAttributeConfig>>;
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Errors for keys outside `known`, each with the closest known key as a hint. */
export function reportUnknownKeys(map: Record<string, unknown>, known: readonly string[], at: Path, issues: IssueCollector): void {
  for (const key of Object.keys(map)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    const hint = guess ? `did you mean '${guess}'?` : `the keys allowed here are ${listValues(known)}`;
    issues.error([...at, key], 'configuration key not expected', hint, { atKey: true });
  }
}

// A digest pasted under the wrong key must not be quoted back either.
const DIGEST_LIKE = /^(\$|\{[A-Z0-9-]+\})/;

/** A value as quoted in messages; one that looks like a digest is described, not shown. */
export function show(value: unknown): string {
  return describeValue(value, typeof value === 'string' && DIGEST_LIKE.test(value));
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The string at `path`, undefined when absent or empty; a non-string is reported. */
function optionalString(value: unknown, path: Path, issues: IssueCollector): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  const hint = typeof value === 'number' || typeof value === 'boolean' ? `quote the value: '${String(value)}'` : undefined;
  issues.error(path, `must be a string but is configured as ${show(value)}`, hint);
  return undefined;
}

function checkPassword(value: unknown, path: Path, issues: IssueCollector): Digest | undefined {
  if (value === undefined || value === null || value === '') {
    issues.error(path, 'is required but is not set', DIGEST_HINT);
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.error(path, `must be a string (a password digest) but is configured as ${describeValue(value, true)}`, DIGEST_HINT);
    return undefined;
  }
  if (!value.startsWith('$') && !value.startsWith('{')) {
    issues.error(path, 'must be a password digest but looks like a plaintext password (not shown)', `users cannot have plaintext passwords: ${DIGEST_HINT}`);
    return undefined;
  }
  try {
    const digest = parseDigest(value);
    if (digest.algorithm !== 'plaintext') return digest;
    issues.error(path, 'must be a password digest but is a $plaintext$ secret, which only client secrets may use', `users cannot have plaintext passwords: ${DIGEST_HINT}`);
  } catch (error) {
    if (!(error instanceof DigestError)) throw error;
    const what = error.code === 'DIGEST_UNSUPPORTED' ? 'uses an unsupported digest' : 'is not a valid digest';
    issues.error(path, `${what}: ${error.message}`, DIGEST_HINT);
  }
  return undefined;
}

function checkEmail(value: unknown, path: Path, issues: IssueCollector): string[] {
  if (Array.isArray(value)) {
    issues.error(path, 'must be a single email address but is configured as a list', 'the users file holds one address per user (Authelia 4.39)');
    return [];
  }
  const email = optionalString(value, path, issues);
  if (email === undefined) return [];
  if (!EMAIL.test(email)) {
    issues.error(path, `must be an email address such as 'john@example.com' but is configured as ${show(email)}`);
    return [];
  }
  return [email];
}

function checkGroups(value: unknown, path: Path, issues: IssueCollector): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    const hint = typeof value === 'string' ? `write it as a list: groups: ['${value}']` : undefined;
    issues.error(path, `must be a list of group names but is configured as ${show(value)}`, hint);
    return [];
  }
  const groups: string[] = [];
  value.forEach((item, index) => {
    const group = optionalString(item, [...path, index], issues);
    if (group !== undefined) groups.push(group);
    else if (item === null || item === '') issues.error([...path, index], 'must be a group name but is empty');
  });
  return [...new Set(groups)];
}

function checkDisabled(value: unknown, path: Path, issues: IssueCollector): boolean {
  if (value !== undefined && value !== null && typeof value !== 'boolean') {
    issues.error(path, `must be true or false but is configured as ${show(value)}`, "YAML 1.2 reads 'yes', 'no', 'on' and 'off' as strings");
  }
  return value === true;
}

/** A string attribute after the checks Authelia makes (URLs, BCP 47 locale) and OIDC's birthdate form. */
function checkAttribute(key: string, value: string, path: Path, issues: IssueCollector): string | undefined {
  if (URL_ATTRIBUTES.has(key) && !URL.canParse(value)) {
    issues.error(path, `must be an absolute URL such as 'https://example.com/john' but is configured as ${show(value)}`);
    return undefined;
  }
  if (key === 'locale') {
    try {
      return Intl.getCanonicalLocales(value)[0];
    } catch {
      issues.error(path, `must be a BCP 47 language tag such as 'en-US' but is configured as ${show(value)}`);
      return undefined;
    }
  }
  if (key === 'birthdate' && !BIRTHDATE.test(value)) {
    issues.warn(path, `should be YYYY-MM-DD, YYYY or 0000-MM-DD (OIDC Core §5.1) but is configured as ${show(value)}`);
  }
  return value;
}

function checkAddress(value: unknown, path: Path, issues: IssueCollector): UserAddress | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMap(value)) {
    issues.error(path, `must be a map of ${listValues(Object.keys(ADDRESS_ATTRIBUTES))} but is configured as ${show(value)}`);
    return undefined;
  }
  reportUnknownKeys(value, Object.keys(ADDRESS_ATTRIBUTES), path, issues);
  const address: Mutable<UserAddress> = {};
  for (const [key, field] of Object.entries(ADDRESS_ATTRIBUTES)) {
    const text = optionalString(value[key], [...path, key], issues);
    if (text !== undefined) address[field] = text;
  }
  return Object.keys(address).length > 0 ? address : undefined;
}

function matchesType(value: unknown, type: ExtraAttributeConfig['value_type']): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case undefined: return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  }
}

/** `extra`: only attributes declared in authentication_backend.file.extra_attributes, of their declared type. */
function checkExtra(value: unknown, path: Path, context: EntryContext): Record<string, unknown> | undefined {
  const { issues, extraAttributes } = context;
  if (value === undefined || value === null) return undefined;
  if (!isMap(value)) {
    issues.error(path, `must be a map of extra attributes but is configured as ${show(value)}`);
    return undefined;
  }
  const extra: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(value)) {
    const declared = Object.hasOwn(extraAttributes, name) ? extraAttributes[name] : undefined;
    if (!declared) {
      const guess = closest(name, Object.keys(extraAttributes));
      const hint = guess ? `did you mean '${guess}'?` : 'declare it there with its value_type (string, integer or boolean)';
      issues.error([...path, name], 'is not declared in authentication_backend.file.extra_attributes', hint, { atKey: true });
      continue;
    }
    const type = declared.value_type;
    const kind = type ?? 'string, integer or boolean';
    if (declared.multi_valued) {
      if (Array.isArray(attribute) && attribute.every((item) => matchesType(item, type))) extra[name] = attribute;
      else issues.error([...path, name], `must be a list of ${kind} values but is configured as ${show(attribute)}`);
    } else if (matchesType(attribute, type)) {
      extra[name] = attribute;
    } else {
      issues.error([...path, name], `must be a single ${kind} value but is configured as ${show(attribute)}`);
    }
  }
  return Object.keys(extra).length > 0 ? extra : undefined;
}

/** The record for `users.<username>`, or undefined when the entry has an error (all reported). */
export function checkUserEntry(username: string, entry: unknown, context: EntryContext): UserRecord | undefined {
  const { issues } = context;
  const at = ['users', username];
  const errorsBefore = countErrors(issues);
  if (username.trim() === '') issues.error(at, 'is not a valid username: it is empty or only spaces', undefined, { atKey: true });
  if (!isMap(entry)) {
    issues.error(at, `must be a map of user attributes (password, displayname, email, groups, …) but is configured as ${show(entry)}`);
    return undefined;
  }
  reportUnknownKeys(entry, USER_KEYS, at, issues);
  const digest = checkPassword(entry['password'], [...at, 'password'], issues);
  const displayName = optionalString(entry['displayname'], [...at, 'displayname'], issues);
  if ((entry['displayname'] ?? '') === '') issues.error([...at, 'displayname'], 'is required but is not set', "the name shown to the user and sent as the 'name' claim");
  const user: Mutable<User> = {
    username,
    displayName: displayName ?? '',
    emails: Object.freeze(checkEmail(entry['email'], [...at, 'email'], issues)),
    groups: Object.freeze(checkGroups(entry['groups'], [...at, 'groups'], issues)),
    disabled: checkDisabled(entry['disabled'], [...at, 'disabled'], issues),
  };
  for (const [key, field] of Object.entries(STRING_ATTRIBUTES)) {
    const text = optionalString(entry[key], [...at, key], issues);
    const checked = text === undefined ? undefined : checkAttribute(key, text, [...at, key], issues);
    if (checked !== undefined) user[field] = checked;
  }
  const address = checkAddress(entry['address'], [...at, 'address'], issues);
  if (address) user.address = Object.freeze(address);
  const extra = checkExtra(entry['extra'], [...at, 'extra'], context);
  if (extra) user.extra = Object.freeze(extra);
  return countErrors(issues) > errorsBefore || !digest ? undefined : { user: Object.freeze(user), digest };
}

function countErrors(issues: IssueCollector): number {
  return issues.issues.reduce((n, issue) => n + (issue.severity === 'error' ? 1 : 0), 0);
}
