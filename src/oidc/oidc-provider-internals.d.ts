// Types for the one oidc-provider internal Castellan reaches into (see keys.ts installKeySelection):
// the per-provider state holding the signing keystore, which has no public accessor.
declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  export interface SignKeyOptions {
    alg: string;
    use?: string;
    kid?: string;
  }
  export interface ProviderKeyStore {
    selectForSign(options: SignKeyOptions): unknown[];
  }
  export default function instance(provider: object): { keystore: ProviderKeyStore };
}
