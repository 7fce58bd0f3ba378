// Value shaping around the schema. Before it: a string given where a list of strings is expected
// is split on commas, as Authelia's decoder does (`scopes: 'openid,profile'`, env values). After it:
// every duration becomes a number of seconds, so nothing downstream parses duration strings again.
import { parseDuration } from './duration.ts';
import { childSchema, CONFIGURATION_SCHEMA, resolveRef, type JSONSchema } from './schema.ts';

function isDurationSchema(schema: JSONSchema): boolean {
  return schema.format === 'duration';
}

/** A duration, or a union with a duration branch (e.g. refresh_interval: duration | always | disable). */
function acceptsDuration(schema: JSONSchema): boolean {
  return isDurationSchema(schema) || [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some((b) => isDurationSchema(resolveRef(b)));
}

function isStringList(schema: JSONSchema): boolean {
  const items = schema.items && typeof schema.items === 'object' ? resolveRef(schema.items) : undefined;
  return schema.type === 'array' && items?.type === 'string';
}

function walk(data: unknown, schema: JSONSchema, visit: (value: unknown, schema: JSONSchema) => unknown): unknown {
  const replaced = visit(data, schema);
  if (Array.isArray(replaced)) {
    return replaced.map((item, i) => {
      const child = childSchema(schema, i);
      return child ? walk(item, child, visit) : item;
    });
  }
  if (replaced !== null && typeof replaced === 'object') {
    const map = replaced as Record<string, unknown>;
    for (const key of Object.keys(map)) {
      const child = childSchema(schema, key);
      if (child) map[key] = walk(map[key], child, visit);
    }
  }
  return replaced;
}

const ROOT = (): JSONSchema => resolveRef(CONFIGURATION_SCHEMA);

export function splitStringLists(data: Record<string, unknown>): void {
  walk(data, ROOT(), (value, schema) => (typeof value === 'string' && isStringList(schema) ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value));
}

export function convertDurations(data: Record<string, unknown>): void {
  walk(data, ROOT(), (value, schema) => {
    if (!acceptsDuration(schema)) return value;
    const seconds = parseDuration(value);
    return seconds === undefined ? value : seconds;
  });
}
