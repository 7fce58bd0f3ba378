// Escaping at the two places untrusted text meets LDAP syntax: values inside search filters
// (RFC 4515 §3) and values inside distinguished names (RFC 4514 §2.4, with its parser §3), plus
// the filter templates of Authelia (`{input}`, `{dn}`, …) and Kasm (`{0}`). Every value a template
// receives is escaped; attribute names come from configuration and are checked, not escaped.
import { Filter, FilterParser } from 'ldapts';
import { LDAPError } from './errors.ts';

/** RFC 4515 §3: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00`. */
export function escapeFilterValue(value: string): string {
  return Filter.escape(value);
}

const DN_SPECIAL = new Set(['"', '+', ',', ';', '<', '>', '\\', '=']);

/**
 * RFC 4514 §2.4: `"`, `+`, `,`, `;`, `<`, `>`, `\` (and `=`, which the RFC permits) get a
 * backslash, NUL becomes `\00`, a leading `#` or space and a trailing space are escaped.
 */
export function escapeDNValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\0') out += '\\00';
    else if (DN_SPECIAL.has(c) || (i === 0 && (c === '#' || c === ' ')) || (i === value.length - 1 && c === ' ')) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** One attribute-value pair of an RDN, the value unescaped. A `#…` (BER) value is kept as written. */
export interface AVA {
  readonly type: string;
  readonly value: string;
}

/** A DN as its RDNs, most specific first; a multi-valued RDN (`cn=a+uid=b`) has several AVAs. */
export type ParsedDN = readonly (readonly AVA[])[];

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)$/;

function invalidDN(dn: string, why: string): LDAPError {
  return new LDAPError('INVALID_OPTIONS', `'${dn}' is not a valid distinguished name (RFC 4514): ${why}`);
}

/**
 * Parses a DN string (RFC 4514 §3). Tolerates the spaces people put after commas
 * (`dc=example, dc=com`) and `;` as a separator (RFC 2253's legacy form). Throws INVALID_OPTIONS.
 */
export function parseDN(dn: string): ParsedDN {
  const rdns: AVA[][] = [];
  if (dn.trim() === '') return rdns;
  let rdn: AVA[] = [];
  let i = 0;
  while (i <= dn.length) {
    const eq = dn.indexOf('=', i);
    if (eq < 0) throw invalidDN(dn, `no '=' after position ${i}`);
    const type = dn.slice(i, eq).trim();
    if (!ATTRIBUTE_TYPE.test(type)) throw invalidDN(dn, `'${type}' is not an attribute type`);
    i = eq + 1;
    const bytes: number[] = [];
    let trailingSpaces = 0;
    let leading = true;
    for (; i < dn.length; i++) {
      const c = dn[i]!;
      if (c === ',' || c === '+' || c === ';') break;
      if (c === '\\') {
        const hex = dn.slice(i + 1, i + 3);
        if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          i += 2;
        } else if (i + 1 < dn.length) {
          bytes.push(...Buffer.from(dn[i + 1]!, 'utf8'));
          i += 1;
        } else throw invalidDN(dn, 'it ends with a lone backslash');
        trailingSpaces = 0;
        leading = false;
        continue;
      }
      if (c === ' ' && leading) continue;
      leading = false;
      trailingSpaces = c === ' ' ? trailingSpaces + 1 : 0;
      bytes.push(...Buffer.from(c, 'utf8'));
    }
    const value = Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)).toString('utf8');
    rdn.push({ type, value });
    if (i >= dn.length || dn[i] !== '+') {
      rdns.push(rdn);
      rdn = [];
    }
    if (i >= dn.length) break;
    i += 1;
  }
  return rdns;
}

/** The string form of a parsed DN, every value escaped (RFC 4514 §2). */
export function formatDN(dn: ParsedDN): string {
  return dn.map((rdn) => rdn.map((ava) => `${ava.type}=${ava.value.startsWith('#') && /^#[0-9A-Fa-f]+$/.test(ava.value) ? ava.value : escapeDNValue(ava.value)}`).join('+')).join(',');
}

/** A filter's placeholders (Authelia's names, and Kasm's positional `{0}` / `{}`). */
export const PLACEHOLDERS = [
  'username_attribute', 'mail_attribute', 'display_name_attribute', 'member_of_attribute', 'distinguished_name_attribute',
  'input', 'username', 'dn', 'memberof:dn', 'memberof:rdn',
  'date-time:generalized', 'date-time:unix', 'date-time:microsoft-nt', '0',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER_PATTERN = new RegExp(`\\{(${PLACEHOLDERS.map((p) => p.replace(/[-:]/g, '\\$&')).join('|')}|)\\}`, 'g');

/** Attribute names the `{…_attribute}` placeholders stand for (from configuration). */
export interface FilterAttributes {
  readonly username?: string;
  readonly mail?: string;
  readonly displayName?: string;
  readonly memberOf?: string;
  readonly distinguishedName?: string;
}

/** What a template's placeholders are replaced with; a placeholder without a value is an error. */
export interface FilterValues {
  readonly attributes?: FilterAttributes;
  /** `{input}`: what the person typed as login name. */
  readonly input?: string;
  /** `{username}`: the user's username attribute value. */
  readonly username?: string;
  /** `{dn}`: the user's DN. */
  readonly dn?: string;
  /** `{memberof:dn}` / `{memberof:rdn}`: the user's memberOf values (DNs). */
  readonly memberOf?: readonly string[];
  /** `{date-time:…}`: the current time. */
  readonly now?: Date;
  /** Kasm's `{0}` (and `{}`): the login name in a search filter, the user's DN in a group membership filter. */
  readonly positional?: string;
}

/** Which placeholders a template uses (`{}` is reported as '0'). */
export function placeholdersIn(template: string): Set<Placeholder> {
  const found = new Set<Placeholder>();
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) found.add((match[1] === '' ? '0' : match[1]) as Placeholder);
  return found;
}

