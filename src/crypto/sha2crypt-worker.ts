// Worker thread for SHA-crypt ($5$ / $6$, Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512").
// The round loop is thousands of hash calls, so it runs here and never on the main event loop.
// Protocol: receives a SHA2CryptRequest, answers with a SHA2CryptResponse holding the crypt-base64 hash.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { CRYPT_ALPHABET } from './encoding.ts';
import { deprioritizeCurrentThread } from './thread-priority.ts';

// Like the thread pool's hashing threads: the event loop comes first (thread-priority.ts).
deprioritizeCurrentThread();

export interface SHA2CryptRequest {
  readonly variant: 'sha256' | 'sha512';
  readonly password: Uint8Array;
  /** Salt bytes, at most 16 (longer salts are truncated by the caller as the spec requires). */
  readonly salt: Uint8Array;
  readonly rounds: number;
}

export type SHA2CryptResponse = { readonly hash: string } | { readonly error: string };

// Byte triples of the final digest in output order (spec steps 22e), then the trailing partial group.
const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
] as const;
const SHA256_ORDER = [
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26],
  [27, 7, 17], [18, 28, 8], [9, 19, 29],
] as const;

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

function digest(algorithm: string, ...parts: Uint8Array[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function encode24(out: string[], b2: number, b1: number, b0: number, count: number): void {
  let w = (b2 << 16) | (b1 << 8) | b0;
  for (let i = 0; i < count; i++) {
    out.push(CRYPT_ALPHABET[w & 0x3f] ?? '');
    w >>>= 6;
  }
}

/** Returns the crypt-base64 hash field (86 chars for sha512, 43 for sha256). */
export function sha2crypt({ variant, password, salt, rounds }: SHA2CryptRequest): string {
  const P = Buffer.from(password);
  const S = Buffer.from(salt);
  const size = variant === 'sha512' ? 64 : 32;

  const B = digest(variant, P, S, P);
  const a = createHash(variant).update(P).update(S).update(repeatTo(B, P.length));
  for (let n = P.length; n > 0; n >>= 1) a.update(n & 1 ? B : P);
  let C = a.digest();

  const pBytes = repeatTo(digest(variant, ...Array<Buffer>(P.length).fill(P)), P.length);
  const sBytes = repeatTo(digest(variant, ...Array<Buffer>(16 + (C[0] ?? 0)).fill(S)), S.length);

  for (let i = 0; i < rounds; i++) {
    const h = createHash(variant);
    h.update(i & 1 ? pBytes : C);
    if (i % 3 !== 0) h.update(sBytes);
    if (i % 7 !== 0) h.update(pBytes);
    h.update(i & 1 ? C : pBytes);
    C = h.digest();
  }

  const out: string[] = [];
  const order = variant === 'sha512' ? SHA512_ORDER : SHA256_ORDER;
  for (const [x, y, z] of order) encode24(out, C[x] ?? 0, C[y] ?? 0, C[z] ?? 0, 4);
  if (size === 64) encode24(out, 0, 0, C[63] ?? 0, 2);
  else encode24(out, 0, C[31] ?? 0, C[30] ?? 0, 3);
  return out.join('');
}

parentPort?.on('message', (request: SHA2CryptRequest) => {
  let response: SHA2CryptResponse;
  try {
    response = { hash: sha2crypt(request) };
  } catch (error) {
    response = { error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(response);
});
