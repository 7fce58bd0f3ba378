// One Kasm LDAP configuration (its form's fields, snake_cased) and how it becomes the LDAP core's
// DirectoryOptions. The schema names the keys (schemas/relying-party.schema.json $defs/ldap_config)
// and config.ts applies the defaults; the rules between fields are here, reported at Kasm's key names
// even where the core found the problem under its own.
import { parseLDAPURL, parseTLSVersion, type LDAPLogger } from '../ldap/connection.ts';
import { domainOfDN } from '../ldap/dn.ts';
import { LDAPError } from '../ldap/errors.ts';
import { parseDN, placeholdersIn } from '../ldap/escape.ts';
import { resolveOptions, type DirectoryOptions } from '../ldap/options.ts';
import type { UserField } from './config.ts';
import type { Path } from './yaml-location.ts';

export interface LDAPTLSConfig {
  readonly server_name?: string;
  /** PEM: the directory's CA chain. */
  readonly trusted_certificates?: string;
  readonly minimum_version?: string;
  readonly skip_verify?: boolean;
}

/** One LDAP directory with Kasm's fields; optional keys are absent when not configured. */
export interface LDAPConfig {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly url: string;
  readonly start_tls: boolean;
  readonly tls?: LDAPTLSConfig;
  /** Seconds. */
  readonly connection_timeout: number;
  readonly search_base: string;
  readonly search_filter: string;
  readonly search_subtree: boolean;
  readonly service_account_dn: string;
  readonly service_account_password: string;
  readonly group_membership_filter?: string;
  readonly email_attribute?: string;
  /** Lower-cased domains, and '*' for usernames without one (Kasm's comma-separated text, split). */
  readonly username_domain_match: readonly string[];
  readonly auto_create_app_user: boolean;
  readonly attribute_mappings: Readonly<Record<string, UserField>>;
}

/** Kasm's "Alternate Username Domains" as a list: comma-separated text or a list, lower-cased. */
export function domainList(value: unknown): string[] {
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value.map(String) : [];
  return [...new Set(items.map((item) => item.trim().toLowerCase()).filter((item) => item !== ''))];
}

/** `(attr={0})`: the attribute a search filter compares the login name with. */
const LOGIN_NAME_ASSERTION = /\(\s*([A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)\s*=\s*\{0?\}\s*\)/;

/**
 * The attribute the search filter compares `{0}` with (sAMAccountName, uid, …). Kasm has no username
 * attribute field; the core needs one to read the found entry, and this one is sure to be there.
 */
export function loginAttributeOf(searchFilter: string): string | undefined {
  const trimmed = searchFilter.trim();
  return LOGIN_NAME_ASSERTION.exec(trimmed.startsWith('(') ? trimmed : `(${trimmed})`)?.[1];
}

/** The configuration in the LDAP core's terms. Throws LDAPError INVALID_OPTIONS (at Kasm's key) when it cannot be. */
export function directoryOptions(config: LDAPConfig, logger?: LDAPLogger): DirectoryOptions {
  const loginAttribute = loginAttributeOf(config.search_filter);
  if (loginAttribute === undefined) {
    throw new LDAPError('INVALID_OPTIONS', `search_filter: must compare an attribute with the login name, as in (sAMAccountName={0}) or (uid={0}), but is configured as '${config.search_filter}'`);
  }
  const tls = config.tls;
  return {
    connection: {
      url: config.url,
      startTLS: config.start_tls,
      ...(tls === undefined ? {} : {
        tls: {
          ...(tls.server_name === undefined ? {} : { serverName: tls.server_name }),
          ...(tls.trusted_certificates === undefined ? {} : { trustedCertificates: tls.trusted_certificates }),
          ...(tls.minimum_version === undefined ? {} : { minimumVersion: tls.minimum_version }),
          skipVerify: tls.skip_verify === true,
        },
      }),
      connectTimeoutMs: config.connection_timeout * 1000,
    },
    baseDN: config.search_base,
    usersFilter: config.search_filter,
    usersScope: config.search_subtree ? 'sub' : 'one',
    ...(config.group_membership_filter === undefined ? {} : { groupsFilter: config.group_membership_filter }),
    groupSearchMode: 'filter',
    attributes: { username: loginAttribute, ...(config.email_attribute === undefined ? {} : { mail: config.email_attribute }), groupName: 'cn' },
    extraUserAttributes: Object.keys(config.attribute_mappings),
    serviceAccount: { dn: config.service_account_dn, password: config.service_account_password },
    ...(logger === undefined ? {} : { logger }),
  };
}

/** The core's option names, as Kasm's form calls them (and directoryOptions' own, search_filter). */
const KASM_KEYS: Readonly<Record<string, string>> = {
  search_filter: 'search_filter',
  base_dn: 'search_base', additional_users_dn: 'search_base', additional_groups_dn: 'search_base',
  users_filter: 'search_filter', 'attributes.username': 'search_filter', groups_filter: 'group_membership_filter',
  user: 'service_account_dn', password: 'service_account_password', 'attributes.mail': 'email_attribute',
};

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A filter must use Kasm's `{0}` and nothing else (the core knows Authelia's placeholders too). */
function checkPlaceholders(template: string, what: string, add: (message: string) => void): void {
  const used = placeholdersIn(template);
  const other = [...used].filter((p) => p !== '0');
  if (!used.has('0')) add(`must contain {0} (${what}) but is configured as '${template}'`);
  else if (other.length > 0) add(`must use only Kasm's {0} placeholder but uses ${other.map((p) => `{${p}}`).join(', ')}`);
}

