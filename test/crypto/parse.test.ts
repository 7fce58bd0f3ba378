// parseDigest: accepted spellings (parameter order, LDAP prefixes, plaintext rules) and rejections
// with stable DigestError codes whose messages never repeat the digest, its salt or its hash.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DigestError, parseDigest, verifyDigest, type DigestErrorCode } from '../../src/crypto/digest.ts';

const ARGON2_SALT = 'AQIDBAUGBwgJCgsMDQ4PEA';
const ARGON2_KEY = '9PfA+Tn7kKBcqo++xsSULKAvsMBkD3TNWCqMPy78B10';
const BCRYPT_BODY = 'A5UN4eZuaUasPW/1xP3YQOQrm0CwOyNxWshmX61gjNsrAtmC6DuSe';
const SHA512_HASH = 'L9iAh6cRPe9IFr.T6pk/jt8jwo.VpmPE56PeFbY2AwmtFBgfY9d/hDR3AtWGfaeysg5gyLwhpCoYFDy2r0NK9.';

function rejects(encoded: string, code: DigestErrorCode, pattern: RegExp, options?: { allowPlaintext?: boolean }): void {
  assert.throws(() => parseDigest(encoded, options), (error: unknown) => {
    assert.ok(error instanceof DigestError, 'throws DigestError');
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    // The message names the problem, never the secret material.
    for (const part of encoded.split('$').slice(2).filter((p) => p.length >= 6)) assert.ok(!error.message.includes(part), `message leaks '${part}'`);
    return true;
  });
}

