// TOTP (RFC 6238): the RFC's test vectors, the skew window, one use per time step (§5.2),
// enrolment confirmed by a code, otpauth:// URIs (Key Uri Format) and the server-rendered QR code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret, TOTP, URI } from 'otpauth';
import type { TOTPConfig } from '../../src/config/types.ts';
import {
  beginEnrolment, canonicalTOTPSecret, checkTOTPCode, confirmEnrolment, generateTOTPSecret, otpauthURI, qrSVG, totpAlgorithm, verifyTOTP,
  type TOTPAlgorithm, type TOTPVerification,
} from '../../src/identity/totp.ts';
import { openStorage } from '../../src/storage/database.ts';
import { findTOTP, saveTOTP } from '../../src/storage/totp.ts';
import { databasePath, KEY, openTest, temporaryDirectory, testClock } from '../storage/helpers.ts';

const dir = temporaryDirectory();

const CONFIG: TOTPConfig = { disable: false, issuer: 'Authelia', algorithm: 'sha1', digits: 6, period: 30, skew: 1, secret_size: 32 };

/** RFC 6238 Appendix B: the seeds are ASCII digits of 20, 32 and 64 bytes. */
const SEEDS: Record<TOTPAlgorithm, string> = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
};

/** RFC 6238 Appendix B: time (seconds), then the 8-digit TOTP for SHA1, SHA256, SHA512. */
const VECTORS: readonly [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

function base32(ascii: string): string {
  return Secret.fromLatin1(ascii).base32;
}

function codeAt(v: Omit<TOTPVerification, 'skew'>, seconds: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(v.secret), algorithm: v.algorithm, digits: v.digits, period: v.period, timestamp: seconds * 1000 });
}

test('RFC 6238 Appendix B vectors: each code verifies at its time with skew 0, to step floor(T / 30)', () => {
  for (const [time, ...codes] of VECTORS) {
    (['SHA1', 'SHA256', 'SHA512'] as const).forEach((algorithm, i) => {
      const verification = { secret: base32(SEEDS[algorithm]), algorithm, digits: 8, period: 30, skew: 0 };
      assert.equal(verifyTOTP(verification, codes[i]!, time), Math.floor(time / 30), `${algorithm} at ${time}`);
      assert.equal(verifyTOTP(verification, codes[i]!, time + 30), undefined, `${algorithm} one step later`);
    });
  }
});

test('the skew window accepts ±skew steps and refuses the step beyond, returning the matched step', () => {
  const parameters = { secret: generateTOTPSecret(CONFIG), algorithm: 'SHA1' as const, digits: 6, period: 30 };
  const now = 1_800_000_015;
  const step = Math.floor(now / 30);
  for (const skew of [0, 1, 2]) {
    for (let offset = -3; offset <= 3; offset++) {
      const code = codeAt(parameters, now + offset * 30);
      const expected = Math.abs(offset) <= skew ? step + offset : undefined;
      assert.equal(verifyTOTP({ ...parameters, skew }, code, now), expected, `skew ${skew}, offset ${offset}`);
    }
  }
});

test('malformed codes are refused without throwing: wrong length, non-digits, multi-byte characters', () => {
  const verification = { secret: base32(SEEDS.SHA1), algorithm: 'SHA1' as const, digits: 8, period: 30, skew: 1 };
  for (const code of ['', '9428708', '942870821', '9428708a', ' 4287082', '٩٤٢٨٧٠٨٢', '9428708é']) {
    assert.equal(verifyTOTP(verification, code, 59), undefined, JSON.stringify(code));
  }
});

test('a sign-in code is accepted once: the same step is refused as a replay, also from a second connection', () => {
  const path = databasePath(dir);
  const clock = testClock();
  const first = openStorage({ path, encryptionKey: KEY, clock });
  const second = openStorage({ path, encryptionKey: KEY, clock });
  try {
    const parameters = { issuer: 'Authelia', algorithm: 'SHA256' as const, digits: 8 as const, period: 30, secret: generateTOTPSecret(CONFIG) };
    saveTOTP(first, 'john', parameters);
    const code = codeAt(parameters, first.now());
    assert.equal(checkTOTPCode(first, CONFIG, 'john', code), 'accepted');
    assert.equal(checkTOTPCode(second, CONFIG, 'john', code), 'replayed');
    assert.equal(checkTOTPCode(first, CONFIG, 'john', code), 'replayed');
    assert.equal(checkTOTPCode(first, CONFIG, 'john', '00000000'), code === '00000000' ? 'replayed' : 'invalid');
    assert.equal(checkTOTPCode(first, CONFIG, 'harry', code), 'unenrolled');
    clock.advance(30);
    assert.equal(checkTOTPCode(second, CONFIG, 'john', codeAt(parameters, second.now())), 'accepted', 'the next step is a new code');
    assert.equal(findTOTP(first, 'john')?.lastUsedAt, first.now());
  } finally {
    first.close();
    second.close();
  }
});

