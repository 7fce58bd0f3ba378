// Real WebAuthn ceremonies (W3C WebAuthn Level 3 §7.1 registration, §7.2 authentication) without a
// browser: a software authenticator answers the options Castellan builds from the `webauthn:`
// configuration, the verification runs through @simplewebauthn/server, and the credential lives in a
// real SQLite file. Every refusal is checked by its WebAuthnError code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebAuthnConfig } from '../../src/config/types.ts';
import {
  authenticationOptions,
  createChallenge,
  registrationOptions,
  relyingParty,
  sameChallenge,
  verifyAuthentication,
  verifyRegistration,
  WebAuthnError,
  type WebAuthnErrorCode,
} from '../../src/identity/webauthn.ts';
import type { Storage } from '../../src/storage/database.ts';
import {
  deleteWebAuthnCredential,
  findWebAuthnCredential,
  listWebAuthnCredentials,
  recordWebAuthnCredentialUse,
  renameWebAuthnCredential,
  saveWebAuthnCredential,
  webAuthnUserHandle,
  type WebAuthnCredential,
} from '../../src/storage/webauthn.ts';
import { BASE, load } from '../config/helpers.ts';
import { openTest, temporaryDirectory } from '../storage/helpers.ts';
import { softwareAuthenticator, type AssertionOverrides, type CeremonyOverrides, type SoftwareAuthenticator } from './webauthn-authenticator.ts';

const dir = temporaryDirectory();
const ISSUER = 'https://auth.example.com:8443/castellan';
const ORIGIN = 'https://auth.example.com:8443';
const RP_ID = 'auth.example.com';

/** Authelia 4.39's defaults (reference/authelia.md §6). */
const CONFIG: WebAuthnConfig = {
  disable: false,
  display_name: 'Authelia',
  attestation_conveyance_preference: 'indirect',
  timeout: 60,
  selection_criteria: { attachment: 'cross-platform', discoverability: 'discouraged', user_verification: 'preferred' },
};
const RP = relyingParty(ISSUER, CONFIG);