/**
 * Cross-field rules of `ldap[index]` (its schema passed): a usable URL and TLS version, a login
 * domain, Kasm's {0} in both filters, one attribute per user field, and whatever else the LDAP
 * core refuses, each reported at its key.
 */
export function ldapConfigProblems(config: LDAPConfig, index: number, add: (path: Path, message: string) => void): void {
  const at = (...keys: (string | number)[]): Path => ['ldap', index, ...keys];
  let problems = 0;
  const report = (path: Path, text: string): void => {
    problems += 1;
    add(path, text);
  };
  try {
    const endpoint = parseLDAPURL(config.url);
    if (endpoint.secure && config.start_tls) report(at('start_tls'), 'must not be true with an ldaps:// url: the connection is TLS from the start');
  } catch (error) {
    report(at('url'), `must be ldap://host[:port] or ldaps://host[:port]: ${message(error)}`);
  }
  if (config.tls?.minimum_version !== undefined) {
    try {
      parseTLSVersion(config.tls.minimum_version);
    } catch (error) {
      report(at('tls', 'minimum_version'), message(error));
    }
  }
  let domain: string | undefined;
  try {
    parseDN(config.search_base);
    domain = domainOfDN(config.search_base);
  } catch (error) {
    report(at('search_base'), `must be a DN: ${message(error)}`);
  }
  if (domain === '' && config.username_domain_match.length === 0) {
    report(at('search_base'), `must have DC= parts, which give the login domain (DC=kasm,DC=core → user@kasm.core), unless username_domain_match names the domains; it is configured as '${config.search_base}'`);
  }
  checkPlaceholders(config.search_filter, 'the login name', (text) => report(at('search_filter'), text));
  if (config.group_membership_filter !== undefined) checkPlaceholders(config.group_membership_filter, "the user's DN", (text) => report(at('group_membership_filter'), text));
  const filled = new Map<string, string>(config.email_attribute === undefined ? [] : [['email', `email_attribute '${config.email_attribute}'`]]);
  for (const [attribute, field] of Object.entries(config.attribute_mappings)) {
    const other = filled.get(field);
    if (other !== undefined) report(at('attribute_mappings', attribute), `must not map to '${field}' too: ${other} already fills it`);
    else filled.set(field, `the attribute '${attribute}'`);
  }
  if (problems > 0) return;
  try {
    resolveOptions(directoryOptions(config));
  } catch (error) {
    const text = message(error);
    const key = /^([a-z_.]+(?:\[\d+\])?): /.exec(text)?.[1];
    const extra = key === undefined ? undefined : /^extra\[(\d+)\]$/.exec(key);
    const path = extra ? at('attribute_mappings', Object.keys(config.attribute_mappings)[Number(extra[1])] ?? '') : key !== undefined && KASM_KEYS[key] !== undefined ? at(KASM_KEYS[key]) : at();
    add(path, key === undefined ? text : text.slice(key.length + 2));
  }
}

/** What an administrator should hear at start-up about a configuration that is valid but weak. */
export function ldapConfigWarnings(config: LDAPConfig, index: number): string[] {
  const warnings: string[] = [];
  const endpoint = parseLDAPURL(config.url);
  const loopback = endpoint.host === 'localhost' || endpoint.host === '::1' || endpoint.host.startsWith('127.');
  if (!endpoint.secure && !config.start_tls && !loopback) {
    warnings.push(`ldap[${index}].url: '${config.url}' without start_tls sends the service account's and users' passwords in clear text; use ldaps:// or start_tls`);
  }
  if (config.tls?.skip_verify === true) warnings.push(`ldap[${index}].tls.skip_verify: the directory's certificate is not verified, so anyone on the network path can impersonate it and read every password; trust its CA with tls.trusted_certificates instead`);
  return warnings;
}
