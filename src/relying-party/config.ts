// The relying party's configuration: Kasm's OpenID form (one entry per provider, each with an id), its
// LDAP form (rules in ldap-config.ts), and the application groups that SSO group mappings fill. Three
// layers: the JSON Schema names every key (schemas/relying-party.schema.json), DEFAULTS fills what is
// left out, and cross-field rules collect every problem before one RelyingPartyConfigError reports them
// all as `path: must be … but is …`.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parseDN } from '../ldap/escape.ts';
import { domainList, ldapConfigProblems, type LDAPConfig } from './ldap-config.ts';
import { readYAML, type Locate, type Path } from './yaml-location.ts';

/** Kasm's user fields that attribute mappings may fill. */
export type UserField =
  | 'first_name' | 'last_name' | 'email' | 'phone' | 'organization' | 'notes' | 'city' | 'state' | 'country'
  | 'custom_attribute_1' | 'custom_attribute_2' | 'custom_attribute_3';

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** One OpenID provider, with Kasm's field names; optional keys are absent when not configured. */
export interface RelyingPartyConfig {
  readonly id: string;
  readonly enabled: boolean;
  readonly display_name: string;
  readonly logo_url?: string;
  readonly auto_login: boolean;
  readonly hostname?: string;
  readonly is_default: boolean;
  readonly client_id: string;
  readonly client_secret: string;
  /** Discovery mode; otherwise the three endpoint URLs are all set (manual mode, as Kasm 1.15). */
  readonly issuer?: string;
  readonly authorization_url?: string;
  readonly token_url?: string;
  readonly user_info_url?: string;
  readonly scopes: readonly string[];
  readonly username_attribute: string;
  readonly groups_attribute?: string;
  readonly redirect_url: string;
  readonly debug: boolean;
  readonly logout_with_provider: boolean;
  readonly attribute_mappings: Readonly<Record<string, UserField>>;
  readonly auto_user_provision: boolean;
  readonly token_endpoint_auth_method: TokenEndpointAuthMethod;
  readonly pkce: boolean;
}

export type SSOMapping =
  | { readonly provider: string; readonly group_attribute: string; readonly assign_all_users?: false }
  | { readonly provider: string; readonly assign_all_users: true; readonly group_attribute?: undefined };

export type SettingValue = string | number | boolean;

export interface AppGroup {
  readonly name: string;
  readonly priority: number;
  readonly settings: Readonly<Record<string, SettingValue>>;
  readonly sso_mappings: readonly SSOMapping[];
}

export interface RelyingPartySettings {
  readonly oidc: readonly RelyingPartyConfig[];
  readonly ldap: readonly LDAPConfig[];
  readonly groups: readonly AppGroup[];
}

/** The only path the module serves as a redirect URI (Kasm's). */
export const CALLBACK_PATH = '/api/oidc_callback';

/** Every default of the module, in one place. */
export const DEFAULTS = Object.freeze({
  enabled: true,
  auto_login: false,
  is_default: false,
  scopes: Object.freeze(['openid', 'profile', 'email']),
  username_attribute: 'preferred_username',
  debug: false,
  logout_with_provider: false,
  attribute_mappings: Object.freeze({}),
  auto_user_provision: true,
  token_endpoint_auth_method: 'client_secret_basic',
  pkce: true,
  /** Kasm's model default for groups.priority. */
  priority: 4095,
  /** Kasm's LDAP form (its UI defaults; connection_timeout is its model's, in seconds). */
  ldap: Object.freeze({
    enabled: true,
    start_tls: false,
    connection_timeout: 5,
    search_subtree: true,
    username_domain_match: Object.freeze([] as string[]),
    auto_create_app_user: true,
    attribute_mappings: Object.freeze({}),
  }),
} as const);

export interface ConfigProblem {
  /** e.g. `oidc[0].client_id` */
  readonly path: string;
  readonly message: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/** Thrown with every problem found; `message` lists them one per line. */
export class RelyingPartyConfigError extends Error {
  override readonly name = 'RelyingPartyConfigError';
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], source?: string) {
    const lines = problems.map((p) => formatProblem(p, source));
    super(`relying-party configuration has ${problems.length} ${problems.length === 1 ? 'error' : 'errors'}:\n${lines.join('\n')}`);
    this.problems = problems;
  }
}

