// Validate step, part 1: the JSON Schema. Compiled once with ajv; applies static defaults and
// coerces scalar types as Authelia's weakly-typed decoder does (env values are always strings).
// Every ajv error becomes one issue in the project's grammar, at the line the user wrote.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { describeValue, listValues } from './describe.ts';
import { isDuration } from './duration.ts';
import type { ConfigDocument } from './document.ts';
import type { IssueCollector } from './issues.ts';
import { isPrefix, isSecretKey, pathFromPointer, type Path, type PathSegment } from './path.ts';
import { CONFIGURATION_SCHEMA, isUnimplemented, knownKeys, schemaAt, childSchema, resolveRef, type JSONSchema } from './schema.ts';
import { closest } from './suggest.ts';

const ADDRESS = /^(?:(?:tcp[46]?|udp[46]?|unix|ldaps?|ldapi|smtp|submissions?):\/\/)?(?:\[[0-9a-fA-F:.]+\]|[^\s:/?#\[\]@]*)?(?::\d{1,5})?(?:\/[^\s?#]*)?(?:\?[^\s#]*)?$/;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, coerceTypes: true, strict: true, strictTypes: false, allowUnionTypes: true });
  ajv.addFormat('duration', { type: 'string', validate: (s: string) => isDuration(s) });
  ajv.addFormat('address', { type: 'string', validate: (s: string) => ADDRESS.test(s) });
  ajv.addKeyword({ keyword: 'x-castellan-unimplemented', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  compiled = ajv.compile(CONFIGURATION_SCHEMA);
  return compiled;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false',
  array: 'a list', object: 'a map', null: 'empty',
};

function isSecretPath(path: Path): boolean {
  const schema = schemaAt(path);
  // Lifespans such as `access_token` end like secret keys but are durations.
  return schema?.['x-secret'] === true || (isSecretKey(path.at(-1)) && schema?.format !== 'duration');
}

/** Removes `key:` entries with no value, which Authelia treats as not set. */
function dropNulls(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(dropNulls);
  } else if (value !== null && typeof value === 'object') {
    const map = value as Record<string, unknown>;
    for (const key of Object.keys(map)) {
      if (map[key] === null) delete map[key];
      else dropNulls(map[key]);
    }
  }
}

/** Warns once for each Authelia option that is present but not implemented by Castellan. */
export function warnUnimplemented(doc: ConfigDocument, issues: IssueCollector): void {
  const walk = (value: unknown, schema: JSONSchema | undefined, path: PathSegment[]): void => {
    if (!schema) return;
    if (isUnimplemented(schema)) {
      issues.warn(path, 'is an Authelia option that Castellan does not implement yet: it is accepted and has no effect', undefined, { atKey: true });
      return;
    }
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, childSchema(schema, i), [...path, i]));
    else if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) walk(child, childSchema(schema, key), [...path, key]);
  };
  walk(doc.data, resolveRef(CONFIGURATION_SCHEMA), []);
}

/** Whether a cross-field issue at a path would only repeat a schema error (see validateSchema). */
export type RepeatsSchemaError = (path: Path) => boolean;

const MISTYPED = ['type', 'anyOf', 'oneOf'];

/**
 * Runs the schema over the document (mutating it: defaults and coercions), reporting every error.
 * Returns which cross-field issues to drop: those under a value the schema rejected, and, for a
 * wrongly typed value, those about its sibling keys too (`public: 'yes'` does not make a client
 * confidential, so "client_secret is required" would mislead).
 */
export function validateSchema(doc: ConfigDocument, issues: IssueCollector): RepeatsSchemaError {
  dropNulls(doc.data);
  const validate = validator();
  if (validate(doc.data)) return () => false;
  const errors = collapse(validate.errors ?? []);
  for (const error of errors) report(error, doc, issues);
  const rejected = errors
    .filter((e) => e.keyword !== 'additionalProperties' && e.keyword !== 'required')
    .map((e) => ({ path: pathFromPointer(e.instancePath, doc.data), mistyped: MISTYPED.includes(e.keyword) }));
  return (path) => rejected.some((r) => isPrefix(r.path, path) || (r.mistyped && r.path.length > 1 && path.length === r.path.length && isPrefix(r.path.slice(0, -1), path)));
}

/**
 * For anyOf/oneOf failures, keeps only the errors of the branch whose type fits the value (or one
 * "must be X or Y" error when none does), so a user sees one message per mistake.
 */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const dropped = new Set<ErrorObject>();
  for (const union of unions) {
    const prefix = `${union.schemaPath}/`;
    const inner = errors.filter((e) => e !== union && e.schemaPath.startsWith(prefix));
    const byBranch = new Map<string, ErrorObject[]>();
    for (const e of inner) {
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      byBranch.set(branch, [...(byBranch.get(branch) ?? []), e]);
    }
    const fitting = [...byBranch.values()].filter((list) => !list.some((e) => e.keyword === 'type' && e.instancePath === union.instancePath));
    if (fitting.length > 0) {
      const best = fitting.sort((a, b) => a.length - b.length)[0]!;
      for (const e of inner) if (!best.includes(e)) dropped.add(e);
      dropped.add(union);
    } else {
      for (const e of inner) dropped.add(e);
    }
  }
  return errors.filter((e) => !dropped.has(e));
}

function unionTypes(schema: JSONSchema | undefined): string[] {
  if (!schema) return [];
  const s = resolveRef(schema);
  const own = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const inner = [...(s.anyOf ?? []), ...(s.oneOf ?? [])].flatMap((b) => unionTypes(b));
  return [...new Set([...own, ...inner])];
}

