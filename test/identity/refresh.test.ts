// authentication_backend.refresh_interval over the real file backend: what a sign-in or lookup
// found is believed for the interval, then the backend is asked again, so changed groups show and a
// deleted or disabled user is gone; 'always' asks every time, 'disable' never after the sign-in.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { openFileBackend } from '../../src/identity/file-backend.ts';
import { withRefreshInterval, type RefreshInterval } from '../../src/identity/refresh.ts';
import { fastDigest, fileConfig, usersFile } from './helpers.ts';

async function usersText(groups: string[], extra = ''): Promise<string> {
  return `users:\n  john:\n    displayname: 'John'\n    password: '${await fastDigest('password')}'\n    groups: [${groups.map((g) => `'${g}'`).join(', ')}]\n${extra}`;
}

/** A users file, its backend behind `interval`, and a clock the test moves. */
async function setup(interval: RefreshInterval) {
  const path = await usersFile(await usersText(['admins']));
  const file = await openFileBackend(fileConfig(path));
  let now = 1_000_000;
  const backend = withRefreshInterval(file, interval, () => now);
  return {
    backend,
    advance: (seconds: number) => void (now += seconds * 1000),
    async change(text: string) {
      await writeFile(path, text);
      assert.equal(await file.reload(), 'reloaded');
    },
  };
}

test('5m: changes show once the last check is older than the interval, counted from the sign-in', async () => {
  const { backend, advance, change } = await setup(300);
  assert.deepEqual((await backend.authenticate('john', 'password'))?.groups, ['admins']);
  await change(await usersText(['dev']));
  advance(299);
  assert.deepEqual((await backend.lookup('john'))?.groups, ['admins'], 'still within the interval');
  advance(1);
  assert.deepEqual((await backend.lookup('john'))?.groups, ['dev'], 'checked again');
  await change('users: {}\n');
  advance(120);
  assert.equal((await backend.lookup('john'))?.username, 'john');
  advance(180);
  assert.equal(await backend.lookup('john'), undefined, 'deleted: the session has no user any more');
  await backend.close();
});

test("'always' checks on every lookup: a disabled user is gone at once", async () => {
  const { backend, change } = await setup('always');
  assert.ok(await backend.authenticate('john', 'password'));
  await change(await usersText(['admins'], '    disabled: true\n'));
  assert.equal(await backend.lookup('john'), undefined);
  await backend.close();
});

test("'disable' keeps what the sign-in found; a new sign-in is checked again", async () => {
  const { backend, advance, change } = await setup('disable');
  assert.ok(await backend.authenticate('john', 'password'));
  await change(await usersText(['dev']));
  advance(86_400);
  assert.deepEqual((await backend.lookup('john'))?.groups, ['admins']);
  assert.deepEqual((await backend.authenticate('john', 'password'))?.groups, ['dev']);
  assert.deepEqual((await backend.lookup('john'))?.groups, ['dev']);
  await backend.close();
});
