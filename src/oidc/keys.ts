// The provider's signing keys as a private JWKS for oidc-provider: the configured `jwks` (kid from
// config or Authelia's thumbprint rule; per algorithm the first key is that algorithm's default, and a
// client's `*_signed_response_key_id` picks another), or, with none configured, one RS256 key
// generated on first start and kept encrypted in storage.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createPrivateKey } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Provider } from 'oidc-provider';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import type { JWKConfig, OIDCClientConfig } from '../config/types.ts';
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

type SignedUse = Parameters<InstanceType<Provider['IdToken']>['issue']>[0]['use'];

/** The key a client names for a signed JWT use; logout tokens follow the ID token's settings. */
function namedKeyID(client: OIDCClientConfig, use: SignedUse): string | undefined {
  if (use === 'idtoken' || use === 'logout') return client.id_token_signed_response_key_id || undefined;
  if (use === 'userinfo') return client.userinfo_signed_response_key_id || undefined;
  return undefined;
}

/**
 * Makes `<x>_signed_response_key_id` choose the signing key, not only its algorithm: oidc-provider
 * signs with the first key of the algorithm, so while a client's JWT is issued the provider keystore
 * prefers the named key (when it has that algorithm). The keystore has no public accessor; this is
 * the one place Castellan uses oidc-provider internals, and the signing tests cover it.
 */
export function installKeySelection(provider: Provider, clients: readonly OIDCClientConfig[]): void {
  const byClient = new Map(clients.map((c) => [c.client_id!, c]));
  if (![...byClient.values()].some((c) => c.id_token_signed_response_key_id || c.userinfo_signed_response_key_id)) return;
  const preferred = new AsyncLocalStorage<string>();
  const prototype = provider.IdToken.prototype;
  const issue = prototype.issue;
  prototype.issue = function issueWithNamedKey(this: InstanceType<Provider['IdToken']>, options) {
    const client = this.client ? byClient.get(this.client.clientId) : undefined;
    const kid = client ? namedKeyID(client, options.use) : undefined;
    return kid ? preferred.run(kid, () => issue.call(this, options)) : issue.call(this, options);
  };
  const keystore = instance(provider).keystore;
  const select = keystore.selectForSign.bind(keystore);
  keystore.selectForSign = function selectNamedKey(options) {
    const kid = options.kid ?? preferred.getStore();
    const named = kid === undefined ? [] : select({ ...options, kid });
    return named.length > 0 ? named : select(options);
  };
}
