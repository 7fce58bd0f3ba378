// generateDigest: every algorithm and variant produces Authelia's encoding, round-trips through
// parseDigest/verifyDigest, and out-of-range options are refused with all problems listed (§3.2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DIGEST_DEFAULTS, DigestError, generateDigest, parseDigest, validateGenerateOptions, verifyDigest, type GenerateOptions,
} from '../../src/crypto/digest.ts';

const PASSWORD = 'correct horse battery staple ✓';

// Small costs keep the suite fast; each stays inside the bounds generateDigest enforces.
const CASES: readonly [GenerateOptions, RegExp][] = [
  [{ algorithm: 'argon2', variant: 'argon2id', memory: 1024, iterations: 1, parallelism: 1 }, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/],
  [{ algorithm: 'argon2', variant: 'argon2i', memory: 1024, iterations: 2, parallelism: 2, keyLength: 16, saltLength: 8 }, /^\$argon2i\$v=19\$m=1024,t=2,p=2\$[A-Za-z0-9+/]{11}\$[A-Za-z0-9+/]{22}$/],
  [{ algorithm: 'argon2', variant: 'argon2d', memory: 1024, iterations: 1, parallelism: 1 }, /^\$argon2d\$v=19\$m=1024,t=1,p=1\$/],
  [{ algorithm: 'pbkdf2', variant: 'sha1', iterations: 100000 }, /^\$pbkdf2\$100000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{27}$/],
  [{ algorithm: 'pbkdf2', variant: 'sha224', iterations: 100000 }, /^\$pbkdf2-sha224\$100000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{38}$/],
  [{ algorithm: 'pbkdf2', variant: 'sha256', iterations: 100000 }, /^\$pbkdf2-sha256\$100000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{43}$/],
  [{ algorithm: 'pbkdf2', variant: 'sha384', iterations: 100000, saltLength: 32 }, /^\$pbkdf2-sha384\$100000\$[A-Za-z0-9./]{43}\$[A-Za-z0-9./]{64}$/],
  [{ algorithm: 'pbkdf2', variant: 'sha512', iterations: 100000 }, /^\$pbkdf2-sha512\$100000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{86}$/],
  [{ algorithm: 'scrypt', iterations: 10, blockSize: 8, parallelism: 2 }, /^\$scrypt\$ln=10,r=8,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/],
  [{ algorithm: 'bcrypt', variant: 'standard', cost: 10 }, /^\$2b\$10\$[./A-Za-z0-9]{53}$/],
  [{ algorithm: 'bcrypt', variant: 'sha256', cost: 10 }, /^\$bcrypt-sha256\$v=2,t=2b,r=10\$[./A-Za-z0-9]{22}\$[./A-Za-z0-9]{31}$/],
  [{ algorithm: 'sha2crypt', variant: 'sha512', iterations: 1000 }, /^\$6\$rounds=1000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/],
  [{ algorithm: 'sha2crypt', variant: 'sha256', iterations: 1000, saltLength: 4 }, /^\$5\$rounds=1000\$[./0-9A-Za-z]{4}\$[./0-9A-Za-z]{43}$/],
];

describe('round trips', () => {
  for (const [options, format] of CASES) {
    test(`${options.algorithm}/${options.variant ?? 'default'}`, async () => {
      const encoded = await generateDigest(options, PASSWORD);
      assert.match(encoded, format);
      const digest = parseDigest(encoded);
      assert.equal(digest.algorithm, options.algorithm);
      assert.equal(await verifyDigest(digest, PASSWORD), true);
      assert.equal(await verifyDigest(digest, PASSWORD.slice(0, -1)), false);
      assert.notEqual(await generateDigest(options, PASSWORD), encoded, 'a fresh salt each time');
    });
  }

  test('bcrypt-sha256 is not truncated at 72 bytes like plain bcrypt', async () => {
    const long = 'x'.repeat(80);
    const digest = parseDigest(await generateDigest({ algorithm: 'bcrypt', variant: 'sha256', cost: 10 }, long));
    assert.equal(await verifyDigest(digest, long), true);
    assert.equal(await verifyDigest(digest, 'x'.repeat(79)), false);
  });
});

