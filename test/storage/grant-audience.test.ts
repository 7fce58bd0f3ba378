// The audience granted with a grant (Authelia's `audience` parameter): stored by hashed grant id,
// found until it expires, purged afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findGrantAudience, saveGrantAudience } from '../../src/storage/grant-audience.ts';
import { purgeExpired } from '../../src/storage/oidc-adapter.ts';
import { openTest, temporaryDirectory } from './helpers.ts';

const dir = temporaryDirectory();

test('a saved audience is found by grant id, sorted and without duplicates, and the id is not stored', () => {
  const storage = openTest(dir);
  saveGrantAudience(storage, 'grant-1', ['https://b.example.com', 'https://a.example.com', 'https://b.example.com'], storage.now() + 60);
  assert.deepEqual(findGrantAudience(storage, 'grant-1'), ['https://a.example.com', 'https://b.example.com']);
  assert.deepEqual(findGrantAudience(storage, 'grant-2'), []);
  const raw = storage.db.prepare('SELECT * FROM oidc_grant_audience').all() as Record<string, unknown>[];
  assert.ok(!JSON.stringify(raw).includes('grant-1'), 'grant ids are stored hashed');
});

test('an expired audience is not found and is purged', async () => {
  const storage = openTest(dir);
  saveGrantAudience(storage, 'grant-old', ['x'], storage.now() - 1);
  assert.deepEqual(findGrantAudience(storage, 'grant-old'), []);
  await purgeExpired(storage);
  assert.equal((storage.db.prepare('SELECT count(*) AS n FROM oidc_grant_audience WHERE expires_at <= ?').get(storage.now()) as { n: number }).n, 0);
});
