// randomString and the Authelia charsets (internal/random/const.go).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHARSETS, randomCharacters, randomString, type Charset } from '../../src/crypto/random.ts';

test('charsets match Authelia', () => {
  assert.equal(CHARSETS.ascii.length, 94);
  assert.ok(!CHARSETS.ascii.includes(' '));
  for (let code = 0x21; code <= 0x7e; code++) assert.ok(CHARSETS.ascii.includes(String.fromCharCode(code)));
  assert.equal(CHARSETS.alphanumeric.length, 62);
  assert.equal(CHARSETS.alphabetic.length, 52);
  assert.equal(CHARSETS.numeric, '0123456789');
  assert.equal(CHARSETS['numeric-hex'], '0123456789ABCDEF');
  // RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
  assert.equal([...CHARSETS.rfc3986].sort().join(''), [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'].sort().join(''));
});

test('every charset yields the requested length from its own characters', () => {
  for (const name of Object.keys(CHARSETS) as Charset[]) {
    const value = randomString(200, name);
    assert.equal(value.length, 200);
    for (const ch of value) assert.ok(CHARSETS[name].includes(ch), `${name} produced '${ch}'`);
  }
});

test('alphanumeric is the default and values differ', () => {
  const a = randomString(72);
  assert.match(a, /^[A-Za-z0-9]{72}$/);
  assert.notEqual(a, randomString(72));
});

test('every character of a small set appears (no stuck index)', () => {
  assert.deepEqual(new Set(randomCharacters(2000, 'abc')), new Set('abc'));
});

test('bad lengths and sets are rejected', () => {
  assert.throws(() => randomString(0), RangeError);
  assert.throws(() => randomString(1.5), RangeError);
  assert.throws(() => randomCharacters(5, 'aaaa'), RangeError);
});
