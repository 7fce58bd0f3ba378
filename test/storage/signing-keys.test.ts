// Generated provider signing keys: stored encrypted (the private exponent never reaches the file
// in clear), reloaded in the order saved, one per kid.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import type { JWK } from 'jose';
import { openStorage } from '../../src/storage/database.ts';
import { loadSigningKeys, saveSigningKey } from '../../src/storage/signing-keys.ts';
import { databasePath, fileBytes, KEY, openTest, OTHER_KEY, temporaryDirectory } from './helpers.ts';

const dir = temporaryDirectory();
const RSA = { ...(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as JWK), kid: 'a1b2c3-rs256', alg: 'RS256', use: 'sig' };
const EC = { ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as JWK), kid: 'd4e5f6-es256', alg: 'ES256', use: 'sig' };

test('keys are stored encrypted and reload intact, in the order they were saved', () => {
  const path = databasePath(dir);
  const storage = openStorage({ path, encryptionKey: KEY });
  assert.deepEqual(loadSigningKeys(storage), []);
  saveSigningKey(storage, RSA);
  saveSigningKey(storage, EC);
  storage.close();

  const bytes = fileBytes(path).toString('latin1');
  for (const secret of [RSA.d!, RSA.p!, RSA.q!, EC.d!]) assert.ok(!bytes.includes(secret), 'a private key part is in the file in clear');
  assert.ok(bytes.includes(RSA.kid), 'the kid stays readable for operators');

  const again = openStorage({ path, encryptionKey: KEY });
  assert.deepEqual(loadSigningKeys(again), [RSA, EC]);
  again.close();
  assert.throws(() => openStorage({ path, encryptionKey: OTHER_KEY }), { code: 'ENCRYPTION_KEY_MISMATCH' });
});

test('a key needs a kid and a private part, and a kid is stored once', () => {
  const storage = openTest(dir);
  const { d: _d, ...publicOnly } = RSA;
  assert.throws(() => saveSigningKey(storage, publicOnly), { name: 'StorageError', code: 'INVALID_INPUT' });
  assert.throws(() => saveSigningKey(storage, { ...RSA, kid: '' }), { code: 'INVALID_INPUT' });
  saveSigningKey(storage, RSA);
  assert.throws(() => saveSigningKey(storage, { ...EC, kid: RSA.kid }), { code: 'SIGNING_KEY_EXISTS' });
  assert.equal(loadSigningKeys(storage).length, 1);
});
