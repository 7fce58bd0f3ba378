// Checking the users database at open: each problem is a ConfigIssue with FILE:LINE:COLUMN and the
// key path, all of them at once, and no password or digest ever appears in a message.
// Format: Authelia 4.39 users-database schema (docs/static/schemas/v4.39/json-schema/user-database.json).
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { before, describe, test } from 'node:test';
import { ConfigError, formatIssue } from '../../src/config/issues.ts';
import type { FileBackendConfig } from '../../src/config/types.ts';
import { openFileBackend } from '../../src/identity/file-backend.ts';
import { fastDigest, fileConfig, recordingLogger, tempDir, usersFile } from './helpers.ts';

let digest: string;
before(async () => {
  digest = await fastDigest('secret');
});

/** The issues (formatted, file name without directory) of a users file that must not load. */
async function failures(text: string, extra: Partial<FileBackendConfig> = {}): Promise<string[]> {
  const path = await usersFile(text);
  try {
    await openFileBackend(fileConfig(path, extra));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => `${issue.severity}: ${formatIssue(issue).replace(path, basename(path))}`);
  }
  return assert.fail('expected a ConfigError');
}

/** A user entry with a valid password and display name, plus `lines` (each indented under the user). */
function user(name: string, ...lines: string[]): string {
  return [`  ${name}:`, `    displayname: '${name}'`, `    password: '${digest}'`, ...lines.map((l) => `    ${l}`)].join('\n');
}

interface Case {
  readonly name: string;
  readonly text: () => string;
  readonly config?: Partial<FileBackendConfig>;
  /** The first line of the one expected error. */
  readonly error: string;
  readonly hint?: RegExp;
}

