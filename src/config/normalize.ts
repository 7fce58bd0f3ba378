// Normalize step: maps deprecated and pre-release key names to the current ones, with one warning
// each naming the new key. When both the old and the new name are present the new one wins.
// Runs on raw data before validation, so the schema only ever names current keys.
import type { ConfigDocument } from './document.ts';
import type { IssueCollector } from './issues.ts';
import { formatPath, type Path, type PathSegment } from './path.ts';

interface Rename {
  /** Path of the old key; '*' matches every index of a list. */
  readonly from: readonly string[];
  readonly to: readonly string[];
  /** Where the name comes from, for the warning. */
  readonly since: string;
}

const CLIENTS = ['identity_providers', 'oidc', 'clients', '*'];
const OIDC = ['identity_providers', 'oidc'];
const LDAP = ['authentication_backend', 'ldap'];

const R438 = 'deprecated in Authelia 4.38';
const BETA = 'a pre-release Authelia 4.38 name';

export const RENAMES: readonly Rename[] = [
  { from: [...CLIENTS, 'id'], to: [...CLIENTS, 'client_id'], since: R438 },
  { from: [...CLIENTS, 'secret'], to: [...CLIENTS, 'client_secret'], since: R438 },
  { from: [...CLIENTS, 'description'], to: [...CLIENTS, 'client_name'], since: R438 },
  { from: [...CLIENTS, 'sector_identifier'], to: [...CLIENTS, 'sector_identifier_uri'], since: R438 },
  { from: [...CLIENTS, 'userinfo_signing_algorithm'], to: [...CLIENTS, 'userinfo_signed_response_alg'], since: R438 },
  { from: [...CLIENTS, 'enforce_par'], to: [...CLIENTS, 'require_pushed_authorization_requests'], since: BETA },
  { from: [...CLIENTS, 'enforce_pkce'], to: [...CLIENTS, 'require_pkce'], since: BETA },
  { from: [...CLIENTS, 'public_keys', 'uri'], to: [...CLIENTS, 'jwks_uri'], since: BETA },
  { from: [...CLIENTS, 'public_keys', 'values'], to: [...CLIENTS, 'jwks'], since: BETA },
  { from: [...CLIENTS, 'id_token_signing_alg'], to: [...CLIENTS, 'id_token_signed_response_alg'], since: BETA },
  { from: [...CLIENTS, 'id_token_signing_key_id'], to: [...CLIENTS, 'id_token_signed_response_key_id'], since: BETA },
  { from: [...CLIENTS, 'userinfo_signing_alg'], to: [...CLIENTS, 'userinfo_signed_response_alg'], since: BETA },
  { from: [...CLIENTS, 'userinfo_signing_key_id'], to: [...CLIENTS, 'userinfo_signed_response_key_id'], since: BETA },
  { from: [...OIDC, 'access_token_lifespan'], to: [...OIDC, 'lifespans', 'access_token'], since: R438 },
  { from: [...OIDC, 'authorize_code_lifespan'], to: [...OIDC, 'lifespans', 'authorize_code'], since: R438 },
  { from: [...OIDC, 'id_token_lifespan'], to: [...OIDC, 'lifespans', 'id_token'], since: R438 },
  { from: [...OIDC, 'refresh_token_lifespan'], to: [...OIDC, 'lifespans', 'refresh_token'], since: R438 },
  { from: [...OIDC, 'issuer_private_keys'], to: [...OIDC, 'jwks'], since: BETA },
  { from: [...OIDC, 'pushed_authorizations', 'enforce'], to: [...OIDC, 'require_pushed_authorization_requests'], since: BETA },
  { from: ['session', 'remember_me_duration'], to: ['session', 'remember_me'], since: R438 },
  { from: ['jwt_secret'], to: ['identity_validation', 'reset_password', 'jwt_secret'], since: R438 },
  { from: ['webauthn', 'user_verification'], to: ['webauthn', 'selection_criteria', 'user_verification'], since: 'deprecated in Authelia 4.39' },
  { from: [...LDAP, 'url'], to: [...LDAP, 'address'], since: R438 },
  { from: [...LDAP, 'username_attribute'], to: [...LDAP, 'attributes', 'username'], since: R438 },
  { from: [...LDAP, 'mail_attribute'], to: [...LDAP, 'attributes', 'mail'], since: R438 },
  { from: [...LDAP, 'display_name_attribute'], to: [...LDAP, 'attributes', 'display_name'], since: R438 },
  { from: [...LDAP, 'group_name_attribute'], to: [...LDAP, 'attributes', 'group_name'], since: R438 },
];

