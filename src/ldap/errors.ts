// The one error type of the LDAP core. Codes are stable (tests, logs and the test command match on
// them); `message` is for administrators and says what failed and what to check, never a password;
// `publicMessage` is what a person at a sign-in form may see, and is the same for every failure.
import { ResultCodeError } from 'ldapts';

export type LDAPErrorCode =
  /** The options are unusable (bad URL, unknown TLS version, missing service password, …). */
  | 'INVALID_OPTIONS'
  /** A filter template or the filter it rendered is not valid RFC 4515 syntax. */
  | 'FILTER_INVALID'
  /** No TCP connection (or TLS handshake) within the connect timeout, or no answer to the first request. */
  | 'CONNECTION_TIMED_OUT'
  /** The port is closed: nothing listens there. */
  | 'CONNECTION_REFUSED'
  /** The host name does not resolve. */
  | 'HOST_NOT_FOUND'
  /** No route to the host or network. */
  | 'HOST_UNREACHABLE'
  /** ldaps:// was used but the server does not speak TLS on that port (a plain LDAP port). */
  | 'LDAPS_TO_PLAIN_PORT'
  /** The server closed or reset the connection: wrong port, or ldap:// against an LDAPS port. */
  | 'CONNECTION_RESET'
  /** An established connection was lost (server restarted, idle timeout, network). */
  | 'CONNECTION_LOST'
  /** An operation got no answer within the operation timeout. */
  | 'OPERATION_TIMED_OUT'
  /** The server's certificate was not accepted (unknown CA, expired, wrong host name). */
  | 'TLS_CERTIFICATE_INVALID'
  /** The TLS handshake failed for another reason (protocol version, cipher, client certificate). */
  | 'TLS_HANDSHAKE_FAILED'
  /** The server refused or does not support the StartTLS extended operation. */
  | 'STARTTLS_FAILED'
  /** The service account's DN or password is wrong (result code 49 on the service bind). */
  | 'SERVICE_INVALID_CREDENTIALS'
  /** The service bind failed for another reason (the message carries the server's result). */
  | 'SERVICE_BIND_FAILED'
  /** A search failed (base DN missing, access denied, size limit, …). */
  | 'SEARCH_FAILED'
  /** The users filter found no entry for the login name. */
  | 'USER_NOT_FOUND'
  /** The users filter found several entries for the login name. */
  | 'USER_AMBIGUOUS'
  /** The user entry lacks its username attribute or has several values of it. */
  | 'USER_ATTRIBUTE_INVALID'
  /** An empty password was refused before any bind (it would be an unauthenticated bind). */
  | 'EMPTY_PASSWORD'
  /** The user's password is wrong, or the account does not exist (result code 49, AD `data 52e`/`525`). */
  | 'INVALID_USER_CREDENTIALS'
  /** AD `data 530`: not permitted to log on at this time. */
  | 'ACCOUNT_LOGON_HOURS'
  /** AD `data 531`: not permitted to log on at this workstation. */
  | 'ACCOUNT_WORKSTATION'
  /** AD `data 532`: the password has expired. */
  | 'PASSWORD_EXPIRED'
  /** AD `data 533`: the account is disabled. */
  | 'ACCOUNT_DISABLED'
  /** AD `data 701`: the account has expired. */
  | 'ACCOUNT_EXPIRED'
  /** AD `data 773`: the password must be changed before the next logon. */
  | 'PASSWORD_MUST_RESET'
  /** AD `data 775`: the account is locked out. */
  | 'ACCOUNT_LOCKED'
  /** The user bind failed for another reason (the message carries the server's result). */
  | 'USER_BIND_FAILED'
  /** A filter uses LDAP_MATCHING_RULE_IN_CHAIN, which the server does not support, and emulation is off or impossible. */
  | 'IN_CHAIN_UNSUPPORTED'
  /** Every pooled connection stayed busy for the whole acquire timeout. */
  | 'POOL_EXHAUSTED'
  /** The directory (or its pool) was closed. */
  | 'CLOSED'
  /** Anything else; the message carries the underlying error. */
  | 'UNKNOWN';

/** What a person at a sign-in form sees for any LDAP failure: no hint whether the user exists. */
export const PUBLIC_FAILURE = 'Incorrect username or password.';

export class LDAPError extends Error {
  override readonly name = 'LDAPError';
  readonly code: LDAPErrorCode;
  /** The LDAP result code when the server answered with one (49, 32, 53, …). */
  readonly resultCode?: number;
  /** Active Directory's `data XXX` sub-code from the diagnostic message, e.g. '52e' or '775'. */
  readonly adCode?: string;

  constructor(code: LDAPErrorCode, message: string, options: { cause?: unknown; resultCode?: number; adCode?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.resultCode !== undefined) this.resultCode = options.resultCode;
    if (options.adCode !== undefined) this.adCode = options.adCode;
  }