function refusedWith(code: WebAuthnErrorCode): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof WebAuthnError, `a WebAuthnError, not ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

interface Ceremonies {
  storage: Storage;
  authenticator: SoftwareAuthenticator;
  /** Registers a new credential for john through options → authenticator → verification → storage. */
  register(description: string, overrides?: CeremonyOverrides, config?: WebAuthnConfig): Promise<WebAuthnCredential>;
  /** Signs in john with a credential: options → authenticator → verification → counter update. */
  signIn(overrides?: AssertionOverrides, requireUserVerification?: boolean): Promise<Awaited<ReturnType<typeof verifyAuthentication>>>;
}

function ceremonies({ storage = openTest(dir), authenticator = softwareAuthenticator({ origin: ORIGIN }) } = {}): Ceremonies {
  const username = 'john';
  return {
    storage,
    authenticator,
    async register(description, overrides, config = CONFIG) {
      const user = { username, displayName: 'John Doe', handle: webAuthnUserHandle(storage, username) };
      const { options, challenge } = await registrationOptions({ config, ...RP, user, credentials: listWebAuthnCredentials(storage, username) });
      const response = authenticator.create(options, overrides);
      const registered = await verifyRegistration({
        response: JSON.parse(JSON.stringify(response)),
        expectedChallenge: challenge,
        expectedOrigin: RP.origin,
        expectedRPID: RP.rpID,
        requireUserVerification: config.selection_criteria.user_verification === 'required',
      });
      const saved = saveWebAuthnCredential(storage, { username, description, ...registered });
      assert.ok(saved);
      return saved;
    },
    async signIn(overrides, requireUserVerification = false) {
      const { options, challenge } = await authenticationOptions({ config: CONFIG, rpID: RP.rpID, credentials: listWebAuthnCredentials(storage, username) });
      const response = authenticator.get(options, overrides);
      const credential = findWebAuthnCredential(storage, { username, credentialID: response.id });
      const assertion = await verifyAuthentication({
        response: JSON.parse(JSON.stringify(response)),
        expectedChallenge: challenge,
        expectedOrigin: RP.origin,
        expectedRPID: RP.rpID,
        credential,
        userHandle: webAuthnUserHandle(storage, username),
        requireUserVerification,
      });
      assert.ok(credential);
      assert.equal(recordWebAuthnCredentialUse(storage, { id: credential.id, ...assertion }), true);
      return assertion;
    },
  };
}

test('the relying party is the issuer’s hostname and origin (§5.1.2 RP ID, §7.1 step 9)', () => {
  assert.deepEqual(relyingParty(ISSUER, CONFIG), { rpID: RP_ID, rpName: 'Authelia', origin: ORIGIN });
  assert.deepEqual(relyingParty('https://login.example.org', { ...CONFIG, display_name: 'Example' }), { rpID: 'login.example.org', rpName: 'Example', origin: 'https://login.example.org' });
});

test('challenges are 32 random bytes and compared exactly', () => {
  const challenge = createChallenge();
  assert.equal(Buffer.from(challenge, 'base64url').length, 32);
  assert.notEqual(createChallenge(), challenge);
  assert.equal(sameChallenge(challenge, challenge), true);
  assert.equal(sameChallenge(`${challenge}A`, challenge), false);
  assert.equal(sameChallenge('', ''), false);
});

test('registration options follow the configuration defaults loaded through the real pipeline', async () => {
  const { config } = await load([BASE]);
  const { options, challenge } = await registrationOptions({
    config: config.webauthn,
    rpID: RP_ID,
    rpName: config.webauthn.display_name,
    user: { username: 'john', displayName: 'John Doe', handle: Buffer.alloc(32, 7).toString('base64url') },
    credentials: [],
  });
  assert.equal(options.challenge, challenge);
  assert.equal(Buffer.from(challenge, 'base64url').length, 32);
  assert.deepEqual(options.rp, { id: RP_ID, name: 'Authelia' });
  // §14.6.1: user.id is the random handle, never the username.
  assert.deepEqual(options.user, { id: Buffer.alloc(32, 7).toString('base64url'), name: 'john', displayName: 'John Doe' });
  assert.equal(options.timeout, 60_000);
  assert.equal(options.attestation, 'indirect');
  assert.deepEqual(options.authenticatorSelection, { authenticatorAttachment: 'cross-platform', residentKey: 'discouraged', requireResidentKey: false, userVerification: 'preferred' });
  assert.deepEqual(options.pubKeyCredParams, [{ alg: -7, type: 'public-key' }, { alg: -257, type: 'public-key' }]);
  assert.deepEqual(options.excludeCredentials, []);
});

test('selection criteria and attestation preference map onto the options', async () => {
  const config: WebAuthnConfig = {
    ...CONFIG,
    attestation_conveyance_preference: 'direct',
    timeout: 90,
    selection_criteria: { attachment: '', discoverability: 'required', user_verification: 'required' },
  };
  const user = { username: 'john', displayName: 'John', handle: createChallenge() };
  const { options } = await registrationOptions({ config, ...RP, user, credentials: [] });
  assert.equal(options.attestation, 'direct');
  assert.equal(options.timeout, 90_000);
  assert.deepEqual(options.authenticatorSelection, { residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
  const request = await authenticationOptions({ config, rpID: RP_ID, credentials: [] });
  assert.equal(request.options.userVerification, 'required');
  assert.equal(request.options.timeout, 90_000);
});

test('webauthn.disable refuses both ceremonies', async () => {
  const config = { ...CONFIG, disable: true };
  const user = { username: 'john', displayName: 'John', handle: createChallenge() };
  await assert.rejects(registrationOptions({ config, ...RP, user, credentials: [] }), refusedWith('DISABLED'));
  await assert.rejects(authenticationOptions({ config, rpID: RP_ID, credentials: [] }), refusedWith('DISABLED'));
});

test('registration verifies and stores; authentication verifies and moves the counter forward', async () => {
  const { storage, register, signIn } = ceremonies();
  const credential = await register('YubiKey');
  assert.equal(credential.description, 'YubiKey');
  assert.equal(credential.signCount, 0);
  assert.equal(credential.attestationType, 'none');
  assert.equal(credential.aaguid, '00000000-0000-0000-0000-000000000000');
  assert.deepEqual(credential.transports, ['usb']);
  assert.equal(credential.backupEligible, false);

  // RFC 8176 §2: a device-bound key is 'hwk'; presence was tested ('user'); no user verification.
  assert.deepEqual(await signIn(), { signCount: 1, backupState: false, userVerified: false, amr: ['hwk', 'user'] });
  assert.deepEqual(await signIn(), { signCount: 2, backupState: false, userVerified: false, amr: ['hwk', 'user'] });
  const stored = findWebAuthnCredential(storage, { username: 'john', credentialID: credential.credentialID });
  assert.equal(stored?.signCount, 2);
  assert.notEqual(stored?.lastUsedAt, null);
});

test('a user-verified, syncable passkey reports swk, user and pin', async () => {
  const { register, signIn } = ceremonies({ authenticator: softwareAuthenticator({ origin: ORIGIN, backupEligible: true, userVerified: true, attachment: 'platform', transports: ['internal', 'hybrid'] }) });
  const credential = await register('Phone');
  assert.equal(credential.backupEligible, true);
  assert.equal(credential.backupState, true);
  assert.deepEqual(credential.transports, ['internal', 'hybrid']);
  assert.deepEqual(await signIn({}, true), { signCount: 1, backupState: true, userVerified: true, amr: ['swk', 'user', 'pin'] });
});

test('registration is refused for another origin, RP ID, challenge or ceremony type', async () => {
  const { storage, register } = ceremonies();
  await assert.rejects(register('Key', { origin: 'https://evil.example.com' }), refusedWith('ORIGIN_MISMATCH'));
  await assert.rejects(register('Key', { origin: 'http://auth.example.com:8443' }), refusedWith('ORIGIN_MISMATCH'));
  await assert.rejects(register('Key', { rpID: 'example.com' }), refusedWith('RP_ID_MISMATCH'));
  await assert.rejects(register('Key', { challenge: createChallenge() }), refusedWith('CHALLENGE_MISMATCH'));
  await assert.rejects(register('Key', { type: 'webauthn.get' }), refusedWith('INVALID_RESPONSE'));
  await assert.rejects(register('Key', { userPresent: false }), refusedWith('USER_NOT_PRESENT'));
  const required = { ...CONFIG, selection_criteria: { ...CONFIG.selection_criteria, user_verification: 'required' as const } };
  await assert.rejects(register('Key', {}, required), refusedWith('USER_NOT_VERIFIED'));
  assert.deepEqual(listWebAuthnCredentials(storage, 'john'), []);
});

test('a malformed registration response or a lost challenge is refused; odd transports are dropped', async () => {
  const authenticator = softwareAuthenticator({ origin: ORIGIN });
  const user = { username: 'john', displayName: 'John', handle: createChallenge() };
  const { options, challenge } = await registrationOptions({ config: CONFIG, ...RP, user, credentials: [] });
  const response = authenticator.create(options);
  const verify = (value: unknown, expectedChallenge = challenge) => verifyRegistration({ response: value, expectedChallenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: false });
  for (const value of [undefined, 'text', [], {}, { ...response, rawId: 'other' }, { ...response, type: 'password' }, { ...response, response: { clientDataJSON: response.response.clientDataJSON } }]) {
    await assert.rejects(verify(value), refusedWith('INVALID_RESPONSE'));
  }
  await assert.rejects(verify({ ...response, response: { ...response.response, attestationObject: 'AAAA' } }), refusedWith('INVALID_RESPONSE'));
  await assert.rejects(verify(response, ''), refusedWith('CHALLENGE_MISMATCH'));
  // Transports are hints echoed into later options: what does not look like one is dropped.
  const hints = { ...response, response: { ...response.response, transports: ['usb', '<script>', 'a'.repeat(40), 'nfc'] } };
  assert.deepEqual((await verify(hints)).transports, ['usb', 'nfc']);
});

test('authentication is refused for another origin, RP ID or challenge, or a tampered signature', async () => {
  const { storage, register, signIn } = ceremonies();
  const credential = await register('Key');
  await assert.rejects(signIn({ origin: 'https://evil.example.com' }), refusedWith('ORIGIN_MISMATCH'));
  await assert.rejects(signIn({ rpID: 'evil.example.com' }), refusedWith('RP_ID_MISMATCH'));
  await assert.rejects(signIn({ challenge: createChallenge() }), refusedWith('CHALLENGE_MISMATCH'));
  await assert.rejects(signIn({ type: 'webauthn.create' }), refusedWith('INVALID_RESPONSE'));
  await assert.rejects(signIn({ tamperSignature: true }), refusedWith('SIGNATURE_INVALID'));
  await assert.rejects(signIn({ userPresent: false }), refusedWith('USER_NOT_PRESENT'));
  await assert.rejects(signIn({}, true), refusedWith('USER_NOT_VERIFIED'));
  // None of the refusals touched the stored counter.
  assert.equal(findWebAuthnCredential(storage, { username: 'john', credentialID: credential.credentialID })?.signCount, 0);
  assert.equal((await signIn()).signCount, 8);
});

test('a counter that does not increase (a cloned authenticator, a replay) is refused (§7.2 step 22)', async () => {
  const { authenticator, register, signIn } = ceremonies();
  const credential = await register('Key');
  await signIn();
  await signIn();
  authenticator.setCounter(credential.credentialID, 1);
  await assert.rejects(signIn(), refusedWith('COUNTER_REGRESSION'));
  await assert.rejects(signIn({ counter: 0 }), refusedWith('COUNTER_REGRESSION'));
  assert.equal((await signIn({ counter: 3 })).signCount, 3);
});

test('an authenticator that keeps no counter (always 0) is accepted every time', async () => {
  const { register, signIn } = ceremonies();
  await register('Passkey');
  assert.equal((await signIn({ counter: 0 })).signCount, 0);
  assert.equal((await signIn({ counter: 0 })).signCount, 0);
});

test('a credential that is not the user’s, or a response naming another user handle, is refused (§7.2 steps 5-6)', async () => {
  const { storage, authenticator, register } = ceremonies();
  const credential = await register('Key');
  const { options, challenge } = await authenticationOptions({ config: CONFIG, rpID: RP_ID, credentials: [credential] });
  const input = { expectedChallenge: challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, userHandle: webAuthnUserHandle(storage, 'john'), requireUserVerification: false };

  // Another user's credential, or one nobody registered: findWebAuthnCredential finds nothing.
  const harrysKey = softwareAuthenticator({ origin: ORIGIN });
  const harry = await registrationOptions({ config: CONFIG, ...RP, user: { username: 'harry', displayName: 'Harry', handle: webAuthnUserHandle(storage, 'harry') }, credentials: [] });
  const harrysID = harrysKey.create(harry.options).id;
  // It claims john's user handle, so only the credential id gives it away.
  const foreign = harrysKey.get({ ...options, allowCredentials: [{ id: harrysID, type: 'public-key' }] }, { userHandle: input.userHandle });
  const found = findWebAuthnCredential(storage, { username: 'john', credentialID: foreign.id });
  assert.equal(found, undefined);
  await assert.rejects(verifyAuthentication({ ...input, response: foreign, credential: found }), refusedWith('UNKNOWN_CREDENTIAL'));

  // A stored credential that is not the one that answered.
  await assert.rejects(verifyAuthentication({ ...input, response: foreign, credential }), refusedWith('UNKNOWN_CREDENTIAL'));

  // The right credential, but the response names another user handle.
  const renamed = authenticator.get(options, { userHandle: webAuthnUserHandle(storage, 'harry') });
  await assert.rejects(verifyAuthentication({ ...input, response: renamed, credential }), refusedWith('UNKNOWN_CREDENTIAL'));

  // Without a user handle (a non-discoverable credential may omit it) the assertion verifies.
  const { userHandle: _omitted, ...withoutHandle } = authenticator.get(options).response;
  const plain = { ...authenticator.get(options), response: withoutHandle };
  assert.equal((await verifyAuthentication({ ...input, response: plain, credential })).amr[0], 'hwk');
});

test('several credentials per user: excludeCredentials and allowCredentials list them; rename and delete', async () => {
  const { storage, register, signIn } = ceremonies();
  const first = await register('Office key');
  // The browser refuses to register a second credential on an authenticator that holds an excluded one.
  await assert.rejects(register('Again'), /InvalidStateError/);
  const other = ceremonies({ storage, authenticator: softwareAuthenticator({ origin: ORIGIN, transports: ['nfc'] }) });
  const second = await other.register('Spare key');

  const user = { username: 'john', displayName: 'John Doe', handle: webAuthnUserHandle(storage, 'john') };
  const { options: creation } = await registrationOptions({ config: CONFIG, ...RP, user, credentials: listWebAuthnCredentials(storage, 'john') });
  assert.deepEqual(creation.excludeCredentials, [
    { id: first.credentialID, transports: ['usb'], type: 'public-key' },
    { id: second.credentialID, transports: ['nfc'], type: 'public-key' },
  ]);
  const { options: request } = await authenticationOptions({ config: CONFIG, rpID: RP_ID, credentials: listWebAuthnCredentials(storage, 'john') });
  assert.deepEqual(request.allowCredentials, [
    { id: first.credentialID, transports: ['usb'], type: 'public-key' },
    { id: second.credentialID, transports: ['nfc'], type: 'public-key' },
  ]);

  assert.equal((await signIn()).signCount, 1);
  assert.equal((await other.signIn()).signCount, 1);

  assert.equal(renameWebAuthnCredential(storage, { username: 'john', id: second.id, description: 'Backup key' }), true);
  assert.deepEqual(listWebAuthnCredentials(storage, 'john').map((c) => c.description), ['Office key', 'Backup key']);
  assert.equal(deleteWebAuthnCredential(storage, { username: 'john', id: first.id }), true);
  await assert.rejects(signIn({ credentialID: first.credentialID }), refusedWith('UNKNOWN_CREDENTIAL'));
  assert.equal((await other.signIn()).signCount, 2);
  // The user handle outlives the credentials: a re-registered key still names the same user.
  assert.equal(webAuthnUserHandle(storage, 'john'), user.handle);
});
