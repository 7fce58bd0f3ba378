// `authentication_backend.file.watch: true`: the users file is re-read when it changes, whether
// edited in place or replaced atomically; a broken edit keeps the previous users and is logged.
import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { openFileBackend } from '../../src/identity/file-backend.ts';
import { fastDigest, fileConfig, recordingLogger, usersFile } from './helpers.ts';

async function john(password: string, extra = ''): Promise<string> {
  return `users:\n  john:\n    displayname: 'John'\n    password: '${await fastDigest(password)}'\n${extra}`;
}

const DEBOUNCE_MS = 20;

test('edits, broken edits and atomic replacements of a watched file', async () => {
  const path = await usersFile(await john('first'));
  const logger = recordingLogger();
  const backend = await openFileBackend(fileConfig(path, { watch: true }), { logger, watchDebounceMs: DEBOUNCE_MS });
  assert.match(logger.lines[0]!, /loaded the users database, 1 user, watching for changes$/);

  // An edit in place: the new password works, the old one no longer does.
  let mark = logger.lines.length;
  await writeFile(path, await john('second'));
  await logger.waitFor(/reloaded the users database, 1 user$/, mark);
  assert.equal((await backend.authenticate('john', 'second'))?.username, 'john');
  assert.equal(await backend.authenticate('john', 'first'), undefined);

  // A broken edit: every issue is logged with its position, and the previous users stay.
  mark = logger.lines.length;
  await writeFile(path, "users:\n  john:\n    displayname: 'John'\n    password: 'plain-text'\n  jane: {}\n");
  await logger.waitFor(/users\.jane\.displayname: is required/, mark);
  await logger.waitFor(/the users database has errors; keeping the 1 user loaded before$/, mark);
  const logged = logger.lines.slice(mark).join('\n');
  assert.match(logged, /^error: .*users_database\.yml:4:15 users\.john\.password: must be a password digest/m);
  assert.match(logged, /^error: .*users_database\.yml:5:3 users\.jane\.password: is required but is not set/m);
  assert.match(logged, /^error: .*users_database\.yml:5:3 users\.jane\.displayname: is required but is not set/m);
  assert.ok(!logged.includes('plain-text'), 'the password is not logged');
  assert.equal((await backend.authenticate('john', 'second'))?.username, 'john', 'the old users are kept');
  assert.equal(await backend.lookup('jane'), undefined, 'nothing of the broken file is applied');

  // An atomic replacement (write a temporary file, rename it over the old one), as editors do.
  mark = logger.lines.length;
  const temporary = join(dirname(path), '.users_database.yml.tmp');
  await writeFile(temporary, await john('third', "  jane:\n    displayname: 'Jane'\n    password: '" + (await fastDigest('jane')) + "'\n"));
  await rename(temporary, path);
  await logger.waitFor(/reloaded the users database, 2 users$/, mark);
  assert.equal((await backend.authenticate('john', 'third'))?.username, 'john');
  assert.equal((await backend.authenticate('jane', 'jane'))?.username, 'jane');
  assert.equal(backend.size, 2);

  // A second atomic replacement still works: the watch is on the directory, not the replaced inode.
  mark = logger.lines.length;
  await writeFile(temporary, await john('fourth'));
  await rename(temporary, path);
  await logger.waitFor(/reloaded the users database, 1 user$/, mark);
  assert.equal((await backend.authenticate('john', 'fourth'))?.username, 'john');

  // After close, changes are no longer picked up.
  await backend.close();
  mark = logger.lines.length;
  await writeFile(path, await john('fifth'));
  await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 10));
  assert.deepEqual(logger.lines.slice(mark), []);
  assert.equal((await backend.authenticate('john', 'fourth'))?.username, 'john');
});

test('reload() re-reads now, and an unchanged file is not reloaded', async () => {
  const path = await usersFile(await john('first'));
  const logger = recordingLogger();
  const backend = await openFileBackend(fileConfig(path), { logger });
  assert.equal(await backend.reload(), 'unchanged');
  await writeFile(path, await john('second'));
  assert.equal(await backend.reload(), 'reloaded');
  assert.equal((await backend.authenticate('john', 'second'))?.username, 'john');
  await writeFile(path, 'users: [john]\n');
  assert.equal(await backend.reload(), 'rejected');
  assert.equal(await backend.reload(), 'unchanged', 'the same broken content is reported once');
  assert.equal(logger.lines.filter((l) => l.includes('must be a map of usernames')).length, 1);
  assert.equal((await backend.authenticate('john', 'second'))?.username, 'john');
  await backend.close();
});

test('without watch, changes are not picked up', async () => {
  const path = await usersFile(await john('first'));
  const logger = recordingLogger();
  const backend = await openFileBackend(fileConfig(path), { logger, watchDebounceMs: DEBOUNCE_MS });
  await writeFile(path, await john('second'));
  await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 10));
  assert.equal((await backend.authenticate('john', 'first'))?.username, 'john');
  assert.equal(logger.lines.length, 1);
  await backend.close();
});
