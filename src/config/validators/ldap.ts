// Cross-field rules of `authentication_backend.ldap` (Authelia's validator, internal/configuration/
// validator/authentication.go), every problem collected. Once the required keys are there, the
// options are mapped exactly as the backend maps them (identity/ldap-options.ts) and put through the
// LDAP core's own checks, so a filter, DN or attribute name the core would refuse at sign-in is an
// error at load, at the key it came from.
import { parseLDAPURL, parseTLSVersion } from '../../ldap/connection.ts';
import { LDAPError } from '../../ldap/errors.ts';
import { resolveOptions } from '../../ldap/options.ts';
import { ldapBackendSettings } from '../../identity/ldap-options.ts';
import type { IssueCollector } from '../issues.ts';
import type { Path } from '../path.ts';
import type { LDAPBackendConfig } from '../types.ts';
import { isLoopbackHost } from './uri.ts';

const LDAP: Path = ['authentication_backend', 'ldap'];
const at = (...keys: (string | number)[]): Path => [...LDAP, ...keys];

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const TLS_ORDER = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** The address: required, ldap:// or ldaps:// (the core speaks no ldapi://), nothing but host and port. */
function checkAddress(ldap: LDAPBackendConfig, issues: IssueCollector): void {
  const address = ldap.address;
  if (address === undefined || address === '') {
    issues.error(at('address'), "is required: it is the directory's URL", "e.g. 'ldaps://ldap.example.com' or 'ldap://ldap.example.com' with start_tls: true");
    return;
  }
  const scheme = SCHEME.exec(address)?.[1]?.toLowerCase();
  if (scheme === 'ldapi') {
    issues.error(at('address'), `must be an ldap:// or ldaps:// URL but is configured as '${address}': Castellan does not support ldapi:// (a Unix domain socket)`, "let the directory listen on TCP, e.g. 'ldap://127.0.0.1:389' with start_tls: true");
    return;
  }
  let endpoint: ReturnType<typeof parseLDAPURL>;
  try {
    endpoint = parseLDAPURL(address);
  } catch (error) {
    issues.error(at('address'), `must be a URL of the form 'ldap://host[:port]' or 'ldaps://host[:port]' but is configured as '${address}'`, error instanceof Error ? error.message : undefined);
    return;
  }
  if (endpoint.secure && ldap.start_tls === true) {
    issues.error(at('start_tls'), `must not be true with the ldaps:// address '${address}': the connection is TLS from the start`, 'remove start_tls, or use ldap:// to upgrade with StartTLS');
  } else if (!endpoint.secure && ldap.start_tls !== true && !isLoopbackHost(endpoint.host)) {
    issues.warn(at('address'), `is '${address}' without start_tls: the service account and users' passwords cross the network in clear text`, "use ldaps://, or set start_tls: true");
  }
}

function checkTLS(ldap: LDAPBackendConfig, issues: IssueCollector): void {
  const tls = ldap.tls;
  if (tls === undefined) return;
  if (tls.skip_verify === true) {
    issues.warn(at('tls', 'skip_verify'), 'is true: the certificate of the directory is NOT verified, so anyone on the network path can impersonate it and read every password sent to it', "trust the directory's CA instead (NODE_EXTRA_CA_CERTS=/path/to/ca.pem)");
  }
  const order: Partial<Record<'minimum_version' | 'maximum_version', number>> = {};
  for (const key of ['minimum_version', 'maximum_version'] as const) {
    const value = tls[key];
    if (value === undefined) continue;
    try {
      order[key] = TLS_ORDER.indexOf(parseTLSVersion(value));
    } catch {
      issues.error(at('tls', key), `must be TLS1.2 or TLS1.3 but is configured as '${value}'`, 'SSL 3.0 is not supported');
    }
  }
  if (order.minimum_version !== undefined && order.maximum_version !== undefined && order.minimum_version > order.maximum_version) {
    issues.error(at('tls', 'maximum_version'), `must not be lower than minimum_version '${tls.minimum_version}' but is configured as '${tls.maximum_version}'`);
  }
}