test('enrolment: nothing is stored until a valid code confirms it, and the confirming code cannot sign in again', async () => {
  const clock = testClock();
  const storage = openTest(dir, { clock });
  const enrolment = await beginEnrolment(CONFIG, 'john');
  assert.equal(enrolment.algorithm, 'SHA1', 'algorithm names are case-insensitive');
  assert.equal(Secret.fromBase32(enrolment.secret).bytes.length, CONFIG.secret_size);
  assert.equal(findTOTP(storage, 'john'), undefined);

  const wrong = codeAt(enrolment, storage.now() + 300);
  assert.equal(confirmEnrolment(storage, CONFIG, enrolment, wrong), false);
  assert.equal(findTOTP(storage, 'john'), undefined, 'a wrong code saves nothing');

  const code = codeAt(enrolment, storage.now());
  assert.equal(confirmEnrolment(storage, CONFIG, enrolment, code), true);
  assert.equal(findTOTP(storage, 'john')?.secret, enrolment.secret);
  assert.equal(checkTOTPCode(storage, CONFIG, 'john', code), 'replayed');

  const again = await beginEnrolment({ ...CONFIG, algorithm: 'Sha512', digits: 8 }, 'john');
  assert.notEqual(again.secret, enrolment.secret);
  assert.equal(confirmEnrolment(storage, CONFIG, again, codeAt(again, storage.now())), true, 're-enrolment replaces the old secret');
  assert.deepEqual([findTOTP(storage, 'john')?.secret, findTOTP(storage, 'john')?.algorithm], [again.secret, 'SHA512']);
});

test('otpauth URI: issuer prefix and parameter, secret, algorithm, digits and period (Key Uri Format)', () => {
  const uri = new URL(otpauthURI({ issuer: 'Example Co', username: 'john.doe@example.com', secret: base32(SEEDS.SHA1), algorithm: 'SHA512', digits: 8, period: 60 }));
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.host, 'totp');
  assert.equal(decodeURIComponent(uri.pathname), '/Example Co:john.doe@example.com');
  assert.deepEqual(Object.fromEntries(uri.searchParams), { issuer: 'Example Co', secret: base32(SEEDS.SHA1), algorithm: 'SHA512', digits: '8', period: '60' });
  const parsed = URI.parse(uri.href) as TOTP;
  assert.equal(parsed.generate({ timestamp: 59_000 }), TOTP.generate({ secret: Secret.fromLatin1(SEEDS.SHA1), algorithm: 'SHA512', digits: 8, period: 60, timestamp: 59_000 }));
});

test('the enrolment QR code is an SVG rendered on the server, and the URI it carries matches the secret', async () => {
  const enrolment = await beginEnrolment(CONFIG, 'john');
  assert.match(enrolment.svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>\s*$/s);
  assert.doesNotMatch(enrolment.svg, /<script|javascript:|href=/i);
  assert.equal(new URL(enrolment.uri).searchParams.get('secret'), enrolment.secret);
  assert.notEqual(await qrSVG('otpauth://totp/A:b?secret=AAAA'), enrolment.svg);
});

test('secrets: generated from secret_size random bytes as base32; typed ones canonicalised, short or non-base32 refused', () => {
  const a = generateTOTPSecret({ secret_size: 20 });
  assert.match(a, /^[A-Z2-7]{32}$/);
  assert.notEqual(generateTOTPSecret({ secret_size: 20 }), a);
  assert.equal(generateTOTPSecret({ secret_size: 64 }).length, Math.ceil((64 * 8) / 5));
  assert.equal(canonicalTOTPSecret('jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp'), 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  assert.equal(canonicalTOTPSecret('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ===='), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(canonicalTOTPSecret('JBSWY3DPEHPK3PXP'), undefined, '10 bytes is under RFC 4226 R6’s 128 bits');
  assert.equal(canonicalTOTPSecret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX1'), undefined, '1 is not base32');
  assert.equal(totpAlgorithm('sha256'), 'SHA256');
  assert.throws(() => totpAlgorithm('MD5'), RangeError);
});