const CASES: readonly Case[] = [
  {
    name: 'missing password',
    text: () => "users:\n  john:\n    displayname: 'John'\n",
    error: 'users_database.yml:2:3 users.john.password: is required but is not set',
    hint: /castellan crypto hash generate/,
  },
  {
    name: 'missing displayname',
    text: () => `users:\n  john:\n    password: '${digest}'\n`,
    error: 'users_database.yml:2:3 users.john.displayname: is required but is not set',
  },
  {
    name: 'malformed digest',
    text: () => "users:\n  john:\n    displayname: 'John'\n    password: '$argon2id$v=19$m=65536,t=3$c2FsdHNhbHQ'\n",
    error: 'users_database.yml:4:15 users.john.password: is not a valid digest: argon2 digest has 4 fields but needs 5',
  },
  {
    name: 'unsupported digest',
    text: () => "users:\n  john:\n    displayname: 'John'\n    password: '$1$saltsalt$0123456789abcdefghijkl'\n",
    error: "users_database.yml:4:15 users.john.password: uses an unsupported digest: unsupported digest prefix '$1$' (md5crypt)",
  },
  {
    name: 'plaintext password',
    text: () => "users:\n  john:\n    displayname: 'John'\n    password: 'hunter2'\n",
    error: 'users_database.yml:4:15 users.john.password: must be a password digest but looks like a plaintext password (not shown)',
    hint: /users cannot have plaintext passwords/,
  },
  {
    name: '$plaintext$ password',
    text: () => "users:\n  john:\n    displayname: 'John'\n    password: '$plaintext$hunter2'\n",
    error: 'users_database.yml:4:15 users.john.password: must be a password digest but is a $plaintext$ secret, which only client secrets may use',
  },
  {
    name: 'password that is not a string',
    text: () => "users:\n  john:\n    displayname: 'John'\n    password: 123456\n",
    error: 'users_database.yml:4:15 users.john.password: must be a string (a password digest) but is configured as a secret value (not shown)',
  },
  {
    name: 'groups not a list',
    text: () => `users:\n${user('john', 'groups: admins')}\n`,
    error: "users_database.yml:5:13 users.john.groups: must be a list of group names but is configured as 'admins'",
    hint: /groups: \['admins'\]/,
  },
  {
    name: 'a group that is not a string',
    text: () => `users:\n${user('john', 'groups: [admins, 42]')}\n`,
    error: 'users_database.yml:5:22 users.john.groups[1]: must be a string but is configured as 42',
  },
  {
    name: 'unknown user key',
    text: () => `users:\n${user('john', "mail: 'john@example.com'")}\n`,
    error: 'users_database.yml:5:5 users.john.mail: configuration key not expected',
    hint: /did you mean 'email'\?/,
  },
  {
    name: 'unknown top-level key',
    text: () => `users:\n${user('john')}\ngroups:\n  - admins\n`,
    error: 'users_database.yml:5:1 groups: configuration key not expected',
    hint: /the keys allowed here are 'users'/,
  },
  {
    name: 'no users key',
    text: () => '# nothing yet\n',
    error: 'users_database.yml users: is required but is not set',
  },
  {
    name: 'invalid email',
    text: () => `users:\n${user('john', "email: 'john.example.com'")}\n`,
    error: "users_database.yml:5:12 users.john.email: must be an email address such as 'john@example.com' but is configured as 'john.example.com'",
  },
  {
    name: 'a list of emails',
    text: () => `users:\n${user('john', "email: ['john@example.com']")}\n`,
    error: 'users_database.yml:5:12 users.john.email: must be a single email address but is configured as a list',
  },
  {
    name: 'disabled not a boolean',
    text: () => `users:\n${user('john', 'disabled: yes')}\n`,
    error: "users_database.yml:5:15 users.john.disabled: must be true or false but is configured as 'yes'",
  },
  {
    name: 'an entry that is not a map',
    text: () => 'users:\n  john: ~\n',
    error: 'users_database.yml:2:9 users.john: must be a map of user attributes (password, displayname, email, groups, …) but is configured as empty',
  },
  {
    name: 'usernames that differ only by case, with case_insensitive',
    text: () => `users:\n${user('john')}\n${user('John')}\n`,
    config: { search: { case_insensitive: true } },
    error: "users_database.yml:5:3 users.John: is the same username as 'john' once case is ignored, as search.case_insensitive does",
  },
  {
    name: 'usernames that differ only by NFKC form, with case_insensitive',
    text: () => `users:\n${user('john')}\n${user('ＪＯＨＮ')}\n`,
    config: { search: { case_insensitive: true } },
    error: "users_database.yml:5:3 users.ＪＯＨＮ: is the same username as 'john' once case is ignored, as search.case_insensitive does",
  },
  {
    name: 'one email for two users, with search.email',
    text: () => `users:\n${user('john', "email: 'a@example.com'")}\n${user('jane', "email: 'A@example.com'")}\n`,
    config: { search: { email: true } },
    error: "users_database.yml:9:12 users.jane.email: is also the email of 'john', but with search.email a login must name one user",
  },
  {
    name: "an email that is another user's username, with search.email",
    text: () => `users:\n${user('a@example.com')}\n${user('jane', "email: 'a@example.com'")}\n`,
    config: { search: { email: true } },
    error: "users_database.yml:8:12 users.jane.email: is also the username of 'a@example.com', but with search.email a login must name one user",
  },
  {
    name: 'website that is not an absolute URL',
    text: () => `users:\n${user('john', "website: 'example.com'")}\n`,
    error: "users_database.yml:5:14 users.john.website: must be an absolute URL such as 'https://example.com/john' but is configured as 'example.com'",
  },
  {
    name: 'locale that is not a BCP 47 tag',
    text: () => `users:\n${user('john', "locale: 'english!'")}\n`,
    error: "users_database.yml:5:13 users.john.locale: must be a BCP 47 language tag such as 'en-US' but is configured as 'english!'",
  },
  {
    name: 'unquoted phone number',
    text: () => `users:\n${user('john', 'phone_number: 4915112345')}\n`,
    error: 'users_database.yml:5:19 users.john.phone_number: must be a string but is configured as 4915112345',
    hint: /quote the value/,
  },
  {
    name: 'unknown address key',
    text: () => `users:\n${user('john', 'address:', '  city: Berlin')}\n`,
    error: 'users_database.yml:6:7 users.john.address.city: configuration key not expected',
  },
  {
    name: 'undeclared extra attribute',
    text: () => `users:\n${user('john', 'extra:', '  badge: 7')}\n`,
    error: 'users_database.yml:6:7 users.john.extra.badge: is not declared in authentication_backend.file.extra_attributes',
  },
  {
    name: 'extra attribute of the wrong type',
    text: () => `users:\n${user('john', 'extra:', "  badge: 'seven'")}\n`,
    config: { extra_attributes: { badge: { value_type: 'integer' } } },
    error: "users_database.yml:6:14 users.john.extra.badge: must be a single integer value but is configured as 'seven'",
  },
  {
    name: 'YAML syntax error',
    text: () => "users:\n  john:\n    displayname: 'John\n",
    error: 'users_database.yml:4:1 YAML syntax error: Missing closing \'quote',
  },
];