describe('malformed digests', () => {
  const cases: readonly [string, string, DigestErrorCode, RegExp][] = [
    ['pbkdf2 with 3 fields', '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q', 'DIGEST_MALFORMED', /pbkdf2 digest has 3 fields but needs 4/],
    ['pbkdf2 with non-numeric iterations', '$pbkdf2-sha256$lots$C./EitMdCemqoluAK4Kapw$TTb4uTnL09mJsfbVnypCzJjGvICiiqO56i8VlU5zx6Q', 'DIGEST_MALFORMED', /iterations must be a whole number/],
    ['pbkdf2 with standard base64 (+) in the key', '$pbkdf2-sha256$310000$C./EitMdCemqoluAK4Kapw$TTb4uTnL09mJsfbVnypCzJjGvICiiqO56i8VlU5zx+Q', 'DIGEST_MALFORMED', /pbkdf2 key is not valid adapted base64/],
    ['argon2 v=18', `$argon2id$v=18$m=65536,t=3,p=4$${ARGON2_SALT}$${ARGON2_KEY}`, 'DIGEST_UNSUPPORTED', /argon2 version 18 is not supported/],
    ['argon2 without version', `$argon2id$m=65536,t=3,p=4$${ARGON2_SALT}$${ARGON2_KEY}`, 'DIGEST_MALFORMED', /argon2 digest has 4 fields but needs 5/],
    ['argon2 with bad base64 salt', `$argon2id$v=19$m=65536,t=3,p=4$AQID*AUGBwgJCgsMDQ4PEA$${ARGON2_KEY}`, 'DIGEST_MALFORMED', /argon2 salt is not valid unpadded base64/],
    ['argon2 with an impossible base64 length', `$argon2id$v=19$m=65536,t=3,p=4$${ARGON2_SALT}$${ARGON2_KEY}AB`, 'DIGEST_MALFORMED', /argon2 key is not valid/],
    ['argon2 with an unknown parameter', `$argon2id$v=19$m=65536,t=3,x=4$${ARGON2_SALT}$${ARGON2_KEY}`, 'DIGEST_MALFORMED', /argon2 parameter 'x' is unknown/],
    ['argon2 with memory below 8×p', `$argon2id$v=19$m=16,t=3,p=4$${ARGON2_SALT}$${ARGON2_KEY}`, 'DIGEST_MALFORMED', /at least 8 times the parallelism/],
    ['argon2 with a 4-byte salt', `$argon2id$v=19$m=65536,t=3,p=4$AQIDBA$${ARGON2_KEY}`, 'DIGEST_UNSUPPORTED', /salt has 4 bytes/],
    ['scrypt with 3 fields', '$scrypt$ln=16,r=8,p=1$AQIDBAUGBwgJCgsMDQ4PEA', 'DIGEST_MALFORMED', /scrypt digest has 3 fields but needs 4/],
    ['scrypt with ln out of range', '$scrypt$ln=59,r=8,p=1$AQIDBAUGBwgJCgsMDQ4PEA$qvOd+ZvJoX7WJ5yRKyVVG008zs2h2Kl0KtUYOHzf4FQ', 'DIGEST_MALFORMED', /scrypt ln must be between 1 and 58/],
    ['bcrypt cost 32', `$2b$32$${BCRYPT_BODY}`, 'DIGEST_MALFORMED', /bcrypt cost must be between 4 and 31 but is 32/],
    ['bcrypt cost 03', `$2b$03$${BCRYPT_BODY}`, 'DIGEST_MALFORMED', /bcrypt cost must be between 4 and 31 but is 3/],
    ['bcrypt one character short', `$2b$10$${BCRYPT_BODY.slice(1)}`, 'DIGEST_MALFORMED', /has 52 characters but needs 53/],
    ['bcrypt with a non-bcrypt character', `$2b$10$${BCRYPT_BODY.slice(1)}+`, 'DIGEST_MALFORMED', /not valid bcrypt base64/],
    ['bcrypt-sha256 v=1 layout', '$bcrypt-sha256$2a,5$5Hg1DKFqPE8C2aflZ5vVoe$12BjNE0p7axMg55.Y/mHsYiVuFBDQyu', 'DIGEST_UNSUPPORTED', /version 1 digests are not supported/],
    ['bcrypt-sha256 r=40', '$bcrypt-sha256$v=2,t=2b,r=40$5Hg1DKFqPE8C2aflZ5vVoe$wOK1VFFtS8IGTrGa7.h5fs0u84qyPbS', 'DIGEST_MALFORMED', /cost \(r\) must be between 4 and 31/],
    ['sha2crypt rounds below 1000', `$6$rounds=999$abcdefghijklmnop$${SHA512_HASH}`, 'DIGEST_MALFORMED', /sha2crypt rounds must be between 1000 and 999999999 but is 999/],
    ['sha2crypt with a short hash', `$6$rounds=50000$abcdefghijklmnop$${SHA512_HASH.slice(2)}`, 'DIGEST_MALFORMED', /hash has 84 characters but needs 86/],
    ['sha2crypt with too many fields', `$6$rounds=50000$extra$abcdefghijklmnop$${SHA512_HASH}`, 'DIGEST_MALFORMED', /sha2crypt digest has 5 fields but needs 3 or 4/],
    ['md5crypt', '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', 'DIGEST_UNSUPPORTED', /unsupported digest prefix '\$1\$' \(md5crypt\)/],
    ['yescrypt', '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7', 'DIGEST_UNSUPPORTED', /yescrypt/],
    ['unknown prefix', '$whatever$abcdefabcdef$abcdefabcdef', 'DIGEST_UNSUPPORTED', /unsupported digest prefix: not one of/],
    ['empty plaintext', '$plaintext$', 'DIGEST_MALFORMED', /empty secret/],
    ['bare value without allowPlaintext', 'mysecretvalue', 'DIGEST_MALFORMED', /must start with '\$'/],
    ['empty string', '', 'DIGEST_MALFORMED', /digest is empty/],
  ];
  for (const [name, encoded, code, pattern] of cases) test(name, () => rejects(encoded, code, pattern));

  test('an unknown prefix that could be a secret is never echoed', () => {
    const secret = '$hunter2isMySecret';
    assert.throws(() => parseDigest(secret), (error: unknown) => error instanceof DigestError && error.code === 'DIGEST_UNSUPPORTED' && !error.message.includes('hunter2'));
  });
});

