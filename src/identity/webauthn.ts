// The WebAuthn ceremonies of the portal (W3C WebAuthn Level 3 §7), on @simplewebauthn/server: the
// options for navigator.credentials.create() and .get() built from the `webauthn:` configuration, and
// the verification of what the browser sends back. Pure: the caller keeps the challenge (in the
// interaction or session, used once) and the credentials (storage/webauthn.ts). Every refusal is a
// WebAuthnError with a stable code; nothing is accepted that the library did not verify.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { COSEALG } from '@simplewebauthn/server/helpers';
import { randomBytes } from 'node:crypto';
import type { WebAuthnConfig } from '../config/types.ts';
import { equalSecrets } from '../crypto/compare.ts';
import type { WebAuthnCredential, WebAuthnCredentialData } from '../storage/webauthn.ts';

/** 32 random bytes: twice the 16 the specification asks for (§13.4.3). */
const CHALLENGE_BYTES = 32;

/** Offered at registration and accepted at verification, in order of preference. */
const SUPPORTED_ALGORITHMS: readonly number[] = [COSEALG.ES256, COSEALG.RS256];

/** AuthenticatorTransport values look like 'usb', 'nfc', 'smart-card' (§5.8.4). */
const TRANSPORT = /^[a-z][a-z-]{0,31}$/;
const MAX_TRANSPORTS = 8;

export type WebAuthnErrorCode =
  /** webauthn.disable is true. */
  | 'DISABLED'
  /** Not a PublicKeyCredential in JSON form, of the wrong ceremony, or otherwise not verifiable. */
  | 'INVALID_RESPONSE'
  /** clientDataJSON.challenge is not the challenge of this ceremony (§7.1 step 8, §7.2 step 12). */
  | 'CHALLENGE_MISMATCH'
  /** clientDataJSON.origin is not the issuer's origin (§7.1 step 9, §7.2 step 13). */
  | 'ORIGIN_MISMATCH'
  /** The authenticator data is not for this RP ID (§7.1 step 13, §7.2 step 15). */
  | 'RP_ID_MISMATCH'
  /** The UP flag is not set (§7.1 step 14, §7.2 step 16). */
  | 'USER_NOT_PRESENT'
  /** User verification is required and the UV flag is not set (§7.1 step 15, §7.2 step 17). */
  | 'USER_NOT_VERIFIED'
  /** The credential is not one of this user's, or the user handle names someone else (§7.2 steps 5-6). */
  | 'UNKNOWN_CREDENTIAL'
  /** The assertion signature or the attestation statement does not verify (§7.2 step 21, §7.1 step 21). */
  | 'SIGNATURE_INVALID'
  /** The signature counter did not increase: the authenticator may be cloned (§7.2 step 22). */
  | 'COUNTER_REGRESSION';

export class WebAuthnError extends Error {
  override readonly name = 'WebAuthnError';
  readonly code: WebAuthnErrorCode;