/** `FILE:LINE:COLUMN path: message` (the location parts only when known). */
export function formatProblem(problem: ConfigProblem, source?: string): string {
  const where = [source, problem.line, problem.line === undefined ? undefined : problem.column].filter((part) => part !== undefined).join(':');
  const head = [where, problem.path === '' ? '' : `${problem.path}:`].filter((part) => part !== '').join(' ');
  return head === '' ? problem.message : `${head} ${problem.message}`;
}

export function formatPath(path: Path): string {
  return path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : out === '' ? segment : `${out}.${segment}`), '');
}

const SCHEMA: Record<string, unknown> = JSON.parse(readFileSync(new URL('../../schemas/relying-party.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const VALIDATE = (() => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  return ajv.compile(SCHEMA);
})();

const SECRET_KEYS = new Set(['client_secret', 'service_account_password']);
const URL_KEYS = ['issuer', 'authorization_url', 'token_url', 'user_info_url', 'redirect_url', 'logo_url'] as const;
const MANUAL_KEYS = ['authorization_url', 'token_url', 'user_info_url'] as const;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A provider URL may be plain http only on the loopback interface (tests, a demo on one machine). */
export function allowsInsecureHTTP(url: string): boolean {
  const parsed = URL.parse(url);
  return parsed?.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname);
}

function shown(value: unknown, secret: boolean): string {
  if (secret) return 'a secret (not shown)';
  if (typeof value === 'string') return `'${value.length > 80 ? `${value.slice(0, 77)}...` : value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a map';
  return String(value);
}

/** Collects problems at paths, looking up where each one was written. */
function collector(locate: Locate | undefined): { add(path: Path, message: string, atKey?: boolean): void; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  return {
    problems,
    add(path, message, atKey = false) {
      const at = locate?.(path, atKey);
      problems.push({ path: formatPath(path), message, line: at?.line, column: at?.column });
    },
  };
}

function pointerToPath(pointer: string): Path {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((raw) => {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

function valueAt(data: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, segment) => (node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[segment] : undefined), data);
}

const TYPE_WORDS: Record<string, string> = { string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a map' };

function schemaMessage(error: ErrorObject, value: unknown, secret: boolean): { message: string; key?: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': return { key: String(params['missingProperty']), message: 'is required but is not set' };
    case 'additionalProperties': return { key: String(params['additionalProperty']), message: 'configuration key not expected' };
    case 'type': return { message: `must be ${String(params['type']).split(',').map((t) => TYPE_WORDS[t] ?? t).join(' or ')} but is configured as ${shown(value, secret)}` };
    case 'enum': return { message: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => `'${String(v)}'`).join(', ')} but is configured as ${shown(value, secret)}` };
    case 'pattern': return { message: `must match ${String(params['pattern'])} but is configured as ${shown(value, secret)}` };
    case 'minLength': return { message: 'must not be empty' };
    case 'minItems': return { message: `must have at least ${String(params['limit'])} entry` };
    case 'uniqueItems': return { message: `must not list the same value twice (entries #${Number(params['j']) + 1} and #${Number(params['i']) + 1})` };
    case 'minimum': return { message: `must be at least ${String(params['limit'])} but is configured as ${shown(value, secret)}` };
    default: return { message: `${error.message ?? 'is invalid'} (configured as ${shown(value, secret)})` };
  }
}

function schemaProblems(data: unknown, add: (path: Path, message: string, atKey?: boolean) => void): boolean {
  if (VALIDATE(data)) return true;
  for (const error of VALIDATE.errors ?? []) {
    // propertyNames reports its own error plus one for the offending name; keep the latter.
    if (error.keyword === 'propertyNames') continue;
    const path = pointerToPath(error.instancePath);
    const { message, key } = schemaMessage(error, valueAt(data, path), SECRET_KEYS.has(String(path.at(-1))));
    if (key === undefined) add(path, message);
    else add([...path, key], message, true);
  }
  return false;
}

