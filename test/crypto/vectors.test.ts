// Known-answer tests: every digest of reference/authelia.md §3.4 (main table and "Additional vectors")
// verifies with its plaintext and fails with a wrong one; plus published vectors for formats §3.4
// does not cover (passlib bcrypt-sha256 v2, Drepper's SHA-crypt specification).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDigest, verifyDigest, type DigestAlgorithm } from '../../src/crypto/digest.ts';

interface Vector {
  readonly digest: string;
  readonly password: string;
  readonly algorithm: DigestAlgorithm;
  readonly variant: string;
  readonly origin: string;
}

// §3.4 main table.
const AUTHELIA: readonly Vector[] = [
  { digest: '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng', password: 'insecure_secret', algorithm: 'pbkdf2', variant: 'sha512', origin: 'docs client examples' },
  { digest: '$pbkdf2-sha256$310000$C./EitMdCemqoluAK4Kapw$TTb4uTnL09mJsfbVnypCzJjGvICiiqO56i8VlU5zx6Q', password: 'password', algorithm: 'pbkdf2', variant: 'sha256', origin: 'schema/types_test.go' },
  { digest: '$argon2id$v=19$m=65536,t=3,p=2$BpLnfgDsc2WD8F2q$o/vzA4myCqZZ36bUGsDY//8mKUYNZZaR0t4MFFSs+iM', password: 'password', algorithm: 'argon2', variant: 'argon2id', origin: 'passwords.md users DB' },
  { digest: '$argon2id$v=19$m=65536,t=3,p=4$Hjc8e7WYcBFcJmEDUOsS9A$ozM7RyZR1EyDR8cuyVpDDfmLrGPGFgo5E2NNqRumui4', password: 'password', algorithm: 'argon2', variant: 'argon2id', origin: 'passwords.md CLI output' },
  { digest: '$6$rounds=50000$BpLnfgDsc2WD8F2q$Zis.ixdg9s/UOJYrs56b5QEZFiZECu0qZVNsIYxBaNJ7ucIL.nlxVCT5tqh8KHG8X4tlwCFm5r6NTOZZ5qRFN/', password: 'authelia', algorithm: 'sha2crypt', variant: 'sha512', origin: 'traefik setup guide' },
  { digest: '{CRYPT}$6$rounds=500000$jgiCMRyGXzoqpxS3$w2pJeZnnH8bwW3zzvoMWtTRfQYsHbWbD/hquuQ5vUeIyl9gdwBIt6RWk2S6afBA0DPakbeWgD/4SZPiS0hYtU/', password: 'password', algorithm: 'sha2crypt', variant: 'sha512', origin: '4.37 file_user_provider_test.go' },
  { digest: '$5$rounds=500000$WFjMpdCQxIkbNl0k$M0qZaZoK8Gwdh8Cw5diHgGfe5pE0iJvxcVG3.CVnQe.', password: 'p@ssw0rd', algorithm: 'sha2crypt', variant: 'sha256', origin: 'CLI docs hash validate' },
  { digest: '$plaintext$client-secret', password: 'client-secret', algorithm: 'plaintext', variant: 'plaintext', origin: 'tests' },
];

// §3.4 "Additional vectors": plaintext insecure_secret, salt bytes 0x01..0x10.
const ADDITIONAL: readonly Vector[] = [
  { digest: '$pbkdf2$100000$AQIDBAUGBwgJCgsMDQ4PEA$7gjdbtIBQWcUpnk.WIrdhwMTZ.s', password: 'insecure_secret', algorithm: 'pbkdf2', variant: 'sha1', origin: 'additional' },
  { digest: '$pbkdf2-sha256$700000$AQIDBAUGBwgJCgsMDQ4PEA$HH24SMoj22REGwdhz8U/Af9/f88NDK9FNQ0R/CKGM6Y', password: 'insecure_secret', algorithm: 'pbkdf2', variant: 'sha256', origin: 'additional' },
  { digest: '$scrypt$ln=16,r=8,p=1$AQIDBAUGBwgJCgsMDQ4PEA$qvOd+ZvJoX7WJ5yRKyVVG008zs2h2Kl0KtUYOHzf4FQ', password: 'insecure_secret', algorithm: 'scrypt', variant: 'scrypt', origin: 'additional' },
  { digest: '$argon2id$v=19$m=65536,t=3,p=4$AQIDBAUGBwgJCgsMDQ4PEA$9PfA+Tn7kKBcqo++xsSULKAvsMBkD3TNWCqMPy78B10', password: 'insecure_secret', algorithm: 'argon2', variant: 'argon2id', origin: 'additional' },
  { digest: '$argon2i$v=19$m=65536,t=3,p=4$AQIDBAUGBwgJCgsMDQ4PEA$Fnd2SIg7mim1vnf5YGuuUdIFoBpOBVtwnmXUzncI+Vs', password: 'insecure_secret', algorithm: 'argon2', variant: 'argon2i', origin: 'additional' },
  { digest: '$argon2d$v=19$m=65536,t=3,p=4$AQIDBAUGBwgJCgsMDQ4PEA$x1/oRumK0z0dfZTaDNvhofRl2yvLik8+pMe6LDorvuQ', password: 'insecure_secret', algorithm: 'argon2', variant: 'argon2d', origin: 'additional' },
  { digest: '$2b$10$A5UN4eZuaUasPW/1xP3YQOQrm0CwOyNxWshmX61gjNsrAtmC6DuSe', password: 'insecure_secret', algorithm: 'bcrypt', variant: 'standard', origin: 'additional' },
  { digest: '$6$rounds=50000$abcdefghijklmnop$L9iAh6cRPe9IFr.T6pk/jt8jwo.VpmPE56PeFbY2AwmtFBgfY9d/hDR3AtWGfaeysg5gyLwhpCoYFDy2r0NK9.', password: 'insecure_secret', algorithm: 'sha2crypt', variant: 'sha512', origin: 'additional' },
  { digest: '$5$rounds=50000$abcdefghijklmnop$OUC2noiywD9inja1zkmv2lneOOFFmI.Wxp4PPiygn19', password: 'insecure_secret', algorithm: 'sha2crypt', variant: 'sha256', origin: 'additional' },
];

