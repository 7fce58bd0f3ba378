// Asymmetric key pairs for JWKS (issuer signing keys): RSA, ECDSA and Ed25519, generated off the event
// loop with node:crypto's async generateKeyPair and returned as PEM (PKCS#8 private, SPKI public).
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export const RSA_BITS = [2048, 3072, 4096] as const;
export type RSABits = (typeof RSA_BITS)[number];

/** Authelia's curve names mapped to node:crypto's. */
export const ECDSA_CURVES = { P256: 'P-256', P384: 'P-384', P521: 'P-521' } as const;
export type ECDSACurve = keyof typeof ECDSA_CURVES;

export type KeyPairSpec =
  | { readonly type: 'rsa'; readonly bits: RSABits }
  | { readonly type: 'ecdsa'; readonly curve: ECDSACurve }
  | { readonly type: 'ed25519' };

export interface KeyPairPEM {
  /** PKCS#8 `-----BEGIN PRIVATE KEY-----`. */
  readonly privateKeyPEM: string;
  /** SPKI `-----BEGIN PUBLIC KEY-----`. */
  readonly publicKeyPEM: string;
}

const PUBLIC_ENCODING = { type: 'spki', format: 'pem' } as const;
const PRIVATE_ENCODING = { type: 'pkcs8', format: 'pem' } as const;

export async function generateKeyPairPEM(spec: KeyPairSpec): Promise<KeyPairPEM> {
  let pair: { publicKey: string; privateKey: string };
  switch (spec.type) {
    case 'rsa':
      if (!RSA_BITS.includes(spec.bits)) throw new RangeError(`RSA key size must be one of ${RSA_BITS.join(', ')} bits`);
      pair = await generate('rsa', { modulusLength: spec.bits, publicExponent: 0x10001, publicKeyEncoding: PUBLIC_ENCODING, privateKeyEncoding: PRIVATE_ENCODING });
      break;
    case 'ecdsa':
      if (!Object.hasOwn(ECDSA_CURVES, spec.curve)) throw new RangeError(`ECDSA curve must be one of ${Object.keys(ECDSA_CURVES).join(', ')}`);
      pair = await generate('ec', { namedCurve: ECDSA_CURVES[spec.curve], publicKeyEncoding: PUBLIC_ENCODING, privateKeyEncoding: PRIVATE_ENCODING });
      break;
    case 'ed25519':
      pair = await generate('ed25519', { publicKeyEncoding: PUBLIC_ENCODING, privateKeyEncoding: PRIVATE_ENCODING });
      break;
  }
  return { privateKeyPEM: pair.privateKey, publicKeyPEM: pair.publicKey };
}