/** Cross-field rules the schema cannot say; each adds a problem and the checks go on. */
function crossFieldProblems(data: { oidc?: Record<string, unknown>[]; ldap?: Record<string, unknown>[]; groups?: Record<string, unknown>[] }, add: (path: Path, message: string) => void): void {
  // One namespace: a group mapping's provider names either kind.
  const ids = new Map<string, string>();
  const claimID = (kind: 'oidc' | 'ldap', index: number, id: string): void => {
    const first = ids.get(id);
    if (first !== undefined) add([kind, index, 'id'], `must be unique but '${id}' is also the id of ${first}`);
    else ids.set(id, `${kind}[${index}]`);
  };
  for (const [index, entry] of (data.oidc ?? []).entries()) {
    const at = (key: string): Path => ['oidc', index, key];
    claimID('oidc', index, String(entry['id']));
    for (const key of URL_KEYS) {
      const value = entry[key];
      if (typeof value !== 'string') continue;
      const url = URL.parse(value);
      if (!url || (url.protocol !== 'https:' && !allowsInsecureHTTP(value))) add(at(key), `must be an https URL (http only on localhost) but is configured as '${value}'`);
      else if (key !== 'logo_url' && key !== 'redirect_url' && (url.hash !== '' || (key === 'issuer' && url.search !== ''))) add(at(key), `must not have a ${url.hash !== '' ? 'fragment' : 'query'} but is configured as '${value}'`);
    }
    const manual = MANUAL_KEYS.filter((key) => entry[key] !== undefined);
    if (entry['issuer'] !== undefined) {
      for (const key of manual) add(at(key), 'must not be set together with issuer: discovery finds the endpoints (set issuer, or the three endpoint URLs)');
    } else {
      for (const key of MANUAL_KEYS) if (entry[key] === undefined) add(at(key), 'is required when issuer is not set (set issuer for discovery, or all of authorization_url, token_url and user_info_url)');
      if (entry['logout_with_provider'] === true) add(at('logout_with_provider'), 'needs issuer: the end_session_endpoint is found by discovery');
    }
    const redirect = typeof entry['redirect_url'] === 'string' ? URL.parse(entry['redirect_url']) : null;
    if (redirect && redirect.pathname !== CALLBACK_PATH) add(at('redirect_url'), `must end with ${CALLBACK_PATH} (the path the module serves) but is configured as '${String(entry['redirect_url'])}'`);
    if (Array.isArray(entry['scopes']) && !entry['scopes'].includes('openid')) add(at('scopes'), "must include 'openid': the module signs users in with the ID token");
    const fields = new Map<string, string>();
    for (const [claim, field] of Object.entries((entry['attribute_mappings'] as Record<string, string> | undefined) ?? {})) {
      const other = fields.get(field);
      if (other !== undefined) add(['oidc', index, 'attribute_mappings', claim], `must not map to '${field}' too: the claim '${other}' already fills it`);
      else fields.set(field, claim);
    }
  }
  const ldapIDs = new Set<string>();
  for (const [index, entry] of (data.ldap ?? []).entries()) {
    claimID('ldap', index, String(entry['id']));
    ldapIDs.add(String(entry['id']));
    ldapConfigProblems(ldapWithDefaults(entry), index, add);
  }
  const kinds = ldapIDs.size > 0 ? 'an oidc or ldap configuration' : 'an oidc configuration';
  const names = new Map<string, number>();
  for (const [index, group] of (data.groups ?? []).entries()) {
    const name = String(group['name']);
    const first = names.get(name.toLowerCase());
    if (first !== undefined) add(['groups', index, 'name'], `must be unique but '${name}' is also the name of groups[${first}]`);
    else names.set(name.toLowerCase(), index);
    for (const [m, mapping] of ((group['sso_mappings'] as Record<string, unknown>[] | undefined) ?? []).entries()) {
      const at: Path = ['groups', index, 'sso_mappings', m];
      const provider = String(mapping['provider']);
      if (!ids.has(provider)) add([...at, 'provider'], `must be the id of ${kinds} (${[...ids.keys()].map((i) => `'${i}'`).join(', ') || 'none configured'}) but is configured as '${provider}'`);
      const all = mapping['assign_all_users'] === true;
      const value = mapping['group_attribute'];
      if (all === (value !== undefined)) add(at, all ? 'must set group_attribute or assign_all_users: true, not both' : 'must set group_attribute (a provider group) or assign_all_users: true');
      else if (ldapIDs.has(provider) && typeof value === 'string' && !isDN(value)) {
        add([...at, 'group_attribute'], `must be the full DN of an LDAP group (e.g. CN=kasm_group_1,OU=MyOrg,DC=kasm,DC=core), as the group membership filter returns it, but is configured as '${value}'`);
      }
    }
  }
}

