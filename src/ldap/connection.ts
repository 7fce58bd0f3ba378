// One LDAP connection on ldapts: ldap:// or ldaps://, optional StartTLS, TLS options, a connect
// timeout and an operation timeout, and every failure translated into an LDAPError that says what
// to check. The socket is opened here (so "connect" and "TLS" are steps of their own) and handed
// to ldapts; a dropped connection is never silently reopened unbound: the next operation fails
// with CONNECTION_LOST and the caller (the pool) opens a fresh, bound one.
import net from 'node:net';
import tls from 'node:tls';
import { Client, type SearchOptions, type SearchResult } from 'ldapts';
import { bindError, LDAPError, resultCodeOf, searchError, type BindRole } from './errors.ts';

export interface LDAPLogger {
  warn(message: string): void;
}

/** TLS for ldaps:// and StartTLS (Authelia's `tls.*`). */
export interface TLSOptions {
  /** The name the certificate must carry (and SNI); the URL's host unless set. */
  readonly serverName?: string;
  /** PEM certificates to trust instead of Node's CA store (the directory's CA chain). */
  readonly trustedCertificates?: string;
  /** 'TLS1.2' (default), 'TLS1.3', also written 'TLS 1.2', '1.2' or 'TLSv1.2'. */
  readonly minimumVersion?: string;
  readonly maximumVersion?: string;
  /** Accept any certificate. Logged as a warning every time options are first used. */
  readonly skipVerify?: boolean;
  /** A client certificate (PEM chain) and its key, for servers that require mutual TLS. */
  readonly certificateChain?: string;
  readonly privateKey?: string;
}

export interface ConnectionOptions {
  /** `ldap://host[:389]` or `ldaps://host[:636]`; a path, query or credentials are refused. */
  readonly url: string;
  /** Upgrade an ldap:// connection with the StartTLS extended operation before binding. */
  readonly startTLS?: boolean;
  readonly tls?: TLSOptions;
  /** TCP connect plus TLS handshake, in ms (5000 unless set). */
  readonly connectTimeoutMs?: number;
  /** Each LDAP operation, in ms (5000 unless set). */
  readonly timeoutMs?: number;
  readonly logger?: LDAPLogger;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** What the TLS handshake produced, for the test command. */
export interface TLSInfo {
  readonly protocol: string;
  readonly cipher: string;
  /** False only when verification was skipped and the certificate would not have passed. */
  readonly verified: boolean;
  readonly verificationError?: string;
  readonly subject?: string;
  readonly issuer?: string;
  readonly validTo?: string;
  readonly fingerprint256?: string;
}

/** An open connection. Operations translate their failures; close() never throws. */
export interface Connection {
  readonly url: string;
  /** Set after an ldaps:// handshake or a StartTLS upgrade. */
  readonly tls: TLSInfo | undefined;
  /** True while the socket is open. */
  readonly connected: boolean;
  /** True after a successful bind on this socket. */
  readonly bound: boolean;
  bind(dn: string, password: string, role: BindRole): Promise<void>;
  search(base: string, options: SearchOptions): Promise<SearchResult>;
  close(): Promise<void>;
}

interface Endpoint {
  readonly url: string;
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
}

/** Parses and checks the URL (scheme, host, port; nothing else). */
export function parseLDAPURL(url: string): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LDAPError('INVALID_OPTIONS', `'${url}' is not a URL: use ldap://host[:port] or ldaps://host[:port]`);
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'ldap' && scheme !== 'ldaps') throw new LDAPError('INVALID_OPTIONS', `'${url}' has the scheme '${scheme}': use ldap:// or ldaps://`);
  if (parsed.hostname === '') throw new LDAPError('INVALID_OPTIONS', `'${url}' has no host`);
  if (parsed.username !== '' || parsed.password !== '') throw new LDAPError('INVALID_OPTIONS', `'${url}' carries credentials: configure the service account instead`);
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '') throw new LDAPError('INVALID_OPTIONS', `'${url}' has a path or query: the base DN is configured separately`);
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const secure = scheme === 'ldaps';
  return { url: `${scheme}://${parsed.host}`, secure, host, port: parsed.port === '' ? (secure ? 636 : 389) : Number(parsed.port) };
}

