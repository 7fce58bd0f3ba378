// Plaintext "digests": `$plaintext$<secret>` (client secrets only in Authelia; the secret may contain
// '$'), or a bare value not starting with '$' when the caller allows it. Comparison is constant-time
// over SHA-256 of both sides, so neither length nor content leaks through timing.
import { equalSecrets } from './compare.ts';
import { malformed } from './digest-error.ts';
import type { DigestBase } from './types.ts';

export interface PlaintextDigest extends DigestBase<'plaintext', 'plaintext'> {
  readonly secret: string;
}

export const PLAINTEXT_PREFIX = '$plaintext$';

export function parsePlaintext(encoded: string): PlaintextDigest {
  const secret = encoded.startsWith(PLAINTEXT_PREFIX) ? encoded.slice(PLAINTEXT_PREFIX.length) : encoded;
  if (secret.length === 0) throw malformed('plaintext digest has an empty secret');
  return Object.freeze({ algorithm: 'plaintext', variant: 'plaintext', encoded, secret });
}

export async function verifyPlaintext(digest: PlaintextDigest, password: string): Promise<boolean> {
  return equalSecrets(password, digest.secret);
}
