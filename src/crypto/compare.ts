// Constant-time equality for derived keys and secrets: lengths are compared first (they come from the
// digest format and are public), then the bytes with crypto.timingSafeEqual.
import { createHash, timingSafeEqual } from 'node:crypto';

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Compares two secrets of possibly different lengths without revealing where they differ. */
export function equalSecrets(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a, 'utf8').digest(), createHash('sha256').update(b, 'utf8').digest());
}