const TLS_VERSIONS: Readonly<Record<string, tls.SecureVersion>> = { '1.0': 'TLSv1', '1': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' };

/** 'TLS1.2', 'tls 1.3', '1.2', 'TLSv1.2' → Node's 'TLSv1.2'. */
export function parseTLSVersion(version: string): tls.SecureVersion {
  const number = version.trim().toLowerCase().replace(/^tls\s*v?/, '');
  const parsed = TLS_VERSIONS[number];
  if (parsed === undefined) throw new LDAPError('INVALID_OPTIONS', `'${version}' is not a TLS version: use TLS1.2 or TLS1.3 (SSL is not supported)`);
  return parsed;
}

const WARNED = new WeakSet<object>();

/** Node TLS options for `endpoint`; warns (once per options object) when verification is skipped. */
function tlsOptionsFor(options: ConnectionOptions, endpoint: Endpoint): tls.ConnectionOptions {
  const t = options.tls ?? {};
  if (t.skipVerify === true && !WARNED.has(t)) {
    WARNED.add(t);
    options.logger?.warn(`TLS certificate verification is DISABLED for ${endpoint.url} (tls.skip_verify): anyone on the network path can impersonate the directory and read every password sent to it. Configure the directory's CA instead.`);
  }
  const serverName = t.serverName ?? (net.isIP(endpoint.host) === 0 ? endpoint.host : undefined);
  return {
    host: endpoint.host,
    ...(serverName === undefined ? {} : { servername: serverName }),
    ...(t.trustedCertificates === undefined ? {} : { ca: t.trustedCertificates }),
    ...(t.certificateChain === undefined ? {} : { cert: t.certificateChain }),
    ...(t.privateKey === undefined ? {} : { key: t.privateKey }),
    minVersion: parseTLSVersion(t.minimumVersion ?? 'TLS1.2'),
    ...(t.maximumVersion === undefined ? {} : { maxVersion: parseTLSVersion(t.maximumVersion) }),
    rejectUnauthorized: t.skipVerify !== true,
  };
}

function describeTLS(socket: tls.TLSSocket): TLSInfo {
  const cert = socket.getPeerCertificate();
  const name = (entity: unknown): string | undefined => {
    if (entity === undefined || entity === null || typeof entity !== 'object') return undefined;
    const text = Object.entries(entity as Record<string, unknown>).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join(', ');
    return text === '' ? undefined : text;
  };
  const subject = name(cert.subject);
  const issuer = name(cert.issuer);
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher().name,
    verified: socket.authorized,
    ...(socket.authorizationError === undefined || socket.authorizationError === null ? {} : { verificationError: String(socket.authorizationError) }),
    ...(subject === undefined ? {} : { subject }),
    ...(issuer === undefined ? {} : { issuer }),
    ...(cert.valid_to === undefined ? {} : { validTo: cert.valid_to }),
    ...(cert.fingerprint256 === undefined ? {} : { fingerprint256: cert.fingerprint256 }),
  };
}

