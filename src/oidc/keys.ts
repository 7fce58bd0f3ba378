// The provider's signing keys as a private JWKS for oidc-provider: the configured `jwks` (kid from
// config or Authelia's thumbprint rule; per algorithm the first key is that algorithm's default),
// or, with none configured, one RS256 key generated on first start and kept encrypted in storage.
import { createPrivateKey } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { JWKConfig } from '../config/types.ts';
import { defaultKeyID, inspectPrivateKey } from '../crypto/jwk.ts';
import type { Logger } from '../logging.ts';
import { loadSigningKeys, saveSigningKey } from '../storage/signing-keys.ts';
import type { Storage } from '../storage/database.ts';

export interface SigningKey extends JWK {
  kid: string;
  alg: string;
  use: 'sig';
}

async function fromConfig(entry: JWKConfig): Promise<SigningKey> {
  const info = inspectPrivateKey(entry.key!);
  const alg = entry.algorithm ?? info.defaultAlgorithm!;
  const jwk = createPrivateKey({ key: entry.key!, format: 'pem' }).export({ format: 'jwk' }) as JWK;
  const kid = entry.key_id ?? (await defaultKeyID(info.key, alg));
  return { ...jwk, kid, alg, use: 'sig' };
}

/** Loads or creates the signing keys; the first key of each algorithm is used by default. */
export async function providerSigningKeys(configured: readonly JWKConfig[] | undefined, storage: Storage, logger: Logger): Promise<SigningKey[]> {
  const entries = (configured ?? []).filter((k) => (k.use ?? 'sig') === 'sig');
  if (entries.length > 0) return Promise.all(entries.map(fromConfig));
  const stored = loadSigningKeys(storage) as SigningKey[];
  if (stored.length > 0) return stored;
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const key: SigningKey = { ...jwk, kid: '', alg: 'RS256', use: 'sig' };
  key.kid = await defaultKeyID(createPrivateKey({ key: jwk as never, format: 'jwk' }), 'RS256');
  saveSigningKey(storage, key);
  logger.warn({ kid: key.kid }, 'no identity_providers.oidc.jwks configured: generated an RS256 signing key and stored it encrypted; configure your own keys for production');
  return [key];
}

/** The key id a client's `<x>_signed_response_key_id` names, mapped to its algorithm. */
export function algorithmOfKey(keys: readonly SigningKey[], kid: string | undefined): string | undefined {
  return kid ? keys.find((k) => k.kid === kid)?.alg : undefined;
}