describe('accepted spellings', () => {
  test('argon2 parameters in any order, with t omitted (defaults to 1)', () => {
    const digest = parseDigest(`$argon2id$v=19$p=4,m=65536$${ARGON2_SALT}$${ARGON2_KEY}`);
    assert.equal(digest.algorithm, 'argon2');
    assert.ok(digest.algorithm === 'argon2' && digest.iterations === 1 && digest.memory === 65536 && digest.parallelism === 4);
  });

  test('argon2 parameter order does not change verification', async () => {
    const digest = parseDigest(`$argon2id$v=19$p=4,t=3,m=65536$${ARGON2_SALT}$${ARGON2_KEY}`);
    assert.equal(await verifyDigest(digest, 'insecure_secret'), true);
  });

  test('{ARGON2} prefix is stripped', () => {
    assert.equal(parseDigest(`{ARGON2}$argon2id$v=19$m=65536,t=3,p=4$${ARGON2_SALT}$${ARGON2_KEY}`).algorithm, 'argon2');
  });

  test('{PBKDF2-SHA256} LDAP form is rewritten to $pbkdf2-sha256$ and verifies', async () => {
    const digest = parseDigest('{PBKDF2-SHA256}700000$AQIDBAUGBwgJCgsMDQ4PEA$HH24SMoj22REGwdhz8U/Af9/f88NDK9FNQ0R/CKGM6Y');
    assert.equal(digest.variant, 'sha256');
    assert.ok(digest.encoded.startsWith('$pbkdf2-sha256$700000$'));
    assert.equal(await verifyDigest(digest, 'insecure_secret'), true);
  });

  test('{PBKDF2} (SHA-1) LDAP form', () => {
    assert.equal(parseDigest('{PBKDF2}100000$AQIDBAUGBwgJCgsMDQ4PEA$7gjdbtIBQWcUpnk.WIrdhwMTZ.s').variant, 'sha1');
  });

  test('$pbkdf2-sha1$ is the same as $pbkdf2$', () => {
    assert.equal(parseDigest('$pbkdf2-sha1$100000$AQIDBAUGBwgJCgsMDQ4PEA$7gjdbtIBQWcUpnk.WIrdhwMTZ.s').variant, 'sha1');
  });

  test('sha2crypt without rounds= defaults to 5000', () => {
    const digest = parseDigest('$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5');
    assert.ok(digest.algorithm === 'sha2crypt' && digest.rounds === 5000);
  });

  for (const version of ['2a', '2y', '2x', '2']) {
    test(`bcrypt $${version}$ verifies like $2b$ for an ASCII password`, async () => {
      const digest = parseDigest(`$${version}$10$${BCRYPT_BODY}`);
      assert.ok(digest.algorithm === 'bcrypt' && digest.version === version);
      assert.equal(await verifyDigest(digest, 'insecure_secret'), true);
    });
  }

  test('$plaintext$ secrets may contain $', async () => {
    const digest = parseDigest('$plaintext$a$b$c');
    assert.ok(digest.algorithm === 'plaintext' && digest.secret === 'a$b$c');
    assert.equal(await verifyDigest(digest, 'a$b$c'), true);
    assert.equal(await verifyDigest(digest, 'a$b$'), false);
  });

  test('a bare value is plaintext only with allowPlaintext', async () => {
    const digest = parseDigest('client-secret', { allowPlaintext: true });
    assert.equal(digest.algorithm, 'plaintext');
    assert.equal(digest.encoded, '$plaintext$client-secret');
    assert.equal(await verifyDigest(digest, 'client-secret'), true);
    assert.equal(await verifyDigest(digest, 'client-secre'), false);
  });

  test('parsed digests are frozen', () => {
    const digest = parseDigest(`$2b$10$${BCRYPT_BODY}`);
    assert.ok(Object.isFrozen(digest));
  });
});