/** Legacy top-level paths an environment variable may still name (they end in key/secret…). */
export const LEGACY_ENV_PATHS: readonly (readonly string[])[] = [
  [...OIDC, 'issuer_private_key'],
  [...OIDC, 'issuer_certificate_chain'],
  ...RENAMES.filter((r) => !r.from.includes('*')).map((r) => r.from),
];

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every concrete path matching a pattern with '*' wildcards over list indexes. */
function expand(doc: ConfigDocument, pattern: readonly string[]): PathSegment[][] {
  let paths: PathSegment[][] = [[]];
  for (const part of pattern) {
    const next: PathSegment[][] = [];
    for (const path of paths) {
      if (part === '*') {
        const list = doc.get(path);
        if (Array.isArray(list)) list.forEach((_, i) => next.push([...path, i]));
      } else {
        next.push([...path, part]);
      }
    }
    paths = next;
  }
  return paths;
}

function concrete(pattern: readonly string[], like: Path): PathSegment[] {
  return pattern.map((part, i) => (part === '*' ? like[i]! : part));
}

/** The new name as the user would write it next to the old one: relative to their common parent. */
function relativeName(from: Path, to: Path): string {
  let common = 0;
  while (common < from.length - 1 && common < to.length - 1 && from[common] === to[common]) common++;
  return formatPath(to.slice(common));
}

function renamed(issues: IssueCollector, doc: ConfigDocument, from: Path, to: Path, since: string): void {
  const newName = relativeName(from, to);
  if (doc.has(to)) {
    issues.warn(from, `is ${since} and replaced by '${newName}', which is also set: '${newName}' is used and this key is ignored`, 'remove this key', { atKey: true });
    doc.delete(from);
    return;
  }
  issues.warn(from, `is ${since} and replaced by '${newName}': it was mapped automatically`, `rename it to '${newName}' to stop this warning`, { atKey: true });
  doc.move(from, to);
}

/** Renames deprecated keys in place; warnings go to `issues`. */
export function normalize(doc: ConfigDocument, issues: IssueCollector): void {
  for (const rename of RENAMES) {
    for (const from of expand(doc, rename.from)) {
      if (!doc.has(from)) continue;
      renamed(issues, doc, from, concrete(rename.to, from), rename.since);
    }
  }
  normalizeIssuerKey(doc, issues);
  normalizeEmptyParents(doc, [...CLIENTS, 'public_keys'], "the keys 'uri' or 'values' (pre-release names of 'jwks_uri' and 'jwks')", issues);
  normalizeParContext(doc, issues);
  normalizeServerAddress(doc, issues);
  normalizeSessionDomain(doc, issues);
  dropEmptyClientValues(doc);
}

/** `issuer_private_key` (+ `issuer_certificate_chain`) becomes the first entry of `jwks`, as in Authelia. */
function normalizeIssuerKey(doc: ConfigDocument, issues: IssueCollector): void {
  const keyPath = [...OIDC, 'issuer_private_key'];
  const chainPath = [...OIDC, 'issuer_certificate_chain'];
  if (!doc.has(keyPath) && !doc.has(chainPath)) return;
  const jwksPath = [...OIDC, 'jwks'];
  if (doc.has(jwksPath)) {
    issues.error(doc.has(keyPath) ? keyPath : chainPath, "must not be configured at the same time as 'identity_providers.oidc.jwks'", "move the key into 'jwks' and remove 'issuer_private_key' and 'issuer_certificate_chain'", { atKey: true });
    doc.delete(keyPath);
    doc.delete(chainPath);
    return;
  }
  for (const path of [keyPath, chainPath]) {
    if (doc.has(path)) issues.warn(path, `is ${R438} and replaced by 'jwks': it was mapped automatically to the first jwks entry (RS256)`, "configure the key under 'jwks' to stop this warning", { atKey: true });
  }
  const keyOrigin = doc.origin(keyPath);
  const chainOrigin = doc.origin(chainPath);
  const entry: Record<string, unknown> = { algorithm: 'RS256', use: 'sig' };
  if (doc.has(keyPath)) entry['key'] = doc.get(keyPath);
  if (doc.has(chainPath)) entry['certificate_chain'] = doc.get(chainPath);
  doc.delete(keyPath);
  doc.delete(chainPath);
  doc.set(jwksPath, [entry], keyOrigin ?? chainOrigin);
  if (keyOrigin) doc.setOrigin([...jwksPath, 0, 'key'], keyOrigin);
  if (chainOrigin) doc.setOrigin([...jwksPath, 0, 'certificate_chain'], chainOrigin);
  doc.setOrigin([...jwksPath, 0], keyOrigin ?? chainOrigin!);
}

