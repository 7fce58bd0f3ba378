// The configuration JSON Schema (schemas/configuration.schema.json) and a way to walk it by path:
// which keys exist where, which are secrets, durations, or accepted-but-unimplemented Authelia keys.
import { readFileSync } from 'node:fs';
import type { Path, PathSegment } from './path.ts';

export interface JSONSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JSONSchema>;
  additionalProperties?: boolean | JSONSchema;
  items?: JSONSchema | boolean;
  anyOf?: JSONSchema[];
  oneOf?: JSONSchema[];
  enum?: unknown[];
  format?: string;
  default?: unknown;
  description?: string;
  'x-secret'?: boolean;
  'x-castellan-unimplemented'?: boolean;
  [keyword: string]: unknown;
}

const SCHEMA_URL = new URL('../../schemas/configuration.schema.json', import.meta.url);

// Read once at start-up: the schema is part of the program, not user input.
export const CONFIGURATION_SCHEMA: JSONSchema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as JSONSchema;

export function resolveRef(schema: JSONSchema, root: JSONSchema = CONFIGURATION_SCHEMA): JSONSchema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 32; depth++) {
    if (!current.$ref.startsWith('#/')) throw new Error(`unsupported $ref '${current.$ref}'`);
    let target: unknown = root;
    for (const part of current.$ref.slice(2).split('/')) target = (target as Record<string, unknown>)[part];
    if (!target || typeof target !== 'object') throw new Error(`dangling $ref '${current.$ref}'`);
    // Keep sibling annotations (description, x-*) of the referring schema.
    const { $ref: _ignored, ...siblings } = current;
    current = { ...(target as JSONSchema), ...siblings };
  }
  return current;
}

function branches(schema: JSONSchema): JSONSchema[] {
  const s = resolveRef(schema);
  return [s, ...(s.anyOf ?? []), ...(s.oneOf ?? [])].map((b) => resolveRef(b));
}

/** The subschema for one step down, or undefined when the schema has no such key. */
export function childSchema(schema: JSONSchema, segment: PathSegment): JSONSchema | undefined {
  for (const branch of branches(schema)) {
    if (typeof segment === 'number') {
      if (branch.items && typeof branch.items === 'object') return resolveRef(branch.items);
      continue;
    }
    const property = branch.properties?.[segment];
    if (property) return resolveRef(property);
    if (branch.additionalProperties && typeof branch.additionalProperties === 'object') return resolveRef(branch.additionalProperties);
    if (branch['x-castellan-unimplemented'] && branch.additionalProperties !== false) return { 'x-castellan-unimplemented': true };
  }
  return undefined;
}

export function schemaAt(path: Path, root: JSONSchema = CONFIGURATION_SCHEMA): JSONSchema | undefined {
  let current: JSONSchema | undefined = resolveRef(root);
  for (const segment of path) {
    if (!current) return undefined;
    current = childSchema(current, segment);
  }
  return current;
}

/** Keys the schema names directly under `path` (for "did you mean" and env variable mapping). */
export function knownKeys(path: Path, root: JSONSchema = CONFIGURATION_SCHEMA): string[] {
  const schema = schemaAt(path, root);
  if (!schema) return [];
  return [...new Set(branches(schema).flatMap((b) => Object.keys(b.properties ?? {})))];
}

export function isObjectSchema(schema: JSONSchema): boolean {
  return branches(schema).some((b) => b.type === 'object' || (Array.isArray(b.type) && b.type.includes('object')) || b.properties !== undefined);
}

export function isListOfObjects(schema: JSONSchema): boolean {
  return branches(schema).some((b) => b.items !== undefined && typeof b.items === 'object' && isObjectSchema(resolveRef(b.items)));
}

export function isUnimplemented(schema: JSONSchema | undefined): boolean {
  return schema?.['x-castellan-unimplemented'] === true;
}
