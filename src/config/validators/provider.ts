// Cross-field rules for `identity_providers.oidc` itself: the signing keys (jwks), CORS, PKCE,
// parameter entropy and authorization policies. Returns what clients need to know about the keys.
import { checkCertificateChain, defaultKeyID, inspectPrivateKey, KeyError, SIGNING_ALGORITHMS } from '../../crypto/jwk.ts';
import { describeKeyType, listValues } from '../describe.ts';
import type { IssueCollector } from '../issues.ts';
import { isPrefix, type Path } from '../path.ts';
import type { Config, OIDCConfig, SubjectConfig } from '../types.ts';
import type { ProviderKeys } from './clients.ts';
import { parseURI } from './uri.ts';
import { isNetwork } from '../../util/network.ts';

const OIDC: Path = ['identity_providers', 'oidc'];
const KEY_ID = /^[a-zA-Z0-9](?:[a-zA-Z0-9._~-]*[a-zA-Z0-9])?$/;
const RESERVED_POLICIES = ['one_factor', 'two_factor', 'deny'];

export async function validateProviderKeys(oidc: OIDCConfig, issues: IssueCollector): Promise<ProviderKeys> {
  const jwks = oidc.jwks ?? [];
  if (jwks.length === 0) {
    // Castellan generates and stores an RS256 key on first start (issue: provider keys).
    return { algorithms: new Set(['RS256']), keyIDs: new Set(), configured: false, usable: true };
  }
  const algorithms = new Set<string>();
  const keyIDs = new Set<string>();
  for (const [i, jwk] of jwks.entries()) {
    const at: Path = [...OIDC, 'jwks', i];
    if (typeof jwk.key !== 'string' || jwk.key.trim() === '') {
      issues.error([...at, 'key'], 'is required: it holds the PEM private key', "generate one with 'castellan crypto pair rsa generate'");
      continue;
    }
    let info;
    try {
      info = inspectPrivateKey(jwk.key);
    } catch (error) {
      if (error instanceof KeyError) {
        issues.error([...at, 'key'], error.message, 'paste the whole PEM block, including the BEGIN and END lines, as a block scalar (key: |)');
        continue;
      }
      throw error;
    }
    if (info.visibility !== 'private') {
      issues.error([...at, 'key'], 'must be a private key but is a public key or certificate', 'the provider signs tokens, so it needs the private key; the public half is published at /jwks.json');
      continue;
    }
    if (info.algorithms.length === 0) {
      issues.error([...at, 'key'], `must be an RSA or ECDSA (P-256, P-384, P-521) private key but is ${describeKeyType(info.type, info.curve)}`, info.type === 'ed25519' ? 'Ed25519 keys are not supported for OpenID Connect signing; generate an RSA or ECDSA key' : undefined);
      continue;
    }
    if (info.type === 'rsa' && (info.bits ?? 0) < 2048) {
      issues.error([...at, 'key'], `is an RSA ${info.bits} bit private key but must have at least 2048 bits`, "generate a new one with 'castellan crypto pair rsa generate --bits 2048'");
    }
    const use = jwk.use ?? 'sig';
    const alg = jwk.algorithm ?? info.defaultAlgorithm;
    if (use === 'sig' && alg !== undefined && !info.algorithms.includes(alg as never)) {
      const valid = (SIGNING_ALGORITHMS as readonly string[]).includes(alg);
      issues.error([...at, 'algorithm'], `must be one of ${listValues(info.algorithms)} for this ${info.type === 'ec' ? `${info.curve} ECDSA` : 'RSA'} key but is configured as '${alg}'`, valid ? undefined : 'algorithm names are case-sensitive');
      continue;
    }
    const kid = jwk.key_id ?? (alg ? await defaultKeyID(info.key, alg) : undefined);
    if (jwk.key_id !== undefined) {
      if (jwk.key_id.length > 100) issues.error([...at, 'key_id'], `must be at most 100 characters long but has ${jwk.key_id.length}`);
      else if (!KEY_ID.test(jwk.key_id)) issues.error([...at, 'key_id'], `must only contain RFC 3986 unreserved characters and start and end with a letter or digit but is '${jwk.key_id}'`);
    }
    if (kid !== undefined) {
      if (keyIDs.has(kid)) issues.error([...at, 'key_id'], `must be unique but '${kid}' is the key id of another key`, jwk.key_id === undefined ? 'two entries hold the same key; remove one' : undefined);
      keyIDs.add(kid);
    }
    if (use === 'sig' && alg) algorithms.add(alg);
    if (typeof jwk.certificate_chain === 'string' && jwk.certificate_chain.trim() !== '') {
      for (const problem of checkCertificateChain(jwk.certificate_chain, info.key)) issues.error([...at, 'certificate_chain'], problem);
    }
  }
  const keyErrors = (): boolean => issues.issues.some((i) => i.severity === 'error' && isPrefix([...OIDC, 'jwks'], i.path));
  if (jwks.length > 0 && !algorithms.has('RS256') && !keyErrors()) {
    issues.error([...OIDC, 'jwks'], `must have at least one key for the 'RS256' algorithm (required by OpenID Connect) but only has ${listValues([...algorithms])}`, "add an RSA key of at least 2048 bits; 'castellan crypto pair rsa generate' makes one");
  }
  return { algorithms, keyIDs, configured: true, usable: !keyErrors() };
}