/** An attribute description (RFC 4512 §2.5: descr or numeric OID, with options), as a filter needs it. */
export const ATTRIBUTE_DESCRIPTION = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)(?:;[A-Za-z0-9-]+)*$/;

function attributeName(name: string | undefined, placeholder: string, template: string): string {
  if (name === undefined || name === '') throw new LDAPError('FILTER_INVALID', `the filter ${template} uses {${placeholder}} but no attribute is configured for it`);
  if (!ATTRIBUTE_DESCRIPTION.test(name)) throw new LDAPError('FILTER_INVALID', `the attribute name '${name}' for {${placeholder}} is not a valid attribute description`);
  return name;
}

/** Generalized time as Authelia writes it (Go layout `20060102150405.0Z`), UTC. */
function generalizedTime(now: Date): string {
  return `${now.toISOString().slice(0, 19).replace(/[-T:]/g, '')}.0Z`;
}

/** 100-nanosecond intervals since 1601-01-01 UTC (AD's accountExpires, pwdLastSet). */
function microsoftNTTime(now: Date): string {
  return ((BigInt(now.getTime()) + 11_644_473_600_000n) * 10_000n).toString();
}

/** `(attr=value)` for each AVA of the DN's first RDN, ANDed for a multi-valued RDN. */
function rdnAssertion(dn: string): string {
  const first = parseDN(dn)[0];
  if (first === undefined) return '';
  const parts = first.map((ava) => `(${ava.type}=${escapeFilterValue(ava.value)})`);
  return parts.length === 1 ? parts[0]! : `(&${parts.join('')})`;
}

function required<T>(value: T | undefined, placeholder: string, template: string): T {
  if (value === undefined) throw new LDAPError('FILTER_INVALID', `the filter ${template} uses {${placeholder}}, which has no value here`);
  return value;
}

/**
 * Replaces the placeholders of `template` (values escaped, RFC 4515), wraps a filter written
 * without its outer parentheses (as Kasm allows: `&(a=b)(c={0})`), and checks the result parses.
 * `{memberof:dn}` becomes `(<dn attribute>=<v1>)(<dn attribute>=<v2>)…` and `{memberof:rdn}`
 * `(cn=<g1>)(cn=<g2>)…`, as Authelia expands them; both are empty for an empty memberOf.
 */
export function renderFilter(template: string, values: FilterValues): string {
  const attributes = values.attributes ?? {};
  const rendered = template.replace(PLACEHOLDER_PATTERN, (_whole, name: string) => {
    switch (name) {
      case 'username_attribute': return attributeName(attributes.username, name, template);
      case 'mail_attribute': return attributeName(attributes.mail, name, template);
      case 'display_name_attribute': return attributeName(attributes.displayName, name, template);
      case 'member_of_attribute': return attributeName(attributes.memberOf, name, template);
      case 'distinguished_name_attribute': return attributeName(attributes.distinguishedName, name, template);
      case 'input': return escapeFilterValue(required(values.input, name, template));
      case 'username': return escapeFilterValue(required(values.username, name, template));
      case 'dn': return escapeFilterValue(required(values.dn, name, template));
      case 'memberof:dn': {
        const attribute = attributeName(attributes.distinguishedName, 'distinguished_name_attribute', template);
        return required(values.memberOf, name, template).map((dn) => `(${attribute}=${escapeFilterValue(dn)})`).join('');
      }
      case 'memberof:rdn': return required(values.memberOf, name, template).map(rdnAssertion).join('');
      case 'date-time:generalized': return generalizedTime(values.now ?? new Date());
      case 'date-time:unix': return String(Math.floor((values.now ?? new Date()).getTime() / 1000));
      case 'date-time:microsoft-nt': return microsoftNTTime(values.now ?? new Date());
      default: return escapeFilterValue(required(values.positional, '0', template));
    }
  });
  const trimmed = rendered.trim();
  const filter = trimmed.startsWith('(') && trimmed.endsWith(')') ? trimmed : `(${trimmed})`;
  parseFilter(filter, template);
  return filter;
}

/** Whether the parentheses pair up into one filter (values carry theirs escaped, RFC 4515 §3). */
function balanced(filter: string): boolean {
  let depth = 0;
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === '(') depth += 1;
    else if (filter[i] === ')') {
      depth -= 1;
      if (depth < 0 || (depth === 0 && i !== filter.length - 1)) return false;
    }
  }
  return depth === 0;
}

/** The parsed filter (ldapts), or FILTER_INVALID naming the template it came from. */
export function parseFilter(filter: string, template = filter): Filter {
  const invalid = (why: string, cause?: unknown): LDAPError => new LDAPError('FILTER_INVALID', `the filter ${filter}${template === filter ? '' : ` (from ${template})`} is not valid RFC 4515 syntax: ${why}`, cause === undefined ? {} : { cause });
  // ldapts forgives a missing closing parenthesis; an administrator should hear about it.
  if (!balanced(filter)) throw invalid('its parentheses do not pair up');
  try {
    return FilterParser.parseString(filter);
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error), error);
  }
}