  /** Always the same sentence, whatever failed (ASVS 2.2: no account enumeration). */
  get publicMessage(): string {
    return PUBLIC_FAILURE;
  }
}

/** Active Directory's bind sub-codes (the `data XXX` of an error 49) and what they mean. */
const AD_BIND_CODES: Readonly<Record<string, { code: LDAPErrorCode; text: string }>> = {
  '525': { code: 'INVALID_USER_CREDENTIALS', text: 'the account does not exist (AD data 525)' },
  '52e': { code: 'INVALID_USER_CREDENTIALS', text: 'the password is wrong (AD data 52e)' },
  '530': { code: 'ACCOUNT_LOGON_HOURS', text: 'the account is not permitted to log on during these hours (AD data 530)' },
  '531': { code: 'ACCOUNT_WORKSTATION', text: 'the account is not permitted to log on at this workstation (AD data 531)' },
  '532': { code: 'PASSWORD_EXPIRED', text: 'the account password has expired (AD data 532)' },
  '533': { code: 'ACCOUNT_DISABLED', text: 'the account is disabled (AD data 533)' },
  '701': { code: 'ACCOUNT_EXPIRED', text: 'the account has expired (AD data 701)' },
  '773': { code: 'PASSWORD_MUST_RESET', text: 'the account password must be reset before the next logon (AD data 773)' },
  '775': { code: 'ACCOUNT_LOCKED', text: 'the account is locked out (AD data 775)' },
};

/** The `data XXX` sub-code of an AD diagnostic message (`80090308: LdapErr: …, data 52e, v3839`), lower-cased. */
export function parseADBindCode(diagnostic: string): string | undefined {
  return /\bdata ([0-9a-f]{3,4})\b/i.exec(diagnostic)?.[1]?.toLowerCase();
}

/** The LDAP result code of a server answer, when `error` is one. */
export function resultCodeOf(error: unknown): number | undefined {
  return error instanceof ResultCodeError ? error.code : undefined;
}

/** The server's diagnostic message of a result error (ldapts appends ` Code: 0x31`, removed here). */
function diagnosticOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof ResultCodeError ? message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim() : message;
}

/** `result 49 InvalidCredentials: <diagnostic>`, or the error's message when it is no LDAP result. */
function describe(error: unknown): string {
  if (!(error instanceof ResultCodeError)) return diagnosticOf(error);
  const diagnostic = diagnosticOf(error);
  return `result ${error.code} ${error.name.replace(/Error$/, '')}${diagnostic === '' ? '' : `: ${diagnostic}`}`;
}

/** Who was binding: the service account (searches) or a user (password check). */
export type BindRole = 'service' | 'user';

/**
 * The LDAPError for a failed bind as `dn`. A connection-level failure is passed through unchanged
 * (it already is an LDAPError); an LDAP result is named by role and, for AD, by its `data` code.
 */
export function bindError(error: unknown, role: BindRole, dn: string): LDAPError {
  if (error instanceof LDAPError) return error;
  const resultCode = resultCodeOf(error);
  if (role === 'service') {
    if (resultCode === 49) {
      return new LDAPError('SERVICE_INVALID_CREDENTIALS', `the service account bind as '${dn}' was refused: invalid credentials (${describe(error)}). Verify the service account password, that the account is not locked out, and that the service account DN is correct`, { cause: error, resultCode });
    }
    return new LDAPError('SERVICE_BIND_FAILED', `the service account bind as '${dn}' failed: ${describe(error)}`, { cause: error, ...(resultCode === undefined ? {} : { resultCode }) });
  }
  if (resultCode === 49) {
    const adCode = parseADBindCode(diagnosticOf(error));
    const known = adCode === undefined ? undefined : AD_BIND_CODES[adCode];
    const reason = known?.text ?? 'invalid credentials';
    const hint = known === undefined ? '. The password is wrong, or the account is locked out or disabled' : '';
    return new LDAPError(known?.code ?? 'INVALID_USER_CREDENTIALS', `the bind as '${dn}' was refused: ${reason} (${describe(error)})${hint}`, { cause: error, resultCode, ...(adCode === undefined ? {} : { adCode }) });
  }
  return new LDAPError('USER_BIND_FAILED', `the bind as '${dn}' failed: ${describe(error)}`, { cause: error, ...(resultCode === undefined ? {} : { resultCode }) });
}

/** The LDAPError for a failed search under `base` with `filter`. */
export function searchError(error: unknown, base: string, filter: string): LDAPError {
  if (error instanceof LDAPError) return error;
  const resultCode = resultCodeOf(error);
  const hint = resultCode === 32 ? `: the base DN '${base}' does not exist, or the bound account may not see it` : resultCode === 50 ? ': the bound account may not read there' : '';
  return new LDAPError('SEARCH_FAILED', `the search under '${base}' with filter ${filter} failed: ${describe(error)}${hint}`, { cause: error, ...(resultCode === undefined ? {} : { resultCode }) });
}
