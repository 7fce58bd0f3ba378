// A software authenticator plus the browser's part of the ceremonies, for tests without a browser:
// ES256 keys from node:crypto, clientDataJSON (WebAuthn §5.8.1), authenticator data (§6.1) with a
// signature counter, 'none' attestation objects (§8.7) in CBOR, and assertion signatures over
// authenticatorData || SHA-256(clientDataJSON) (§6.3.3). Overrides let a test forge what a broken or
// hostile client would send.
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type CBOR = Parameters<typeof isoCBOR.encode>[0];

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

// COSE_Key labels and values (RFC 9053 §7.1, RFC 9052 §7): kty EC2, alg ES256, crv P-256.
const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_CRV = -1;
const COSE_X = -2;
const COSE_Y = -3;
const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

export interface AuthenticatorProfile {
  /** The origin the "browser" runs on (clientDataJSON.origin). */
  origin: string;
  /** The BE flag: a syncable passkey rather than a device-bound key. Default false. */
  backupEligible?: boolean;
  /** Whether the user is verified (UV flag). Default false. */
  userVerified?: boolean;
  /** Default ['usb']. */
  transports?: string[];
  /** Default 'cross-platform'. */
  attachment?: 'platform' | 'cross-platform';
}

/** What a hostile or broken client may change in one ceremony. */
export interface CeremonyOverrides {
  origin?: string;
  /** The RP ID hashed into the authenticator data (default: the one in the options). */
  rpID?: string;
  challenge?: string;
  type?: string;
  userPresent?: boolean;
  userVerified?: boolean;
}

export interface AssertionOverrides extends CeremonyOverrides {
  /** Which held credential signs (default: the first one the options allow). */
  credentialID?: string;
  /** The counter to report, instead of the next one. */
  counter?: number;
  /** Flip a bit in the signature's last byte (it stays valid DER). */
  tamperSignature?: boolean;
  /** The user handle to report (default: the one given at registration). */
  userHandle?: string;
}

interface HeldCredential {
  privateKey: KeyObject;
  userHandle: string;
  counter: number;
}

export interface SoftwareAuthenticator {
  /** navigator.credentials.create(): refuses, as browsers do, when it holds an excluded credential. */
  create(options: PublicKeyCredentialCreationOptionsJSON, overrides?: CeremonyOverrides): RegistrationResponseJSON;
  /** navigator.credentials.get(). */
  get(options: PublicKeyCredentialRequestOptionsJSON, overrides?: AssertionOverrides): AuthenticationResponseJSON;
  /** The counter the credential reports next time is `value` + 1: set it back to act as a clone. */
  setCounter(credentialID: string, value: number): void;
}

function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

function clientData(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
}

function counterBytes(counter: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(counter);
  return bytes;
}

function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  return isoCBOR.encode(new Map<number, CBOR>([
    [COSE_KTY, COSE_KTY_EC2],
    [COSE_ALG, COSE_ALG_ES256],
    [COSE_CRV, COSE_CRV_P256],
    [COSE_X, Buffer.from(jwk.x!, 'base64url')],
    [COSE_Y, Buffer.from(jwk.y!, 'base64url')],
  ]));
}

export function softwareAuthenticator(profile: AuthenticatorProfile): SoftwareAuthenticator {
  const held = new Map<string, HeldCredential>();
  const transports = profile.transports ?? ['usb'];
  const attachment = profile.attachment ?? 'cross-platform';

  /** PublicKeyCredential.toJSON() of a credential with this id and response. */
  function publicKeyCredential<Response>(id: string, response: Response): { id: string; rawId: string; type: 'public-key'; response: Response; clientExtensionResults: Record<string, never>; authenticatorAttachment: typeof attachment } {
    return { id, rawId: id, type: 'public-key', response, clientExtensionResults: {}, authenticatorAttachment: attachment };
  }

  function flags(overrides: CeremonyOverrides, attested: boolean): number {
    let value = 0;
    if (overrides.userPresent ?? true) value |= FLAG_UP;
    if (overrides.userVerified ?? profile.userVerified ?? false) value |= FLAG_UV;
    if (profile.backupEligible) value |= FLAG_BE | FLAG_BS;
    if (attested) value |= FLAG_AT;
    return value;
  }

  return {
    create(options, overrides = {}) {
      if (options.excludeCredentials?.some((excluded) => held.has(excluded.id))) {
        throw new Error('InvalidStateError: the authenticator already holds an excluded credential');
      }
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const credentialID = randomBytes(16);
      const id = credentialID.toString('base64url');
      held.set(id, { privateKey, userHandle: options.user.id, counter: 0 });
      const attestedCredentialData = Buffer.concat([
        Buffer.alloc(16), // AAGUID: zeros, as for 'none' attestation
        Buffer.from([credentialID.length >> 8, credentialID.length & 0xff]),
        credentialID,
        coseKey(publicKey),
      ]);
      const authData = Buffer.concat([
        sha256(overrides.rpID ?? options.rp.id ?? ''),
        Buffer.from([flags(overrides, true)]),
        counterBytes(0),
        attestedCredentialData,
      ]);
      const attestationObject = isoCBOR.encode(new Map<string, CBOR>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]));
      const clientDataJSON = clientData(overrides.type ?? 'webauthn.create', overrides.challenge ?? options.challenge, overrides.origin ?? profile.origin);
      return publicKeyCredential(id, {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports,
      });
    },

    get(options, overrides = {}) {
      const allowed = (options.allowCredentials ?? []).map((credential) => credential.id);
      const id = overrides.credentialID ?? allowed.find((candidate) => held.has(candidate));
      const credential = id === undefined ? undefined : held.get(id);
      if (id === undefined || credential === undefined) throw new Error('NotAllowedError: no credential for this request');
      credential.counter = overrides.counter ?? credential.counter + 1;
      const authData = Buffer.concat([
        sha256(overrides.rpID ?? options.rpId ?? ''),
        Buffer.from([flags(overrides, false)]),
        counterBytes(credential.counter),
      ]);
      const clientDataJSON = clientData(overrides.type ?? 'webauthn.get', overrides.challenge ?? options.challenge, overrides.origin ?? profile.origin);
      const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
      if (overrides.tamperSignature) signature[signature.length - 1]! ^= 0x01;
      return publicKeyCredential(id, {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: overrides.userHandle ?? credential.userHandle,
      });
    },

    setCounter(credentialID, value) {
      const credential = held.get(credentialID);
      if (credential === undefined) throw new Error(`no credential ${credentialID}`);
      credential.counter = value;
    },
  };
}
