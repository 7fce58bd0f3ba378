// WebAuthn credentials and user handles against a real SQLite file: several named credentials per
// user, every operation scoped to its username, credential ids unique across users (WebAuthn Level 3
// §7.1 step 25), a signature counter that only moves forward in one atomic update (§7.2 step 22), and
// a user handle that is random, 32 bytes and stable (§14.6.1: never the username).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { openStorage } from '../../src/storage/database.ts';
import { StorageError } from '../../src/storage/errors.ts';
import {
  deleteWebAuthnCredential,
  findWebAuthnCredential,
  listWebAuthnCredentials,
  recordWebAuthnCredentialUse,
  renameWebAuthnCredential,
  saveWebAuthnCredential,
  webAuthnUserHandle,
  type NewWebAuthnCredential,
  type WebAuthnCredential,
} from '../../src/storage/webauthn.ts';
import { databasePath, KEY, openTest, START_MS, temporaryDirectory, testClock } from './helpers.ts';

const dir = temporaryDirectory();
const START = START_MS / 1000;

function newCredential(username: string, description: string, extra: Partial<NewWebAuthnCredential> = {}): NewWebAuthnCredential {
  return {
    username,
    description,
    credentialID: randomBytes(16).toString('base64url'),
    publicKey: new Uint8Array(randomBytes(77)),
    signCount: 0,
    transports: ['usb', 'nfc'],
    aaguid: '00000000-0000-0000-0000-000000000000',
    backupEligible: false,
    backupState: false,
    attestationType: 'none',
    ...extra,
  };
}

function saved(credential: WebAuthnCredential | undefined): WebAuthnCredential {
  assert.ok(credential, 'the credential was stored');
  return credential;
}

test('the user handle is 32 random bytes, not the username, and stable across re-opening', () => {
  const path = databasePath(dir);
  const first = openStorage({ path, encryptionKey: KEY });
  const john = webAuthnUserHandle(first, 'john');
  assert.equal(Buffer.from(john, 'base64url').length, 32);
  assert.equal(webAuthnUserHandle(first, 'john'), john);
  const harry = webAuthnUserHandle(first, 'harry');
  assert.notEqual(harry, john);
  first.close();
  const again = openStorage({ path, encryptionKey: KEY });
  assert.equal(webAuthnUserHandle(again, 'john'), john);
  assert.equal(webAuthnUserHandle(again, 'harry'), harry);
  again.close();
  // Random, not derived from the username: another database gives john another handle.
  assert.notEqual(webAuthnUserHandle(openTest(dir), 'john'), john);
});

test('two handles creating the first user handle at once agree on one', () => {
  const path = databasePath(dir);
  const a = openStorage({ path, encryptionKey: KEY });
  const b = openStorage({ path, encryptionKey: KEY });
  try {
    assert.equal(webAuthnUserHandle(a, 'race'), webAuthnUserHandle(b, 'race'));
  } finally {
    a.close();
    b.close();
  }
});

