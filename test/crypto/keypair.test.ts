// generateKeyPairPEM: PKCS#8 / SPKI PEM for each supported key type, and the two halves belong together.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { generateKeyPairPEM, type KeyPairSpec } from '../../src/crypto/keypair.ts';

const SPECS: readonly [KeyPairSpec, Record<string, unknown>][] = [
  [{ type: 'rsa', bits: 2048 }, { modulusLength: 2048 }],
  [{ type: 'ecdsa', curve: 'P256' }, { namedCurve: 'prime256v1' }],
  [{ type: 'ecdsa', curve: 'P384' }, { namedCurve: 'secp384r1' }],
  [{ type: 'ecdsa', curve: 'P521' }, { namedCurve: 'secp521r1' }],
  [{ type: 'ed25519' }, {}],
];

for (const [spec, details] of SPECS) {
  test(`${JSON.stringify(spec)} gives a matching PKCS#8/SPKI pair`, async () => {
    const { privateKeyPEM, publicKeyPEM } = await generateKeyPairPEM(spec);
    assert.match(privateKeyPEM, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    assert.match(publicKeyPEM, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    const privateKey = createPrivateKey(privateKeyPEM);
    const publicKey = createPublicKey(publicKeyPEM);
    assert.equal(privateKey.asymmetricKeyType, spec.type === 'ecdsa' ? 'ec' : spec.type);
    for (const [key, value] of Object.entries(details)) assert.equal(privateKey.asymmetricKeyDetails?.[key as 'modulusLength'], value);
    const digest = spec.type === 'ed25519' ? null : 'sha256';
    const signature = sign(digest, Buffer.from('castellan'), privateKey);
    assert.equal(verify(digest, Buffer.from('castellan'), publicKey, signature), true);
  });
}

test('unsupported sizes are refused', async () => {
  await assert.rejects(generateKeyPairPEM({ type: 'rsa', bits: 1024 as 2048 }), RangeError);
  await assert.rejects(generateKeyPairPEM({ type: 'ecdsa', curve: 'P224' as 'P256' }), RangeError);
});
