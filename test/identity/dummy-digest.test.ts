// The dummy digest an unknown login is checked against (ASVS 6.3.8): the users' most common
// algorithm and cost, a digest of an unknown password, made again only when that cost changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hash } from '@node-rs/bcrypt';
import { DIGEST_DEFAULTS, generateDigest, parseDigest, verifyDigest } from '../../src/crypto/digest.ts';
import { costClass, createDummyDigest } from '../../src/identity/dummy-digest.ts';
import { fastDigest } from './helpers.ts';

test('copies the most common cost class and matches none of the passwords', async () => {
  const argon = [parseDigest(await fastDigest('a')), parseDigest(await fastDigest('b'))];
  const sha = parseDigest(await generateDigest({ algorithm: 'sha2crypt', iterations: 1000 }, 'c'));
  const dummy = await createDummyDigest([sha, ...argon]);
  assert.equal(dummy.costClass, costClass(argon[0]!));
  assert.equal(costClass(dummy.digest), costClass(argon[0]!));
  assert.ok(![sha, ...argon].some((d) => d.encoded === dummy.digest.encoded), 'a new digest, not a user’s');
  for (const password of ['a', 'b', 'c', '']) assert.equal(await verifyDigest(dummy.digest, password), false);
});

test('on a tie the first class in file order wins', async () => {
  const sha = parseDigest(await generateDigest({ algorithm: 'sha2crypt', variant: 'sha256', iterations: 1000 }, 'c'));
  const argon = parseDigest(await fastDigest('a'));
  assert.equal((await createDummyDigest([sha, argon])).costClass, 'sha2crypt-sha256 rounds=1000');
});

test('keeps the previous dummy while the cost class is unchanged', async () => {
  const first = await createDummyDigest([parseDigest(await fastDigest('a'))]);
  assert.equal(await createDummyDigest([parseDigest(await fastDigest('b'))], first), first);
  const other = await createDummyDigest([parseDigest(await generateDigest({ algorithm: 'argon2', memory: 128, iterations: 1, parallelism: 1 }, 'b'))], first);
  assert.notEqual(other, first);
});

test("a cost generateDigest refuses (bcrypt cost 4) falls back to the user's own digest", async () => {
  const cheap = parseDigest((await hash('a', 4)).replace(/^\$2y\$/, '$2b$'));
  const dummy = await createDummyDigest([cheap]);
  assert.equal(dummy.costClass, 'bcrypt-standard cost=4');
  assert.equal(dummy.digest, cheap);
});

test("with no users it has Authelia's default cost", async () => {
  const dummy = await createDummyDigest([]);
  const { memory, iterations, parallelism } = DIGEST_DEFAULTS.argon2;
  assert.match(costClass(dummy.digest), new RegExp(`^argon2id m=${memory} t=${iterations} p=${parallelism} `));
});