test('several named credentials per user round-trip, oldest first, and survive re-opening', () => {
  const path = databasePath(dir);
  const clock = testClock();
  const storage = openStorage({ path, encryptionKey: KEY, clock });
  const key = newCredential('john', 'YubiKey 5', { signCount: 7, aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', attestationType: 'packed' });
  const first = saved(saveWebAuthnCredential(storage, key));
  clock.advance(60);
  const passkey = saved(saveWebAuthnCredential(storage, newCredential('john', 'Phone', { backupEligible: true, backupState: true, transports: ['hybrid', 'internal'] })));
  saveWebAuthnCredential(storage, newCredential('harry', 'Harry’s key'));
  assert.deepEqual(first, { ...key, id: first.id, createdAt: START, lastUsedAt: null });
  assert.equal(passkey.createdAt, START + 60);
  storage.close();

  const again = openStorage({ path, encryptionKey: KEY });
  try {
    const list = listWebAuthnCredentials(again, 'john');
    assert.deepEqual(list.map((c) => c.description), ['YubiKey 5', 'Phone']);
    assert.deepEqual(list[0], first);
    assert.deepEqual(list[1], passkey);
    assert.deepEqual(listWebAuthnCredentials(again, 'nobody'), []);
  } finally {
    again.close();
  }
});

test('a credential id is registered once across all users (§7.1 step 25)', () => {
  const storage = openTest(dir);
  const credential = newCredential('john', 'Key');
  saved(saveWebAuthnCredential(storage, credential));
  assert.equal(saveWebAuthnCredential(storage, { ...credential, description: 'Again' }), undefined);
  assert.equal(saveWebAuthnCredential(storage, { ...credential, username: 'harry' }), undefined);
  assert.deepEqual(listWebAuthnCredentials(storage, 'john').map((c) => c.description), ['Key']);
  assert.deepEqual(listWebAuthnCredentials(storage, 'harry'), []);
});

test('an empty description is refused', () => {
  const storage = openTest(dir);
  const refused = (error: unknown) => error instanceof StorageError && error.code === 'INVALID_INPUT';
  assert.throws(() => saveWebAuthnCredential(storage, newCredential('john', '  ')), refused);
  const stored = saved(saveWebAuthnCredential(storage, newCredential('john', 'Key')));
  assert.throws(() => renameWebAuthnCredential(storage, { username: 'john', id: stored.id, description: '' }), refused);
  assert.equal(listWebAuthnCredentials(storage, 'john')[0]?.description, 'Key');
});

test('find, rename and delete only reach the named user’s own credentials', () => {
  const storage = openTest(dir);
  const johns = saved(saveWebAuthnCredential(storage, newCredential('john', 'Key')));
  const harrys = saved(saveWebAuthnCredential(storage, newCredential('harry', 'Key')));

  assert.deepEqual(findWebAuthnCredential(storage, { username: 'john', credentialID: johns.credentialID }), johns);
  assert.equal(findWebAuthnCredential(storage, { username: 'john', credentialID: harrys.credentialID }), undefined);
  assert.equal(findWebAuthnCredential(storage, { username: 'John', credentialID: johns.credentialID }), undefined);

  assert.equal(renameWebAuthnCredential(storage, { username: 'john', id: harrys.id, description: 'Mine now' }), false);
  assert.equal(renameWebAuthnCredential(storage, { username: 'john', id: johns.id, description: 'Office key' }), true);
  assert.equal(findWebAuthnCredential(storage, { username: 'john', credentialID: johns.credentialID })?.description, 'Office key');
  assert.equal(findWebAuthnCredential(storage, { username: 'harry', credentialID: harrys.credentialID })?.description, 'Key');

  assert.equal(deleteWebAuthnCredential(storage, { username: 'john', id: harrys.id }), false);
  assert.equal(deleteWebAuthnCredential(storage, { username: 'john', id: johns.id }), true);
  assert.equal(deleteWebAuthnCredential(storage, { username: 'john', id: johns.id }), false);
  assert.deepEqual(listWebAuthnCredentials(storage, 'john'), []);
  assert.equal(listWebAuthnCredentials(storage, 'harry').length, 1);
});

test('recording a use moves the counter forward only, with the backup state and time (§7.2 steps 19, 22)', () => {
  const clock = testClock();
  const storage = openTest(dir, { clock });
  const credential = saved(saveWebAuthnCredential(storage, newCredential('john', 'Key', { signCount: 5, backupEligible: true })));
  const current = (): WebAuthnCredential | undefined => findWebAuthnCredential(storage, { username: 'john', credentialID: credential.credentialID });

  clock.advance(30);
  assert.equal(recordWebAuthnCredentialUse(storage, { id: credential.id, signCount: 6, backupState: true }), true);
  assert.deepEqual({ ...current(), publicKey: undefined }, { ...credential, publicKey: undefined, signCount: 6, backupState: true, lastUsedAt: START + 30 });

  // A replayed or cloned assertion reports a counter that is not greater: refused, nothing changes.
  clock.advance(30);
  assert.equal(recordWebAuthnCredentialUse(storage, { id: credential.id, signCount: 6, backupState: false }), false);
  assert.equal(recordWebAuthnCredentialUse(storage, { id: credential.id, signCount: 2, backupState: false }), false);
  assert.equal(recordWebAuthnCredentialUse(storage, { id: credential.id, signCount: 0, backupState: false }), false);
  assert.equal(current()?.signCount, 6);
  assert.equal(current()?.backupState, true);
  assert.equal(current()?.lastUsedAt, START + 30);

  assert.equal(recordWebAuthnCredentialUse(storage, { id: credential.id + 1000, signCount: 99, backupState: false }), false);
});

test('an authenticator without a counter (always 0) can be used again and again (§6.1.1)', () => {
  const clock = testClock();
  const storage = openTest(dir, { clock });
  const credential = saved(saveWebAuthnCredential(storage, newCredential('john', 'Passkey')));
  assert.equal(recordWebAuthnCredentialUse(storage, { id: credential.id, signCount: 0, backupState: false }), true);
  clock.advance(10);
  assert.equal(recordWebAuthnCredentialUse(storage, { id: credential.id, signCount: 0, backupState: false }), true);
  assert.equal(findWebAuthnCredential(storage, { username: 'john', credentialID: credential.credentialID })?.lastUsedAt, START + 10);
});

test('two connections recording the same counter: exactly one wins (the update is a compare-and-set)', () => {
  const path = databasePath(dir);
  const a = openStorage({ path, encryptionKey: KEY });
  const b = openStorage({ path, encryptionKey: KEY });
  try {
    const credential = saved(saveWebAuthnCredential(a, newCredential('john', 'Key', { signCount: 3 })));
    const results = [
      recordWebAuthnCredentialUse(a, { id: credential.id, signCount: 4, backupState: false }),
      recordWebAuthnCredentialUse(b, { id: credential.id, signCount: 4, backupState: false }),
    ];
    assert.deepEqual(results.sort(), [false, true]);
  } finally {
    a.close();
    b.close();
  }
});
