// Inspection of PEM keys and certificate chains for JSON Web Key sets: what kind of key it is,
// which algorithms it can sign with, Authelia's default key id, and whether a chain fits the key.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

export const SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

const CURVE_ALGORITHM: Record<string, SigningAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const CURVE_NAME: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

export interface KeyInfo {
  readonly key: KeyObject;
  readonly visibility: 'private' | 'public';
  /** 'rsa', 'ec', 'ed25519', … as node:crypto names them. */
  readonly type: string;
  /** For RSA keys. */
  readonly bits?: number | undefined;
  /** For EC keys: P-256, P-384, P-521, or the OpenSSL name of another curve. */
  readonly curve?: string | undefined;
  /** Algorithms this key can sign with; empty for unsupported key types or curves. */
  readonly algorithms: readonly SigningAlgorithm[];
  /** The algorithm Authelia picks when none is configured. */
  readonly defaultAlgorithm?: SigningAlgorithm | undefined;
}

export class KeyError extends Error {
  override readonly name = 'KeyError';
}

function describe(key: KeyObject, visibility: 'private' | 'public'): KeyInfo {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    return { key, visibility, type: 'rsa', bits: details.modulusLength, algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'], defaultAlgorithm: 'RS256' };
  }
  if (type === 'ec') {
    const named = details.namedCurve ?? '';
    const alg = CURVE_ALGORITHM[named];
    return { key, visibility, type, curve: CURVE_NAME[named] ?? named, algorithms: alg ? [alg] : [], defaultAlgorithm: alg };
  }
  return { key, visibility, type, algorithms: [] };
}

/** Parses a PEM private key (PKCS#8, PKCS#1 or SEC1). Throws KeyError, never echoing the key. */
export function inspectPrivateKey(pem: string): KeyInfo {
  if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem) || /-----BEGIN CERTIFICATE-----/.test(pem) && !/PRIVATE KEY-----/.test(pem)) {
    const info = inspectPublicKey(pem);
    return { ...info, visibility: 'public' };
  }
  try {
    return describe(createPrivateKey({ key: pem, format: 'pem' }), 'private');
  } catch {
    throw new KeyError('is not a valid PEM private key (expected a block such as -----BEGIN PRIVATE KEY-----)');
  }
}

/** Parses a PEM public key (SPKI or PKCS#1) or the key of a PEM certificate. */
export function inspectPublicKey(pem: string): KeyInfo {
  if (/PRIVATE KEY-----/.test(pem)) {
    try {
      return { ...describe(createPrivateKey({ key: pem, format: 'pem' }), 'private') };
    } catch {
      throw new KeyError('is not a valid PEM key');
    }
  }
  try {
    return describe(createPublicKey({ key: pem, format: 'pem' }), 'public');
  } catch {
    throw new KeyError('is not a valid PEM public key (expected a block such as -----BEGIN PUBLIC KEY-----)');
  }
}

/** Authelia's default key id: the first 6 hex characters of the RFC 7638 SHA-256 thumbprint, '-', the alg in lower case. */
export async function defaultKeyID(key: KeyObject, algorithm: string): Promise<string> {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const thumbprint = Buffer.from(await calculateJwkThumbprint(jwk, 'sha256'), 'base64url').toString('hex');
  return `${thumbprint.slice(0, 6)}-${algorithm.toLowerCase()}`;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Checks a PEM certificate chain against its key: the first certificate holds the key's public key,
 * every certificate is signed by the next and valid at `now`. Returns problems as sentences.
 */
export function checkCertificateChain(chainPEM: string, key: KeyObject, now: Date = new Date()): string[] {
  const blocks = chainPEM.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return ['does not contain any PEM certificate (-----BEGIN CERTIFICATE-----)'];
  let certificates: X509Certificate[];
  try {
    certificates = blocks.map((b) => new X509Certificate(b));
  } catch {
    return ['contains a certificate that cannot be parsed'];
  }
  const problems: string[] = [];
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const first = certificates[0]!;
  const expected = publicKey.export({ format: 'der', type: 'spki' });
  if (!first.publicKey.export({ format: 'der', type: 'spki' }).equals(expected)) {
    problems.push("does not contain the public key of the private key in 'key' as its first certificate");
  }
  certificates.forEach((certificate, i) => {
    if (new Date(certificate.validFrom) > now) problems.push(`certificate #${i + 1} is not valid before ${certificate.validFrom}`);
    if (new Date(certificate.validTo) < now) problems.push(`certificate #${i + 1} expired on ${certificate.validTo}`);
    const parent = certificates[i + 1];
    if (parent && !certificate.verify(parent.publicKey)) problems.push(`certificate #${i + 1} in the chain is not signed by certificate #${i + 2}`);
  });
  return problems;
}
