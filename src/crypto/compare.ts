// Constant-time equality for derived keys and secrets: lengths are compared first (they come from the
// digest format and are public), then the bytes with crypto.timingSafeEqual.
import { hash, timingSafeEqual } from 'node:crypto';

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Compares two secrets of possibly different lengths without revealing where they differ. */
export function equalSecrets(a: string, b: string): boolean {
  // One-shot hash(): same digest as createHash, without a Hash object per side (token endpoint path).
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}