const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'INVALID_CA', 'CERT_REVOKED',
]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Translates a failure to open the socket (TCP, and the TLS handshake for ldaps://). */
function connectError(error: unknown, endpoint: Endpoint, handshaking: boolean): LDAPError {
  const code = errorCode(error);
  const where = `${endpoint.url}`;
  const tail = { cause: error };
  if (code === 'ECONNREFUSED') return new LDAPError('CONNECTION_REFUSED', `could not connect to ${where}: connection refused (nothing listens on port ${endpoint.port} of ${endpoint.host}). Verify the port in the URL (usually 389 for ldap://, 636 for ldaps://)`, tail);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return new LDAPError('HOST_NOT_FOUND', `could not connect to ${where}: the host name '${endpoint.host}' does not resolve (${code}). Verify the host in the URL and this machine's DNS`, tail);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new LDAPError('HOST_UNREACHABLE', `could not connect to ${where}: no route to ${endpoint.host} (${code}). Verify the network between this host and the LDAP server`, tail);
  if (code !== undefined && CERTIFICATE_CODES.has(code)) return new LDAPError('TLS_CERTIFICATE_INVALID', `the TLS certificate of ${where} was rejected: ${reason(error)} (${code}). Trust the directory's CA (tls certificate chain), or set the server name the certificate is issued for`, tail);
  if (endpoint.secure && handshaking && (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || /wrong version number|disconnected before secure TLS/i.test(reason(error)))) {
    return new LDAPError('LDAPS_TO_PLAIN_PORT', `ldaps:// was specified but ${endpoint.host}:${endpoint.port} is not speaking TLS (socket ssl wrapping error: ${reason(error)}). Use ldap:// for this port (with StartTLS to encrypt), or the server's LDAPS port (usually 636)`, tail);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') return new LDAPError('CONNECTION_RESET', `the LDAP server at ${where} reset the connection (${reason(error)}). Verify that the port in the URL is correct and that the protocol (ldap:// or ldaps://) matches it`, tail);
  if (handshaking || (code !== undefined && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO'))) return new LDAPError('TLS_HANDSHAKE_FAILED', `the TLS handshake with ${where} failed: ${reason(error)}${code === undefined ? '' : ` (${code})`}. Verify the TLS minimum/maximum version and that this port speaks TLS`, tail);
  return new LDAPError('UNKNOWN', `could not connect to ${where}: ${reason(error)}${code === undefined ? '' : ` (${code})`}`, tail);
}

function timedOut(endpoint: Endpoint, ms: number, handshaking: boolean): LDAPError {
  const what = handshaking ? 'the TLS handshake did not complete' : 'no connection';
  return new LDAPError('CONNECTION_TIMED_OUT', `could not connect to ${endpoint.url}: ${what} within ${ms} ms (socket connection error while opening: timed out). Verify the URL is correct and the network connectivity between this host and the LDAP server`);
}

/** Opens the TCP socket (and completes the TLS handshake for ldaps://) within the connect timeout. */
function openSocket(endpoint: Endpoint, tlsOptions: tls.ConnectionOptions | undefined, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket: net.Socket = tlsOptions === undefined ? net.connect({ host: endpoint.host, port: endpoint.port }) : tls.connect({ ...tlsOptions, port: endpoint.port });
    let tcpConnected = false;
    const fail = (error: LDAPError): void => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(timedOut(endpoint, timeoutMs, tcpConnected && endpoint.secure)), timeoutMs);
    socket.once('connect', () => (tcpConnected = true));
    socket.once(tlsOptions === undefined ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // Until ldapts takes the socket over (and installs its own handler), an error must not crash the process.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', (error) => fail(connectError(error, endpoint, tcpConnected)));
  });
}

const LOST_PATTERN = /Connection closed before message response|Socket error|Socket connection not established|ECONNRESET|EPIPE/i;

/**
 * Opens a connection: TCP, the TLS handshake (ldaps://) or the StartTLS upgrade, nothing bound
 * yet. Throws an LDAPError naming the step that failed.
 */
export async function connect(options: ConnectionOptions): Promise<Connection> {
  const endpoint = parseLDAPURL(options.url);
  if (options.startTLS === true && endpoint.secure) throw new LDAPError('INVALID_OPTIONS', `start_tls is set but ${endpoint.url} already uses ldaps://: use one or the other`);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tlsOptions = endpoint.secure || options.startTLS === true ? tlsOptionsFor(options, endpoint) : undefined;
  const socket = await openSocket(endpoint, endpoint.secure ? tlsOptions : undefined, connectTimeoutMs);
  let handedOver = false;
  let upgraded: tls.TLSSocket | undefined;
  const lost = (): LDAPError => new LDAPError('CONNECTION_LOST', `the connection to ${endpoint.url} was closed; it is not reopened unbound (a fresh connection is needed)`);
  const takeSocket = (): net.Socket => {
    if (handedOver || socket.destroyed || socket.readyState !== 'open') throw lost();
    handedOver = true;
    return socket;
  };
  const client = new Client({
    url: endpoint.url,
    timeout: timeoutMs,
    connectTimeout: connectTimeoutMs,
    strictDN: false,
    // ldapts calls these with (port, host[, options]) to connect; the socket is already open, so
    // the first call hands it over and any later call (a silent reconnect) fails instead.
    createConnection: takeSocket as unknown as typeof net.connect,
    createSecureConnection: ((...args: unknown[]) => {
      if (typeof args[0] !== 'object' || args[0] === null) return takeSocket();
      upgraded = tls.connect(args[0] as tls.ConnectionOptions);
      return upgraded;
    }) as typeof tls.connect,
  });
  let answered = false;

  /** Runs one ldapts operation, translating timeouts and dropped connections. */
  async function run<T>(name: string, operation: () => Promise<T>): Promise<T> {
    try {
      const result = await operation();
      answered = true;
      return result;
    } catch (error) {
      if (error instanceof LDAPError) throw error;
      if (resultCodeOf(error) !== undefined) {
        answered = true;
        throw error;
      }
      const message = reason(error);
      if (/Operation timed out/i.test(message)) {
        if (!answered) throw new LDAPError('CONNECTION_TIMED_OUT', `connected to ${endpoint.url} but the server did not answer the ${name} within ${timeoutMs} ms (timed out): is an LDAP server listening on port ${endpoint.port}? Verify the URL and the network connectivity`, { cause: error });
        throw new LDAPError('OPERATION_TIMED_OUT', `the ${name} on ${endpoint.url} got no answer within ${timeoutMs} ms`, { cause: error });
      }
      if (LOST_PATTERN.test(message)) {
        if (!answered) throw new LDAPError('CONNECTION_RESET', `the LDAP server at ${endpoint.url} closed the connection without answering the ${name} (error receiving data: connection reset by peer). Verify that the port in the URL is correct and that the protocol (ldap:// or ldaps://) matches it`, { cause: error });
        throw new LDAPError('CONNECTION_LOST', `the connection to ${endpoint.url} was lost during the ${name}: ${message}`, { cause: error });
      }
      throw new LDAPError('UNKNOWN', `the ${name} on ${endpoint.url} failed: ${message}`, { cause: error });
    }
  }

  let tlsInfo = socket instanceof tls.TLSSocket ? describeTLS(socket) : undefined;
  const connection: Connection = {
    url: endpoint.url,
    get tls() {
      return tlsInfo;
    },
    get connected() {
      return client.isConnected;
    },
    get bound() {
      return client.isBound;
    },
    async bind(dn, password, role) {
      try {
        await run('bind', () => client.bind(dn, password));
      } catch (error) {
        throw bindError(error, role, dn);
      }
    },
    async search(base, searchOptions) {
      try {
        return await run('search', () => client.search(base, searchOptions));
      } catch (error) {
        throw searchError(error, base, typeof searchOptions.filter === 'string' ? searchOptions.filter : String(searchOptions.filter ?? '(objectClass=*)'));
      }
    },
    async close() {
      try {
        await client.unbind();
      } catch {
        // The socket is gone already; there is nothing left to release.
      }
      socket.destroy();
      upgraded?.destroy();
    },
  };
  if (options.startTLS === true) {
    await startTLS(client, { ...tlsOptions }, endpoint, connectTimeoutMs, run).catch(async (error: unknown) => {
      await connection.close();
      throw error;
    });
    tlsInfo = upgraded === undefined ? undefined : describeTLS(upgraded);
  }
  return connection;
}

/** The StartTLS extended operation and the handshake over the same socket, within the connect timeout. */
async function startTLS(client: Client, options: tls.ConnectionOptions, endpoint: Endpoint, timeoutMs: number, run: <T>(name: string, operation: () => Promise<T>) => Promise<T>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new LDAPError('STARTTLS_FAILED', `the StartTLS handshake with ${endpoint.url} did not complete within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([run('StartTLS request', () => client.startTLS(options)), deadline]);
  } catch (error) {
    if (error instanceof LDAPError && error.code !== 'UNKNOWN') throw error;
    const cause = error instanceof LDAPError ? error.cause : error;
    const code = errorCode(cause);
    if (code !== undefined && CERTIFICATE_CODES.has(code)) throw connectError(cause, endpoint, true);
    const resultCode = resultCodeOf(cause);
    throw new LDAPError('STARTTLS_FAILED', `the server at ${endpoint.url} refused StartTLS: ${reason(cause)}${resultCode === undefined ? '' : ` (result ${resultCode})`}. Use ldaps:// or enable TLS on the server`, { cause, ...(resultCode === undefined ? {} : { resultCode }) });
  } finally {
    clearTimeout(timer);
  }
}