/**
 * Removes containers left empty by renames (e.g. `public_keys: {}`). One that is not a map is
 * reported (`expected` names its keys) and removed, so the schema does not report it again.
 */
function normalizeEmptyParents(doc: ConfigDocument, pattern: readonly string[], expected: string, issues: IssueCollector): void {
  for (const path of expand(doc, pattern)) {
    const value = doc.get(path);
    if (!doc.has(path)) continue;
    if (isMap(value) && Object.keys(value).length === 0) {
      doc.delete(path);
    } else if (!isMap(value)) {
      issues.error(path, `must be a map with ${expected}`, undefined, { atKey: true });
      doc.delete(path);
    }
  }
}

/** `pushed_authorizations.context_lifespan` never shipped: PAR request URIs live 5 minutes, as in Authelia. */
function normalizeParContext(doc: ConfigDocument, issues: IssueCollector): void {
  const parent = [...OIDC, 'pushed_authorizations'];
  const lifespan = [...parent, 'context_lifespan'];
  if (doc.has(lifespan)) {
    issues.warn(lifespan, `is ${BETA} that was removed before release: pushed authorization requests are valid for 5 minutes and the value is ignored`, 'remove the key', { atKey: true });
    doc.delete(lifespan);
  }
  normalizeEmptyParents(doc, parent, "the keys 'enforce' or 'context_lifespan' (pre-release options; 'enforce' is now 'require_pushed_authorization_requests')", issues);
}

/** `server.host`/`port`/`path` (≤ 4.37) become `server.address`. */
function normalizeServerAddress(doc: ConfigDocument, issues: IssueCollector): void {
  const parts = ['host', 'port', 'path'].map((k) => ['server', k]).filter((p) => doc.has(p));
  if (parts.length === 0) return;
  const first = parts[0]!;
  const origin = doc.origin(first);
  if (doc.has(['server', 'address'])) {
    issues.warn(first, "is deprecated in Authelia 4.38 (with 'server.port' and 'server.path') and 'server.address' is also set: 'server.address' is used", "remove 'server.host', 'server.port' and 'server.path'", { atKey: true });
  } else {
    const host = String(doc.get(['server', 'host']) ?? '');
    const port = String(doc.get(['server', 'port']) ?? '9091');
    const path = String(doc.get(['server', 'path']) ?? '').replace(/^\/+/, '');
    const address = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}/${path}`;
    issues.warn(first, `is deprecated in Authelia 4.38 (with 'server.port' and 'server.path') and replaced by 'server.address': mapped automatically to '${address}'`, `set 'server.address: ${address}' to stop this warning`, { atKey: true });
    doc.set(['server', 'address'], address, origin);
  }
  for (const p of parts) doc.delete(p);
}

/** The single-domain `session.domain` (≤ 4.37) becomes the first entry of `session.cookies`. */
function normalizeSessionDomain(doc: ConfigDocument, issues: IssueCollector): void {
  const path = ['session', 'domain'];
  if (!doc.has(path)) return;
  const origin = doc.origin(path);
  if (doc.has(['session', 'cookies'])) {
    issues.warn(path, "is deprecated in Authelia 4.38 and 'session.cookies' is also set: 'session.cookies' is used", "remove 'session.domain'", { atKey: true });
  } else {
    issues.warn(path, "is deprecated in Authelia 4.38 and replaced by 'session.cookies': mapped automatically to the first cookie", "configure 'session.cookies' with 'domain' and 'authelia_url' to stop this warning", { atKey: true });
    doc.set(['session', 'cookies'], [{ domain: doc.get(path) }], origin);
    if (origin) {
      doc.setOrigin(['session', 'cookies', 0], origin);
      doc.setOrigin(['session', 'cookies', 0, 'domain'], origin);
    }
  }
  doc.delete(path);
}

/**
 * Authelia treats an empty string as "not set" for optional client options (seed 003 writes
 * `sector_identifier: ''`, `token_endpoint_auth_method: ''`…). Removing them lets defaults apply.
 */
function dropEmptyClientValues(doc: ConfigDocument): void {
  for (const client of expand(doc, CLIENTS)) {
    const value = doc.get(client);
    if (!isMap(value)) continue;
    for (const [key, v] of Object.entries(value)) if (v === '' && key !== 'client_id') doc.delete([...client, key]);
  }
}
