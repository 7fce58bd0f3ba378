// The cost of the primitives behind the scenarios, on one core of this machine: JWT signatures,
// the client-secret digest and the password digest (what the reference numbers quote).
import { createPrivateKey, pbkdf2Sync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { verifyDigest, parseDigest } from '../src/crypto/digest.ts';
import { KASM_SECRET_DIGEST } from '../test/helpers/castellan.ts';
import { PASSWORD, SECRET, type Fixtures } from './fixtures.ts';

export interface CryptoCosts {
  /** Milliseconds per operation. */
  readonly rs256Sign: number;
  readonly es256Sign: number;
  readonly pbkdf2SHA512: number;
  readonly argon2id: number;
}

function timed(times: number, work: () => void): number {
  work();
  const started = performance.now();
  for (let i = 0; i < times; i++) work();
  return (performance.now() - started) / times;
}

async function timedAsync(times: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const started = performance.now();
  for (let i = 0; i < times; i++) await work();
  return (performance.now() - started) / times;
}

export async function measureCrypto(fixtures: Fixtures): Promise<CryptoCosts> {
  const rsa = createPrivateKey(fixtures.keys.rsaPEM);
  const ec = createPrivateKey(fixtures.keys.ecPEM);
  const data = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9');
  const pbkdf2 = parseDigest(KASM_SECRET_DIGEST);
  const argon2 = parseDigest(fixtures.userDigest);
  if (!(await verifyDigest(pbkdf2, SECRET)) || !(await verifyDigest(argon2, PASSWORD))) throw new Error('a bench digest does not verify');
  const salt = Buffer.alloc(16, 7);
  return {
    rs256Sign: timed(200, () => sign('sha256', data, rsa)),
    es256Sign: timed(500, () => sign('sha256', data, { key: ec, dsaEncoding: 'ieee-p1363' })),
    pbkdf2SHA512: timed(3, () => pbkdf2Sync(SECRET, salt, 310000, 64, 'sha512')),
    argon2id: await timedAsync(3, () => verifyDigest(argon2, PASSWORD)),
  };
}
