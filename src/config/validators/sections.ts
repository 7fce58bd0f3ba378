// Cross-field rules for the sections around the provider: server, storage, session,
// authentication backend, regulation and second factors.
import type { IssueCollector } from '../issues.ts';
import type { Config } from '../types.ts';
import { isLoopbackHost, parseURI } from './uri.ts';
import { validateLDAPBackend } from './ldap.ts';
import { isNetwork } from '../../util/network.ts';

/** Parses `tcp://host:port/path` (Authelia's address form); undefined when malformed. */
export function parseListenAddress(value: string): { host: string; port: number; path: string } | undefined {
  const match = /^(?:tcp[46]?:\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/\s]*)?(?::(\d{1,5}))?(\/[^\s?#]*)?$/.exec(value);
  if (!match) return undefined;
  const port = match[2] === undefined ? 9091 : Number(match[2]);
  if (port > 65535) return undefined;
  return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port, path: match[3] ?? '/' };
}

export function validateServer(config: Config, issues: IssueCollector): void {
  (config.server?.trusted_proxies ?? []).forEach((entry, i) => {
    if (!isNetwork(entry)) issues.error(['server', 'trusted_proxies', i], `must be an IP address or a CIDR range such as '10.0.0.0/8' but is '${entry}'`);
  });
  const address = config.server?.address;
  if (typeof address === 'string' && !address.startsWith('unix://') && !parseListenAddress(address)) {
    issues.error(['server', 'address'], `must be of the form 'tcp://host:port/path' with a port from 0 to 65535 but is configured as '${address}'`, "e.g. 'tcp://:9091/' listens on every interface, 'tcp://127.0.0.1:9091/' on loopback only");
  }
}

export function validateStorage(config: Config, issues: IssueCollector): void {
  const key = config.storage?.encryption_key;
  if (key === undefined || key === '') {
    issues.error(['storage', 'encryption_key'], 'is required: it encrypts the secrets Castellan stores (signing keys, TOTP secrets)', "generate one with 'castellan crypto rand --length 64 --charset alphanumeric'");
  } else if (key.length < 20) {
    issues.error(['storage', 'encryption_key'], `must be at least 20 characters long but has ${key.length}`, "generate one with 'castellan crypto rand --length 64 --charset alphanumeric'");
  }
  const local = config.storage?.local;
  const others = (['mysql', 'postgres'] as const).filter((k) => config.storage?.[k] !== undefined);
  if (!local?.path && others.length === 0) {
    issues.error(['storage', 'local', 'path'], 'is required: Castellan keeps its data in an SQLite file', "e.g. storage: { local: { path: '/data/db.sqlite3' } }");
  } else if (!local?.path && others.length > 0) {
    issues.error(['storage', others[0]!], `is not supported by Castellan: configure 'storage.local.path' (SQLite) instead`, undefined, { atKey: true });
  }
}

export function validateAuthenticationBackend(config: Config, issues: IssueCollector): void {
  const backend = config.authentication_backend;
  const file = backend?.file;
  const ldap = backend?.ldap;
  if (!file && !ldap) {
    issues.error(['authentication_backend'], "must configure one of 'file' or 'ldap'", "e.g. authentication_backend: { file: { path: '/config/users_database.yml' } }", { atKey: true });
    return;
  }
  if (file && ldap) issues.error(['authentication_backend'], "must configure only one of 'file' or 'ldap' but both are set", undefined, { atKey: true });
  if (file && (typeof file.path !== 'string' || file.path === '')) issues.error(['authentication_backend', 'file', 'path'], 'is required: it names the users database YAML file');
  if (ldap) validateLDAPBackend(ldap, issues);
}

export function validateSession(config: Config, issues: IssueCollector): void {
  const cookies = config.session?.cookies ?? [];
  cookies.forEach((cookie, i) => {
    const at = ['session', 'cookies', i] as const;
    const domain = cookie.domain;
    if (!domain) issues.error([...at, 'domain'], 'is required', 'the domain the session cookie is set for, e.g. example.com');
    else if (domain.startsWith('*') || domain.startsWith('.')) issues.error([...at, 'domain'], `must be a plain domain without a leading '*' or '.' but is '${domain}'`, `use '${domain.replace(/^[*.]+/, '')}': the cookie covers its subdomains already`);
    const portal = cookie.authelia_url;
    if (!portal) {
      issues.error([...at, 'authelia_url'], 'is required: it is the external URL of the portal and the OpenID Connect issuer', "e.g. 'https://auth.example.com'");
      return;
    }
    const url = parseURI(portal);
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      issues.error([...at, 'authelia_url'], `must be an absolute https URL but is '${portal}'`, url ? undefined : `add the scheme: 'https://${portal}'`);
      return;
    }
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) issues.error([...at, 'authelia_url'], `must use https but is '${portal}'`, 'plain http is accepted only for localhost and 127.0.0.1 (tests and local demos)');
    if (url.search !== '' || url.hash !== '') issues.error([...at, 'authelia_url'], 'must not have a query or fragment');
    const bare = domain?.replace(/^[*.]+/, '');
    if (bare && url.hostname !== bare && !url.hostname.endsWith(`.${bare}`)) {
      issues.error([...at, 'authelia_url'], `must be on the cookie domain '${bare}' or one of its subdomains but its host is '${url.hostname}'`);
    }
    const redirect = cookie.default_redirection_url;
    if (redirect) {
      const r = parseURI(redirect);
      if (!r || !['http:', 'https:'].includes(r.protocol)) issues.error([...at, 'default_redirection_url'], `must be an absolute http(s) URL but is '${redirect}'`);
      else if (r.href === url.href) issues.error([...at, 'default_redirection_url'], "must not be the same as 'authelia_url'");
    }
  });
}

export function validateRegulation(config: Config, issues: IssueCollector): void {
  const r = config.regulation;
  if (r && typeof r.find_time === 'number' && typeof r.ban_time === 'number' && r.find_time > r.ban_time) {
    issues.error(['regulation', 'find_time'], `must not be longer than 'ban_time' (${r.ban_time}s) but is ${r.find_time}s`);
  }
}

export function validateSecondFactor(config: Config, issues: IssueCollector): void {
  const method = config.default_2fa_method;
  if (!method) return;
  if (method === 'mobile_push') {
    issues.warn(['default_2fa_method'], "is 'mobile_push' (Duo), which Castellan does not implement: users are offered their other methods");
    return;
  }
  const disabled = (method === 'totp' && config.totp?.disable === true) || (method === 'webauthn' && config.webauthn?.disable === true);
  if (disabled) issues.error(['default_2fa_method'], `must name an enabled second factor method but '${method}' is disabled`, `remove it, or enable the '${method}' section`);
}