function withDefaults(entry: Record<string, unknown>): RelyingPartyConfig {
  return Object.freeze({
    enabled: DEFAULTS.enabled,
    auto_login: DEFAULTS.auto_login,
    is_default: DEFAULTS.is_default,
    scopes: DEFAULTS.scopes,
    username_attribute: DEFAULTS.username_attribute,
    debug: DEFAULTS.debug,
    logout_with_provider: DEFAULTS.logout_with_provider,
    attribute_mappings: DEFAULTS.attribute_mappings,
    auto_user_provision: DEFAULTS.auto_user_provision,
    token_endpoint_auth_method: DEFAULTS.token_endpoint_auth_method,
    pkce: DEFAULTS.pkce,
    ...entry,
  }) as unknown as RelyingPartyConfig;
}

function isDN(value: string): boolean {
  try {
    return parseDN(value).length > 0;
  } catch {
    return false;
  }
}

function ldapWithDefaults(entry: Record<string, unknown>): LDAPConfig {
  return Object.freeze({ ...DEFAULTS.ldap, ...entry, username_domain_match: Object.freeze(domainList(entry['username_domain_match'])) }) as unknown as LDAPConfig;
}

function groupWithDefaults(entry: Record<string, unknown>): AppGroup {
  return Object.freeze({ priority: DEFAULTS.priority, settings: {}, sso_mappings: [], ...entry }) as unknown as AppGroup;
}

export interface ParseOptions {
  /** Where a path was written (see readYAML); problems then carry line and column. */
  readonly locate?: Locate;
  /** Named in the error message, e.g. the file name. */
  readonly source?: string;
}

/**
 * Validates `{ oidc: [...], ldap: [...], groups: [...] }` (each optional) and returns it with defaults applied.
 * Throws RelyingPartyConfigError listing every problem; secrets never appear in messages.
 */
export function parseRelyingPartySettings(input: unknown, options: ParseOptions = {}): RelyingPartySettings {
  const { add, problems } = collector(options.locate);
  if (schemaProblems(input, add)) crossFieldProblems(input as Parameters<typeof crossFieldProblems>[0], add);
  if (problems.length > 0) throw new RelyingPartyConfigError(problems, options.source);
  const data = input as { oidc?: Record<string, unknown>[]; ldap?: Record<string, unknown>[]; groups?: Record<string, unknown>[] };
  return Object.freeze({
    oidc: Object.freeze((data.oidc ?? []).map(withDefaults)),
    ldap: Object.freeze((data.ldap ?? []).map(ldapWithDefaults)),
    groups: Object.freeze((data.groups ?? []).map(groupWithDefaults)),
  });
}

/** Parses YAML text holding `oidc:`, `ldap:` and `groups:`; problems point at FILE:LINE:COLUMN. */
export function loadRelyingPartySettings(text: string, source = 'configuration'): RelyingPartySettings {
  const yaml = readYAML(text);
  if (yaml.errors.length > 0) throw new RelyingPartyConfigError(yaml.errors.map((e) => ({ path: '', message: `is not valid YAML: ${e.message}`, line: e.line, column: e.column })), source);
  return parseRelyingPartySettings(yaml.data ?? {}, { locate: yaml.locate, source });
}
