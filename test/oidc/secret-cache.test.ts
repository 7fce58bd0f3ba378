// The verification cache behind client secret checks: remembers successes by an HMAC key (never the
// secret), expires them, misses when the digest changes, and stays bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createVerificationCache } from '../../src/oidc/secret-cache.ts';

test('a remembered success is found for the same client, digest and secret only', () => {
  const cache = createVerificationCache();
  cache.remember('kasm', '$pbkdf2-sha512$…a', 'insecure_secret');
  assert.equal(cache.has('kasm', '$pbkdf2-sha512$…a', 'insecure_secret'), true);
  assert.equal(cache.has('kasm', '$pbkdf2-sha512$…a', 'insecure_secreT'), false, 'another secret');
  assert.equal(cache.has('other', '$pbkdf2-sha512$…a', 'insecure_secret'), false, 'another client');
  assert.equal(cache.has('kasm', '$pbkdf2-sha512$…b', 'insecure_secret'), false, 'a changed digest misses');
});

test('entries expire after the TTL', () => {
  let now = 1_000_000;
  const cache = createVerificationCache({ ttlSeconds: 300, now: () => now });
  cache.remember('kasm', 'd', 's');
  now += 299_000;
  assert.equal(cache.has('kasm', 'd', 's'), true);
  now += 2_000;
  assert.equal(cache.has('kasm', 'd', 's'), false);
});

test('the cache is bounded: the oldest entries go first', () => {
  const cache = createVerificationCache({ maxEntries: 2 });
  cache.remember('a', 'd', 's');
  cache.remember('b', 'd', 's');
  cache.remember('c', 'd', 's');
  assert.equal(cache.has('a', 'd', 's'), false);
  assert.equal(cache.has('b', 'd', 's'), true);
  assert.equal(cache.has('c', 'd', 's'), true);
});