function describeUnion(schema: JSONSchema | undefined): string {
  const s = schema ? resolveRef(schema) : undefined;
  const parts = [...(s?.anyOf ?? []), ...(s?.oneOf ?? [])].map((b) => {
    const r = resolveRef(b);
    if (r.type === 'array' && r.items && typeof r.items === 'object') {
      const inner = unionTypes(r.items as JSONSchema);
      return `a list of ${inner.map((t) => `${(TYPE_NAMES[t] ?? t).replace(/^an? /, '')}s`).join(' or ')}`;
    }
    return unionTypes(r).map((t) => TYPE_NAMES[t] ?? t).join(' or ');
  });
  return listValues(parts).replace(/'/g, '');
}

function report(error: ErrorObject, doc: ConfigDocument, issues: IssueCollector): void {
  const path = pathFromPointer(error.instancePath, doc.data);
  const value = doc.get(path);
  const secret = isSecretPath(path) || isSecretKey(missingSpaceKey(value));
  const shown = describeValue(value, secret);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const known = knownKeys(path);
      const guess = closest(key, known);
      const hint = guess ? `did you mean '${guess}'?` : known.length > 0 && known.length <= 12 ? `the keys allowed here are ${listValues(known)}` : 'check the spelling against the configuration reference';
      issues.error([...path, key], 'configuration key not expected', hint, { atKey: true });
      return;
    }
    case 'required':
      issues.error([...path, String(params['missingProperty'])], 'is required but is not set');
      return;
    case 'type': {
      const expected = String(params['type']).split(',').map((t) => TYPE_NAMES[t] ?? t);
      issues.error(path, `must be ${listValues(expected).replace(/'/g, '')} but is configured as ${shown}`, typeHint(value, String(params['type'])));
      return;
    }
    case 'anyOf':
    case 'oneOf':
      issues.error(path, `must be ${describeUnion(schemaAt(path))} but is configured as ${shown}`);
      return;
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).filter((v) => v !== '');
      const guess = typeof value === 'string' ? allowed.find((a) => typeof a === 'string' && a.toLowerCase() === value.toLowerCase()) : undefined;
      issues.error(path, `must be one of ${listValues(allowed)} but is configured as ${shown}`, guess !== undefined ? `values are case-sensitive: use '${String(guess)}'` : undefined);
      return;
    }
    case 'const':
      issues.error(path, `must be ${describeValue(params['allowedValue'])} but is configured as ${shown}`);
      return;
    case 'format':
      if (params['format'] === 'duration') {
        issues.error(path, `must be a duration such as '90s', '5m', '1h30m', '2 hours' or '1 week' but is configured as ${shown}`, 'units are ms, s, m, h, d, w, M (month) and y, or the words millisecond, second, minute, hour, day, week, month and year (singular or plural); a plain number means seconds');
      } else if (params['format'] === 'address') {
        issues.error(path, `must be an address of the form 'tcp://host:port/path' but is configured as ${shown}`);
      } else {
        issues.error(path, `must be a valid ${String(params['format'])} but is configured as ${shown}`);
      }
      return;
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const words: Record<string, string> = { minimum: 'at least', exclusiveMinimum: 'more than', maximum: 'at most', exclusiveMaximum: 'less than' };
      issues.error(path, `must be ${words[error.keyword]} ${String(params['limit'])} but is configured as ${shown}`);
      return;
    }
    case 'minLength':
      issues.error(path, `must be at least ${String(params['limit'])} characters long but is ${secret ? 'shorter' : `configured as ${shown}`}`);
      return;
    case 'maxLength':
      issues.error(path, `must be at most ${String(params['limit'])} characters long but is ${typeof value === 'string' ? value.length : '?'} characters long`);
      return;
    case 'minItems':
      issues.error(path, `must have at least ${String(params['limit'])} ${Number(params['limit']) === 1 ? 'entry' : 'entries'} but has ${Array.isArray(value) ? value.length : 0}`);
      return;
    case 'maxItems':
      issues.error(path, `must have at most ${String(params['limit'])} entries but has ${Array.isArray(value) ? value.length : 0}`);
      return;
    case 'uniqueItems':
      issues.error(path, `must not contain the same value twice (entries #${Number(params['j']) + 1} and #${Number(params['i']) + 1} are equal)`);
      return;
    case 'pattern':
      issues.error(path, `must match the pattern ${String(params['pattern'])} but is configured as ${shown}`);
      return;
    case 'propertyNames':
    case 'if':
    case 'not':
      return;
    default:
      issues.error(path, `${error.message ?? 'is invalid'} (configured as ${shown})`);
  }
}

/** The key of `key:value` written without the space YAML needs after the colon, if it looks like one. */
function missingSpaceKey(value: unknown): string | undefined {
  return typeof value === 'string' ? /^([a-z_]{2,}):(?!\/\/)\S/.exec(value)?.[1] : undefined;
}

function typeHint(value: unknown, expected: string): string | undefined {
  if (expected.includes('array') && typeof value === 'string') return "write a list with one '- value' per line, or [a, b] on one line";
  if (expected.includes('object') && Array.isArray(value)) return "this key takes a map of 'key: value' lines, not a list of '- ' items";
  if (expected === 'boolean' && typeof value === 'string') return 'write true or false, without quotes';
  const key = missingSpaceKey(value);
  if (expected.includes('object') && key !== undefined) return `YAML needs a space after the colon: write '${key}: …'`;
  if (expected.includes('object') && typeof value === 'string') return 'this key takes nested keys; check the indentation of the lines below it';
  return undefined;
}