describe('defaults (reference §3.2)', () => {
  test('DIGEST_DEFAULTS matches Authelia', () => {
    assert.equal(DIGEST_DEFAULTS.algorithm, 'argon2');
    assert.deepEqual({ ...DIGEST_DEFAULTS.argon2 }, { variant: 'argon2id', iterations: 3, memory: 65536, parallelism: 4, keyLength: 32, saltLength: 16 });
    assert.deepEqual({ ...DIGEST_DEFAULTS.pbkdf2.iterations }, { sha1: 1600000, sha224: 900000, sha256: 700000, sha384: 280000, sha512: 310000 });
    assert.equal(DIGEST_DEFAULTS.pbkdf2.variant, 'sha512');
    assert.equal(DIGEST_DEFAULTS.pbkdf2.saltLength, 16);
    assert.deepEqual({ ...DIGEST_DEFAULTS.scrypt }, { variant: 'scrypt', iterations: 16, blockSize: 8, parallelism: 1, keyLength: 32, saltLength: 16 });
    assert.deepEqual({ ...DIGEST_DEFAULTS.bcrypt }, { variant: 'standard', cost: 12 });
    assert.deepEqual({ ...DIGEST_DEFAULTS.sha2crypt }, { variant: 'sha512', iterations: 50000, saltLength: 16 });
  });

  test('argon2 with no options uses the defaults', async () => {
    assert.match(await generateDigest({ algorithm: 'argon2' }, PASSWORD), /^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });

  test('pbkdf2 iterations default per variant; undefined options count as absent', async () => {
    assert.match(await generateDigest({ algorithm: 'pbkdf2', iterations: undefined }, PASSWORD), /^\$pbkdf2-sha512\$310000\$/);
  });

  test('bcrypt default cost 12', async () => {
    assert.match(await generateDigest({ algorithm: 'bcrypt' }, PASSWORD), /^\$2b\$12\$/);
  });
});

describe('bounds', () => {
  const refused: readonly [GenerateOptions, string][] = [
    [{ algorithm: 'argon2', memory: 7, parallelism: 1 }, 'memory'],
    [{ algorithm: 'argon2', memory: 64, parallelism: 16 }, 'memory'],
    [{ algorithm: 'argon2', keyLength: 3 }, 'keyLength'],
    [{ algorithm: 'argon2', iterations: 0 }, 'iterations'],
    [{ algorithm: 'argon2', parallelism: 16777216, memory: 2 ** 32 - 1 }, 'parallelism'],
    [{ algorithm: 'pbkdf2', iterations: 99999 }, 'iterations'],
    [{ algorithm: 'pbkdf2', saltLength: 7 }, 'saltLength'],
    [{ algorithm: 'scrypt', iterations: 59 }, 'iterations'],
    [{ algorithm: 'scrypt', saltLength: 1025 }, 'saltLength'],
    [{ algorithm: 'bcrypt', cost: 9 }, 'cost'],
    [{ algorithm: 'bcrypt', cost: 32 }, 'cost'],
    [{ algorithm: 'sha2crypt', iterations: 999 }, 'iterations'],
    [{ algorithm: 'sha2crypt', saltLength: 17 }, 'saltLength'],
    [{ algorithm: 'sha2crypt', iterations: 1000.5 }, 'iterations'],
  ];
  for (const [options, option] of refused) {
    test(`${options.algorithm} refuses ${option} ${JSON.stringify(options)}`, async () => {
      assert.deepEqual(validateGenerateOptions(options).map((p) => p.option), [option]);
      await assert.rejects(generateDigest(options, PASSWORD), (error: unknown) => error instanceof DigestError && error.code === 'DIGEST_INVALID_OPTIONS' && error.message.includes(option));
    });
  }

  test('every problem is reported at once', () => {
    const problems = validateGenerateOptions({ algorithm: 'scrypt', iterations: 0, blockSize: 0, parallelism: 0, keyLength: 0, saltLength: 0 });
    assert.deepEqual(problems.map((p) => p.option), ['iterations', 'blockSize', 'parallelism', 'keyLength', 'saltLength']);
  });

  test('unknown variants and algorithms are problems, not crashes', () => {
    assert.deepEqual(validateGenerateOptions({ algorithm: 'pbkdf2', variant: 'md5' as 'sha1' }).map((p) => p.option), ['variant', 'iterations']);
    assert.deepEqual(validateGenerateOptions({ algorithm: 'md5' } as unknown as GenerateOptions).map((p) => p.option), ['algorithm']);
  });

  test('the limits themselves are accepted', () => {
    assert.deepEqual(validateGenerateOptions({ algorithm: 'bcrypt', cost: 10 }), []);
    assert.deepEqual(validateGenerateOptions({ algorithm: 'sha2crypt', iterations: 999999999, saltLength: 16 }), []);
    assert.deepEqual(validateGenerateOptions({ algorithm: 'argon2', memory: 8, parallelism: 1 }), []);
  });
});