describe('each problem, with its line and column', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const issues = await failures(c.text(), c.config);
      const errors = issues.filter((i) => i.startsWith('error: '));
      assert.equal(errors.length, 1, issues.join('\n'));
      const [head, hint] = errors[0]!.slice('error: '.length).split('\n    hint: ');
      assert.equal(head, c.error);
      if (c.hint) assert.match(hint ?? '', c.hint);
      assert.ok(!errors[0]!.includes(digest), 'no digest in the message');
    });
  }
});

test('every problem of a file is reported at once, in file order, and none quotes a secret', async () => {
  const issues = await failures(`users:
  john:
    password: 'hunter2'
    groups: admins
  jane:
    displayname: 'Jane'
    password: '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q'
    email: '$6$rounds=5000$leaked'
  bob:
    displayname: 'Bob'
    passwd: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$a2V5a2V5a2V5'
`);
  assert.deepEqual(issues.map((i) => i.split(' ').slice(1, 3).join(' ')), [
    'users_database.yml:2:3 users.john.displayname:',
    'users_database.yml:3:15 users.john.password:',
    'users_database.yml:4:13 users.john.groups:',
    'users_database.yml:7:15 users.jane.password:',
    'users_database.yml:8:12 users.jane.email:',
    'users_database.yml:9:3 users.bob.password:',
    'users_database.yml:11:5 users.bob.passwd:',
  ]);
  const all = issues.join('\n');
  for (const secret of ['hunter2', 'c8p78n7pUMln0jzvd4aK4Q', 'leaked', 'a2V5a2V5a2V5']) assert.ok(!all.includes(secret), `'${secret}' is not shown`);
});

test('warnings do not stop the load and are logged', async () => {
  const logger = recordingLogger();
  const path = await usersFile(`users:\n${user('john', "birthdate: 'yesterday'")}\n`);
  const backend = await openFileBackend(fileConfig(path), { logger });
  assert.equal(backend.size, 1);
  assert.ok(logger.lines.some((l) => l.startsWith('warn: ') && l.includes(':5:16 users.john.birthdate: should be YYYY-MM-DD')), logger.lines.join('\n'));
  await backend.close();
});

test('an empty users map loads with a warning', async () => {
  const logger = recordingLogger();
  const backend = await openFileBackend(fileConfig(await usersFile('users: {}\n')), { logger });
  assert.equal(backend.size, 0);
  assert.equal(await backend.authenticate('anyone', 'secret'), undefined);
  assert.ok(logger.lines.some((l) => l.includes('users: has no users, so nobody can sign in')));
  await backend.close();
});

test('a missing file and a missing path are ConfigErrors', async () => {
  const missing = `${await tempDir()}/nope.yml`;
  await assert.rejects(openFileBackend(fileConfig(missing)), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(formatIssue(error.issues[0]!), `${missing} cannot read the users database: the file does not exist`);
    return true;
  });
  await assert.rejects(openFileBackend({ watch: false }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(formatIssue(error.issues[0]!), 'authentication_backend.file.path: is required: it names the users database YAML file');
    return true;
  });
});

test('extra attributes of the declared type are kept', async () => {
  const path = await usersFile(`users:\n${user('john', 'extra:', '  badge: 7', '  teams: [red, blue]')}\n`);
  const backend = await openFileBackend(fileConfig(path, {
    extra_attributes: { badge: { value_type: 'integer' }, teams: { value_type: 'string', multi_valued: true } },
  }));
  assert.deepEqual((await backend.lookup('john'))?.extra, { badge: 7, teams: ['red', 'blue'] });
  await backend.close();
});
