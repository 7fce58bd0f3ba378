// Renders the configuration reference (docs/configuration.md) from the JSON Schema, so the
// documentation names exactly the keys, types, defaults and allowed values the validator enforces.
import { childSchema, CONFIGURATION_SCHEMA, resolveRef, type JSONSchema } from './schema.ts';
import { formatPath, type PathSegment } from './path.ts';
import { RENAMES } from './normalize.ts';

function typeOf(schema: JSONSchema): string {
  if (schema.format === 'duration') return 'duration';
  if (schema.format === 'address') return 'address';
  const unions = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].map((b) => resolveRef(b));
  if (unions.length > 0) return [...new Set(unions.map(typeOf))].join(' \\| ');
  if (schema.type === 'array') {
    const items = schema.items && typeof schema.items === 'object' ? resolveRef(schema.items) : undefined;
    return items ? `list(${typeOf(items)})` : 'list';
  }
  if (schema.type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object') return 'map(name → object)';
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function valueText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return '';
  return `\`${JSON.stringify(value)}\``;
}

function notes(schema: JSONSchema): string {
  const parts: string[] = [];
  const enumValues = schema.enum ?? (schema.items && typeof schema.items === 'object' ? resolveRef(schema.items).enum : undefined);
  if (enumValues) parts.push(`one of ${enumValues.filter((v) => v !== '').map((v) => `\`${String(v)}\``).join(', ')}`);
  if (typeof schema['minimum'] === 'number') parts.push(`≥ ${String(schema['minimum'])}`);
  if (typeof schema['maximum'] === 'number') parts.push(`≤ ${String(schema['maximum'])}`);
  if (schema['x-secret']) parts.push('secret: never printed');
  if (schema['x-castellan-unimplemented']) parts.push('**accepted, not implemented yet** (warning)');
  return parts.join('; ');
}

interface Row {
  readonly path: string;
  readonly type: string;
  readonly defaultValue: string;
  readonly description: string;
  readonly notes: string;
}

function collect(schema: JSONSchema, path: PathSegment[], rows: Row[]): void {
  const s = resolveRef(schema);
  if (path.length > 0) rows.push({ path: formatPath(path), type: typeOf(s), defaultValue: valueText(s.default), description: s.description ?? '', notes: notes(s) });
  if (s['x-castellan-unimplemented']) return;
  const keys = Object.keys(s.properties ?? {});
  for (const key of keys) collect(childSchema(s, key)!, [...path, key], rows);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') collect(s.additionalProperties, [...path, '<name>'], rows);
  const items = s.items && typeof s.items === 'object' ? resolveRef(s.items) : undefined;
  if (items && (items.properties || items.anyOf)) {
    for (const key of Object.keys(items.properties ?? {})) collect(childSchema(items, key)!, [...path.slice(0, -1), `${String(path.at(-1))}[]`, key], rows);
  }
}

export function renderReference(): string {
  const root = resolveRef(CONFIGURATION_SCHEMA);
  const lines: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from schemas/configuration.schema.json by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Castellan reads Authelia\'s `configuration.yml`. Every key it knows is listed below with its type, default and',
    'allowed values. Keys marked "accepted, not implemented yet" are Authelia options that load with a warning.',
    'Any other key is an error. Durations take `90s`, `5m`, `1h30m`, `2 hours`, `1 week`, `1M` (month), `1y` or plain',
    'seconds. Every key can be overridden by an environment variable `CASTELLAN_<PATH>` or `AUTHELIA_<PATH>` in upper',
    'snake case (e.g. `AUTHELIA_LOG_LEVEL=debug`); secret keys also take `<VARIABLE>_FILE=/path/to/file`. Lists of',
    'objects (such as `identity_providers.oidc.clients`) are configured in the file only.',
    '',
  ];
  const header = ['| key | type | default | description | notes |', '|---|---|---|---|---|'];
  const line = (row: Row): string => `| \`${row.path}\` | ${row.type} | ${row.defaultValue} | ${cell(row.description)} | ${row.notes} |`;
  const sections = Object.keys(root.properties ?? {});
  const isSection = (key: string): boolean => resolveRef(root.properties![key]!).type === 'object';
  const scalars: Row[] = [];
  for (const key of sections.filter((k) => !isSection(k))) collect(root.properties![key]!, [key], scalars);
  lines.push('## Top-level keys', '', ...header, ...scalars.map(line), '');
  for (const section of sections.filter(isSection)) {
    const rows: Row[] = [];
    collect(root.properties![section]!, [section], rows);
    lines.push(`## \`${section}\``, '', cell(resolveRef(root.properties![section]!).description ?? ''), '', ...header, ...rows.map(line), '');
  }
  lines.push('## Deprecated names', '', 'These older names (Authelia ≤ 4.37 and the 4.38 pre-releases) are renamed on load, with one warning each.', '');
  lines.push('| old | new |', '|---|---|');
  for (const rename of RENAMES) lines.push(`| \`${rename.from.join('.').replace('.*', '[]')}\` | \`${rename.to.join('.').replace('.*', '[]')}\` |`);
  lines.push('| `identity_providers.oidc.issuer_private_key`, `issuer_certificate_chain` | `identity_providers.oidc.jwks[0]` (RS256) |');
  lines.push('| `identity_providers.oidc.pushed_authorizations.context_lifespan` | removed (fixed at 5 minutes) |');
  lines.push('| `server.host`, `server.port`, `server.path` | `server.address` |');
  lines.push('| `session.domain` | `session.cookies[0].domain` |');
  lines.push('');
  return lines.join('\n');
}