// passlib 1.7.4 test_handlers_bcrypt.py (bcrypt_sha256 v2 known_correct_hashes) and hashcat's
// example hash for mode 30601. Also reproduced by hand: base64(HMAC-SHA256(salt text, password)) → bcrypt.
const BCRYPT_SHA256: readonly Vector[] = [
  { digest: '$bcrypt-sha256$v=2,t=2b,r=5$E/e/2AOhqM5W/KJTFQzLce$WFPIZKtDDTriqWwlmRFfHiOTeheAZWe', password: '', algorithm: 'bcrypt', variant: 'sha256', origin: 'passlib (empty password)' },
  { digest: '$bcrypt-sha256$v=2,t=2b,r=5$5Hg1DKFqPE8C2aflZ5vVoe$wOK1VFFtS8IGTrGa7.h5fs0u84qyPbS', password: 'password', algorithm: 'bcrypt', variant: 'sha256', origin: 'passlib' },
  { digest: '$bcrypt-sha256$v=2,t=2b,r=5$.US1fQ4TQS.ZTz/uJ5Kyn.$pzzgp40k8reM1CuQb03PvE0IDPQSdV6', password: 't\u00e1\u0411\u2113\u0259', algorithm: 'bcrypt', variant: 'sha256', origin: 'passlib (UTF-8)' },
  { digest: '$bcrypt-sha256$v=2,t=2b,r=5$X1g1nh3g0v4h6970O68cxe$CBF9csfEdW68xv3DwE6xSULXMtqEFP.', password: `${'abc123'.repeat(12)}qwr`, algorithm: 'bcrypt', variant: 'sha256', origin: 'passlib (longer than 72 bytes)' },
  { digest: '$bcrypt-sha256$v=2,t=2b,r=12$KSOjON/ciJR86a00N5q61.$AmWZucQuHk13FGkQWhgMeiFvBfm2GCy', password: 'hashcat', algorithm: 'bcrypt', variant: 'sha256', origin: 'hashcat example 30601' },
];

// Drepper, "Unix crypt using SHA-256 and SHA-512", test vectors (rounds omitted means 5000; long salts truncate to 16).
const SHA_CRYPT_SPEC: readonly Vector[] = [
  { digest: '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5', password: 'Hello world!', algorithm: 'sha2crypt', variant: 'sha256', origin: 'spec' },
  { digest: '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1', password: 'Hello world!', algorithm: 'sha2crypt', variant: 'sha512', origin: 'spec' },
  { digest: '$5$rounds=10000$saltstringsaltstring$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA', password: 'Hello world!', algorithm: 'sha2crypt', variant: 'sha256', origin: 'spec (salt truncated)' },
  { digest: '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0', password: 'we have a short salt string but not a short password', algorithm: 'sha2crypt', variant: 'sha512', origin: 'spec' },
];

function suite(name: string, vectors: readonly Vector[]): void {
  describe(name, () => {
    for (const v of vectors) {
      test(`${v.algorithm}/${v.variant} (${v.origin}) verifies and rejects a wrong password`, async () => {
        const digest = parseDigest(v.digest);
        assert.equal(digest.algorithm, v.algorithm);
        assert.equal(digest.variant, v.variant);
        const [right, wrong] = await Promise.all([verifyDigest(digest, v.password), verifyDigest(digest, `${v.password}x`)]);
        assert.equal(right, true);
        assert.equal(wrong, false);
      });
    }
  });
}

suite('reference/authelia.md §3.4 test vectors', AUTHELIA);
suite('reference/authelia.md §3.4 additional vectors', ADDITIONAL);
suite('passlib bcrypt-sha256 v2 vectors', BCRYPT_SHA256);
suite('SHA-crypt specification vectors', SHA_CRYPT_SPEC);

test('bcrypt-sha256 is not plain bcrypt: the raw password does not verify against the inner hash', async () => {
  const digest = parseDigest('$2b$05$5Hg1DKFqPE8C2aflZ5vVoewOK1VFFtS8IGTrGa7.h5fs0u84qyPbS');
  assert.equal(await verifyDigest(digest, 'password'), false);
});

test('the {CRYPT} prefix is stripped from `encoded`', () => {
  const digest = parseDigest(AUTHELIA[5]?.digest ?? '');
  assert.ok(digest.encoded.startsWith('$6$rounds=500000$'));
  assert.equal(digest.algorithm === 'sha2crypt' && digest.rounds, 500000);
});