export function validateProviderOptions(config: Config, issues: IssueCollector): void {
  const oidc = config.identity_providers?.oidc;
  if (!oidc) return;
  const entropy = oidc.minimum_parameter_entropy;
  if (entropy === -1) issues.warn([...OIDC, 'minimum_parameter_entropy'], 'is -1, which disables the check of state and nonce length; this is unsafe');
  else if (typeof entropy === 'number' && entropy > 0 && entropy < 8) issues.warn([...OIDC, 'minimum_parameter_entropy'], `is ${entropy}, which is unsafe: it should be at least 8`);
  if (oidc.enforce_pkce === 'never' && (oidc.clients ?? []).some((c) => c.public === true && c.require_pkce !== true && !c.pkce_challenge_method)) {
    issues.warn([...OIDC, 'enforce_pkce'], "is 'never', so public clients may use the authorization code flow without PKCE, which RFC 9700 §2.1.1 forbids", "use 'public_clients_only' (the default), or set require_pkce: true on each public client");
  }
  validateCORS(oidc, issues);
  validatePolicies(oidc, issues);
}

function validateCORS(oidc: OIDCConfig, issues: IssueCollector): void {
  const origins = oidc.cors?.allowed_origins ?? [];
  const at: Path = [...OIDC, 'cors', 'allowed_origins'];
  if (origins.includes('*')) {
    if (origins.length > 1) issues.error(at, "contains the wildcard origin '*' together with other origins, but '*' must be the only entry");
    if (oidc.cors?.allowed_origins_from_client_redirect_uris === true) issues.error(at, "contains the wildcard origin '*', which cannot be combined with 'allowed_origins_from_client_redirect_uris: true'");
  }
  origins.forEach((origin, i) => {
    if (origin === '*') return;
    const url = parseURI(origin);
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      issues.error([...at, i], `must be an origin such as 'https://app.example.com' but is '${origin}'`);
      return;
    }
    if (url.search !== '' || origin.includes('?')) issues.error([...at, i], `must be a bare origin but '${origin}' has a query string`, `use '${url.origin}'`);
    else if (url.pathname !== '/' || origin.endsWith('/')) issues.error([...at, i], `must be a bare origin but '${origin}' has a path`, `use '${url.origin}' (scheme, host and optional port only)`);
  });
}

function validatePolicies(oidc: OIDCConfig, issues: IssueCollector): void {
  for (const [name, policy] of Object.entries(oidc.authorization_policies ?? {})) {
    const at: Path = [...OIDC, 'authorization_policies', name];
    if (name === '' || RESERVED_POLICIES.includes(name)) {
      issues.error(at, `must not be named ${name === '' ? 'with an empty string' : `'${name}'`}: ${listValues(RESERVED_POLICIES)} are built-in policies`, 'choose another name', { atKey: true });
    }
    const rules = policy.rules ?? [];
    if (rules.length === 0) issues.error([...at, 'rules'], 'is required and must have at least one rule', "e.g. rules: [{ policy: 'one_factor', subject: 'group:admins' }]");
    rules.forEach((rule, i) => {
      const ruleAt: Path = [...at, 'rules', i];
      const subjects = subjectEntries(rule.subject, [...ruleAt, 'subject']);
      if (subjects.length === 0 && (rule.networks ?? []).length === 0) issues.error(ruleAt, "must have 'subject' or 'networks'");
      for (const { subject, at: subjectAt } of subjects) {
        if (!/^(user|group):.+/.test(subject)) issues.error(subjectAt, `must be 'user:<name>' or 'group:<name>' but is '${subject}'`, /:/.test(subject) ? undefined : `e.g. 'group:${subject}'`);
      }
      (rule.networks ?? []).forEach((network, j) => {
        if (!isNetwork(network)) issues.error([...ruleAt, 'networks', j], `must be an IP address or a CIDR range such as '192.168.1.0/24' but is '${network}'`);
      });
    });
  }
}

/** Every subject of a rule with its own path: a string, a list (any), or a list of lists (all). */
function subjectEntries(subject: SubjectConfig | undefined, at: Path): { subject: string; at: Path }[] {
  if (subject === undefined) return [];
  if (!Array.isArray(subject)) return [{ subject, at }];
  return subject.flatMap((entry, i) => (Array.isArray(entry) ? entry.map((s, j) => ({ subject: s, at: [...at, i, j] })) : [{ subject: entry, at: [...at, i] }]));
}
