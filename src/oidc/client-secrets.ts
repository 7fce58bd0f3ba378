// Client secret verification for oidc-provider: the configured digest (or plaintext) is checked
// with the digest module, constant-time and off the event loop; successes are remembered briefly
// (secret-cache.ts) so slow digests cost one hash per client every few minutes, not per request.
import { Provider, errors } from 'oidc-provider';
import { parseDigest, verifyDigest, type Digest } from '../crypto/digest.ts';
import type { ProviderContext } from './context.ts';
import { createVerificationCache } from './secret-cache.ts';

/**
 * Castellan's client secret check: the configured digest (or plaintext), constant-time, sent with
 * the registered method only (OIDC Registration §2; oidc-provider would accept Basic and the body
 * interchangeably). A confidential client that registers no method may use either, as Authelia's
 * client reference promises.
 */
const MAX_SECRET_LENGTH = 1024;

export function installSecretComparison(provider: Provider, context: ProviderContext): void {
  const digests = new Map<string, Digest>();
  for (const policy of context.policies.values()) if (policy.secret) digests.set(policy.clientID, parseDigest(policy.secret, { allowPlaintext: true }));
  const cache = createVerificationCache();
  const prototype = provider.Client.prototype as unknown as { compareClientSecret(this: { clientId: string; clientAuthMethod: string }, actual: string): Promise<boolean> };
  prototype.compareClientSecret = async function compareClientSecret(actual: string): Promise<boolean> {
    const presented = Provider.ctx?.headers.authorization !== undefined ? 'client_secret_basic' : 'client_secret_post';
    const allowed = context.policies.get(this.clientId)?.secretMethods ?? [this.clientAuthMethod];
    if (!allowed.includes(presented as never)) throw new errors.InvalidClientAuth('the provided authentication mechanism does not match the registered client authentication method');
    const digest = digests.get(this.clientId);
    // Real secrets are short; a huge one would only buy an attacker hashing time (sha2crypt grows with length).
    if (!digest || typeof actual !== 'string' || actual === '' || actual.length > MAX_SECRET_LENGTH) return false;
    if (digest.algorithm === 'plaintext') return verifyDigest(digest, actual);
    if (cache.has(this.clientId, digest.encoded, actual)) return true;
    const matches = await verifyDigest(digest, actual);
    if (matches) cache.remember(this.clientId, digest.encoded, actual);
    return matches;
  };
}