  constructor(code: WebAuthnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const REASONS: Readonly<Record<WebAuthnErrorCode, string>> = {
  DISABLED: 'WebAuthn is disabled (webauthn.disable)',
  INVALID_RESPONSE: 'the response is malformed or cannot be verified',
  CHALLENGE_MISMATCH: 'the response does not answer the challenge of this ceremony',
  ORIGIN_MISMATCH: 'the response was made for another origin',
  RP_ID_MISMATCH: 'the authenticator data is for another relying party ID',
  USER_NOT_PRESENT: 'the authenticator did not test user presence',
  USER_NOT_VERIFIED: 'user verification is required but the authenticator did not verify the user',
  UNKNOWN_CREDENTIAL: 'the credential is not registered to this user',
  SIGNATURE_INVALID: 'the signature does not verify',
  COUNTER_REGRESSION: 'the signature counter did not increase (a cloned authenticator?)',
};

// @simplewebauthn/server refuses with plain Errors; their messages are its only distinction. The
// tests pin every mapping, so a library upgrade that rewords one fails there, not in production.
const LIBRARY_REFUSALS: readonly (readonly [RegExp, WebAuthnErrorCode])[] = [
  [/challenge/i, 'CHALLENGE_MISMATCH'],
  [/origin/i, 'ORIGIN_MISMATCH'],
  [/RP ID/, 'RP_ID_MISMATCH'],
  [/counter/i, 'COUNTER_REGRESSION'],
  [/user verification/i, 'USER_NOT_VERIFIED'],
  [/not present/i, 'USER_NOT_PRESENT'],
];

type Ceremony = 'registration' | 'authentication';

function refused(ceremony: Ceremony, code: WebAuthnErrorCode, cause?: unknown): WebAuthnError {
  return new WebAuthnError(code, `WebAuthn ${ceremony} refused: ${REASONS[code]}`, cause === undefined ? undefined : { cause });
}

/** Runs a verification of the library, turning its refusals into WebAuthnErrors. */
async function verifying<T>(ceremony: Ceremony, verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = LIBRARY_REFUSALS.find(([pattern]) => pattern.test(reason))?.[1] ?? 'INVALID_RESPONSE';
    throw refused(ceremony, code, error);
  }
}

/** A fresh challenge: 32 random bytes, base64url. */
export function createChallenge(): string {
  return randomBytes(CHALLENGE_BYTES).toString('base64url');
}

/** Constant-time comparison of a received challenge with the remembered one; an empty one never matches. */
export function sameChallenge(received: string, expected: string): boolean {
  return expected !== '' && equalSecrets(received, expected);
}

/** Who the credentials are for, derived from the issuer URL. */
export interface RelyingParty {
  /** The issuer's hostname (§5.1.2: a registrable domain suffix of the origin; no port). */
  rpID: string;
  /** webauthn.display_name, shown by the browser. */
  rpName: string;
  /** The issuer's origin, which clientDataJSON.origin must equal. */
  origin: string;
}

export function relyingParty(issuer: string, config: WebAuthnConfig): RelyingParty {
  const url = new URL(issuer);
  return { rpID: url.hostname, rpName: config.display_name, origin: url.origin };
}

/** A credential as the option builders need it: its id and the transports the browser reported. */
export type CredentialDescriptor = Pick<WebAuthnCredential, 'credentialID' | 'transports'>;

export interface CeremonyOptions<Options> {
  /** The JSON to hand to PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON. */
  options: Options;
  /** options.challenge: the caller keeps it for the verification, and uses it once. */
  challenge: string;
}

export interface RegistrationOptionsInput {
  config: WebAuthnConfig;
  rpID: string;
  rpName: string;
  user: {
    username: string;
    displayName: string;
    /** The user's WebAuthn user handle (storage/webauthn.ts webAuthnUserHandle), base64url. */
    handle: string;
  };
  /** The user's registered credentials, listed in excludeCredentials (§5.4 excludeCredentials). */
  credentials: readonly CredentialDescriptor[];
}

function descriptors(credentials: readonly CredentialDescriptor[]): { id: string; transports: string[] }[] {
  return credentials.map((credential) => ({ id: credential.credentialID, transports: credential.transports }));
}

function assertEnabled(config: WebAuthnConfig, ceremony: Ceremony): void {
  if (config.disable) throw refused(ceremony, 'DISABLED');
}

/** The options for navigator.credentials.create() and the challenge to remember. */
export async function registrationOptions(input: RegistrationOptionsInput): Promise<CeremonyOptions<PublicKeyCredentialCreationOptionsJSON>> {
  const { config, user } = input;
  assertEnabled(config, 'registration');
  const { attachment, discoverability, user_verification: userVerification } = config.selection_criteria;
  const challenge = createChallenge();
  const options = await generateRegistrationOptions({
    rpID: input.rpID,
    rpName: input.rpName,
    userName: user.username,
    userDisplayName: user.displayName,
    userID: Buffer.from(user.handle, 'base64url'),
    challenge: Buffer.from(challenge, 'base64url'),
    timeout: config.timeout * 1000,
    excludeCredentials: descriptors(input.credentials),
    authenticatorSelection: {
      ...(attachment === '' ? {} : { authenticatorAttachment: attachment }),
      residentKey: discoverability,
      userVerification,
    },
    supportedAlgorithmIDs: [...SUPPORTED_ALGORITHMS],
  });
  // The library's attestationType has no 'indirect' (Authelia's default), so the preference is set
  // on the JSON; verification accepts whatever statement format the browser then conveys.
  return { options: { ...options, attestation: config.attestation_conveyance_preference }, challenge };
}

export interface VerifyRegistrationInput {
  /** The PublicKeyCredential the browser returned, as parsed JSON (PublicKeyCredential.toJSON()). */
  response: unknown;
  /** The challenge registrationOptions returned. */
  expectedChallenge: string;
  /** RelyingParty.origin. */
  expectedOrigin: string;
  /** RelyingParty.rpID. */
  expectedRPID: string;
  /** True when webauthn.selection_criteria.user_verification is 'required'. */
  requireUserVerification: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The common part of both responses: id equal to rawId, type public-key, a response with clientDataJSON. */
function credentialParts(value: unknown, ceremony: Ceremony): { id: string; clientDataJSON: string; response: Record<string, unknown> } {
  if (!isRecord(value) || typeof value['id'] !== 'string' || value['id'] === '' || value['rawId'] !== value['id']
    || value['type'] !== 'public-key' || !isRecord(value['response']) || typeof value['response']['clientDataJSON'] !== 'string') {
    throw refused(ceremony, 'INVALID_RESPONSE');
  }
  return { id: value['id'], clientDataJSON: value['response']['clientDataJSON'], response: value['response'] };
}

/** Validates the shape of a posted registration response and keeps only the fields that are used. */
function registrationResponse(value: unknown): RegistrationResponseJSON {
  const { id, clientDataJSON, response } = credentialParts(value, 'registration');
  const { attestationObject, transports } = response;
  if (typeof attestationObject !== 'string' || (transports !== undefined && !isStringArray(transports))) {
    throw refused('registration', 'INVALID_RESPONSE');
  }
  // Transports are only hints, echoed in later options: unknown-looking ones are dropped.
  const hints = (transports ?? []).filter((transport) => TRANSPORT.test(transport)).slice(0, MAX_TRANSPORTS);
  return { id, rawId: id, type: 'public-key', response: { clientDataJSON, attestationObject, transports: hints }, clientExtensionResults: {} };
}

/** Validates the shape of a posted authentication response and keeps only the fields that are used. */
function authenticationResponse(value: unknown): AuthenticationResponseJSON {
  const { id, clientDataJSON, response } = credentialParts(value, 'authentication');
  const { authenticatorData, signature, userHandle } = response;
  if (typeof authenticatorData !== 'string' || typeof signature !== 'string' || (userHandle !== undefined && userHandle !== null && typeof userHandle !== 'string')) {
    throw refused('authentication', 'INVALID_RESPONSE');
  }
  const handle = typeof userHandle === 'string' && userHandle !== '' ? { userHandle } : {};
  return { id, rawId: id, type: 'public-key', response: { clientDataJSON, authenticatorData, signature, ...handle }, clientExtensionResults: {} };
}

/** A challenge check for the library: constant-time, against one remembered challenge. */
function challengeVerifier(expected: string, ceremony: Ceremony): (challenge: string) => boolean {
  if (expected === '') throw refused(ceremony, 'CHALLENGE_MISMATCH');
  return (challenge) => sameChallenge(challenge, expected);
}

/**
 * Verifies a registration ceremony (§7.1) and returns the credential to store with
 * saveWebAuthnCredential (adding username and description). Throws WebAuthnError.
 */
export async function verifyRegistration(input: VerifyRegistrationInput): Promise<WebAuthnCredentialData> {
  const response = registrationResponse(input.response);
  const expectedChallenge = challengeVerifier(input.expectedChallenge, 'registration');
  const result = await verifying('registration', () => verifyRegistrationResponse({
    response,
    expectedChallenge,
    expectedOrigin: input.expectedOrigin,
    expectedRPID: input.expectedRPID,
    requireUserPresence: true,
    requireUserVerification: input.requireUserVerification,
    supportedAlgorithmIDs: [...SUPPORTED_ALGORITHMS],
  }));
  if (!result.verified) throw refused('registration', 'SIGNATURE_INVALID');
  const info = result.registrationInfo;
  return {
    credentialID: info.credential.id,
    publicKey: new Uint8Array(info.credential.publicKey),
    signCount: info.credential.counter,
    transports: info.credential.transports ?? [],
    aaguid: info.aaguid,
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backupState: info.credentialBackedUp,
    attestationType: info.fmt,
  };
}

export interface AuthenticationOptionsInput {
  config: WebAuthnConfig;
  rpID: string;
  /** The user's registered credentials: the only ones allowed (allowCredentials, §5.5). */
  credentials: readonly CredentialDescriptor[];
}

/** The options for navigator.credentials.get() and the challenge to remember. */
export async function authenticationOptions(input: AuthenticationOptionsInput): Promise<CeremonyOptions<PublicKeyCredentialRequestOptionsJSON>> {
  const { config } = input;
  assertEnabled(config, 'authentication');
  const challenge = createChallenge();
  const options = await generateAuthenticationOptions({
    rpID: input.rpID,
    allowCredentials: descriptors(input.credentials),
    challenge: Buffer.from(challenge, 'base64url'),
    timeout: config.timeout * 1000,
    userVerification: config.selection_criteria.user_verification,
  });
  return { options, challenge };
}

export interface VerifyAuthenticationInput {
  /** The PublicKeyCredential the browser returned, as parsed JSON (PublicKeyCredential.toJSON()). */
  response: unknown;
  /** The challenge authenticationOptions returned. */
  expectedChallenge: string;
  expectedOrigin: string;
  expectedRPID: string;
  /**
   * The user's stored credential whose credentialID is the response's id (findWebAuthnCredential);
   * undefined when the user has none such, which is refused as UNKNOWN_CREDENTIAL.
   */
  credential: WebAuthnCredential | undefined;
  /** The user's WebAuthn user handle (webAuthnUserHandle); a response naming another is refused. */
  userHandle: string;
  /** True when webauthn.selection_criteria.user_verification is 'required'. */
  requireUserVerification: boolean;
}

/** What a verified assertion proves; signCount and backupState go to recordWebAuthnCredentialUse. */
export interface WebAuthnAssertion {
  signCount: number;
  backupState: boolean;
  userVerified: boolean;
  /**
   * RFC 8176 §2 values, as Authelia 4.39 reports a WebAuthn factor: 'hwk' for a key that cannot leave
   * its authenticator (not backup-eligible) or 'swk' for a syncable passkey; 'user' (user presence,
   * always tested); 'pin' when the authenticator verified the user (PIN or biometrics).
   */
  amr: string[];
}

/**
 * Verifies an authentication ceremony (§7.2) against the user's stored credential. Throws
 * WebAuthnError. The caller then records the use with recordWebAuthnCredentialUse, which refuses a
 * concurrent assertion with the same counter.
 */
export async function verifyAuthentication(input: VerifyAuthenticationInput): Promise<WebAuthnAssertion> {
  const response = authenticationResponse(input.response);
  const { credential } = input;
  if (credential === undefined || credential.credentialID !== response.id) throw refused('authentication', 'UNKNOWN_CREDENTIAL');
  const { userHandle } = response.response;
  if (userHandle !== undefined && userHandle !== input.userHandle) throw refused('authentication', 'UNKNOWN_CREDENTIAL');
  const expectedChallenge = challengeVerifier(input.expectedChallenge, 'authentication');
  const result = await verifying('authentication', () => verifyAuthenticationResponse({
    response,
    expectedChallenge,
    expectedOrigin: input.expectedOrigin,
    expectedRPID: input.expectedRPID,
    credential: { id: credential.credentialID, publicKey: new Uint8Array(credential.publicKey), counter: credential.signCount, transports: credential.transports },
    requireUserVerification: input.requireUserVerification,
  }));
  if (!result.verified) throw refused('authentication', 'SIGNATURE_INVALID');
  const info = result.authenticationInfo;
  const hardwareBound = info.credentialDeviceType === 'singleDevice';
  return {
    signCount: info.newCounter,
    backupState: info.credentialBackedUp,
    userVerified: info.userVerified,
    amr: [hardwareBound ? 'hwk' : 'swk', 'user', ...(info.userVerified ? ['pin'] : [])],
  };
}