/** The service account, or an anonymous search when permit_unauthenticated_bind allows it. */
function checkBind(ldap: LDAPBackendConfig, issues: IssueCollector): void {
  const hasPassword = ldap.password !== undefined && ldap.password !== '';
  if (ldap.permit_unauthenticated_bind) {
    if (hasPassword) issues.error(at('permit_unauthenticated_bind'), 'must not be true when a password is set', 'remove the password, or permit_unauthenticated_bind');
    return;
  }
  if (ldap.user === undefined || ldap.user === '') issues.error(at('user'), 'is required: it is the DN of the service account searches run as', "e.g. 'CN=castellan,OU=Service Accounts,DC=example,DC=com', or set permit_unauthenticated_bind: true for anonymous searches");
  if (!hasPassword) issues.error(at('password'), 'is required: it is the password of the service account', 'or read it from a file named by AUTHELIA_AUTHENTICATION_BACKEND_LDAP_PASSWORD_FILE');
}

function checkRequired(ldap: LDAPBackendConfig, issues: IssueCollector): void {
  if (ldap.base_dn === undefined || ldap.base_dn === '') issues.error(at('base_dn'), 'is required: it is the DN every search starts from', "e.g. 'DC=example,DC=com'");
  if (ldap.implementation === 'custom') {
    const hint = "or choose the implementation of your directory (activedirectory, rfc2307bis, freeipa, lldap, glauth), which has defaults";
    if (ldap.users_filter === undefined || ldap.users_filter === '') issues.error(at('users_filter'), "is required when implementation is 'custom': it finds the account a login name means", `e.g. '(&({username_attribute}={input})(objectClass=person))'; ${hint}`);
    if (ldap.groups_filter === undefined || ldap.groups_filter === '') issues.error(at('groups_filter'), "is required when implementation is 'custom': it finds a user's groups", `e.g. '(&(member={dn})(objectClass=groupOfNames))'; ${hint}`);
  }
}

function checkNumbers(ldap: LDAPBackendConfig, issues: IssueCollector): void {
  if (typeof ldap.timeout === 'number' && ldap.timeout <= 0) issues.error(at('timeout'), `must be longer than 0s but is configured as ${ldap.timeout}s`);
  const pooling = ldap.pooling;
  if (pooling === undefined) return;
  if (typeof pooling.count === 'number' && pooling.count < 1) issues.error(at('pooling', 'count'), `must be at least 1 but is configured as ${pooling.count}`);
  if (typeof pooling.retries === 'number' && pooling.retries < 0) issues.error(at('pooling', 'retries'), `must not be negative but is configured as ${pooling.retries}`);
  if (typeof pooling.timeout === 'number' && pooling.timeout <= 0) issues.error(at('pooling', 'timeout'), `must be longer than 0s but is configured as ${pooling.timeout}s`);
}

/** `attributes.username: …` → ['attributes', 'username']; `attributes.extra[1]: …` → the path of that extra attribute. */
function pathOfCoreError(message: string, extraPaths: readonly (readonly string[])[]): { path: Path; message: string } {
  const match = /^([a-z_]+(?:\.[a-z_]+)*)(?:\[(\d+)\])?: (.*)$/s.exec(message);
  if (match === null) return { path: LDAP, message };
  const [, key, index, rest] = match as unknown as [string, string, string | undefined, string];
  if (index !== undefined && key === 'attributes.extra') return { path: [...LDAP, ...(extraPaths[Number(index)] ?? ['attributes'])], message: rest };
  return { path: at(...key.split('.')), message: rest };
}

/** The LDAP core's checks of the mapped options (filters, DNs, attribute names, placeholders). */
function checkWithCore(ldap: LDAPBackendConfig, issues: IssueCollector): void {
  let extraPaths: readonly (readonly string[])[] = [];
  try {
    const settings = ldapBackendSettings(ldap);
    extraPaths = settings.extraPaths;
    resolveOptions(settings.directory);
  } catch (error) {
    if (!(error instanceof LDAPError) || error.code !== 'INVALID_OPTIONS') throw error;
    const { path, message } = pathOfCoreError(error.message, extraPaths);
    issues.error(path, message);
  }
}

export function validateLDAPBackend(ldap: LDAPBackendConfig, issues: IssueCollector): void {
  const before = issues.issues.filter((i) => i.severity === 'error').length;
  checkAddress(ldap, issues);
  checkTLS(ldap, issues);
  checkBind(ldap, issues);
  checkRequired(ldap, issues);
  checkNumbers(ldap, issues);
  if (ldap.permit_feature_detection_failure !== undefined) {
    issues.warn(at('permit_feature_detection_failure'), 'is deprecated in Authelia 4.39.16 and has no effect: a failed Root DSE lookup never stops sign-in', 'remove it', { atKey: true });
  }
  // The core stops at its first problem; run it only on a block whose own keys are all there.
  if (issues.issues.filter((i) => i.severity === 'error').length === before) checkWithCore(ldap, issues);
}
