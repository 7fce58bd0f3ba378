// The one error type of the digest modules. Its message names the problem (a field count, a prefix,
// a parameter) and never quotes the digest or the password, so it is safe to log.

export type DigestErrorCode =
  /** The text is not a well-formed digest of the format its prefix names. */
  | 'DIGEST_MALFORMED'
  /** A well-formed digest of an algorithm, version or parameter range Castellan does not implement. */
  | 'DIGEST_UNSUPPORTED'
  /** Options given to generateDigest are out of range. */
  | 'DIGEST_INVALID_OPTIONS';

export class DigestError extends Error {
  override readonly name = 'DigestError';
  readonly code: DigestErrorCode;

  constructor(code: DigestErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function malformed(message: string): DigestError {
  return new DigestError('DIGEST_MALFORMED', message);
}

export function unsupported(message: string): DigestError {
  return new DigestError('DIGEST_UNSUPPORTED', message);
}
