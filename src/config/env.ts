// Environment overrides: `CASTELLAN_<PATH>` and, for drop-in compatibility, `AUTHELIA_<PATH>`, where
// PATH is the key path in upper snake case (AUTHELIA_IDENTITY_PROVIDERS_OIDC_HMAC_SECRET). Secret keys
// also take `<PATH>_FILE`, naming a file to read the value from (trailing newlines stripped).
// Lists of objects (clients, cookies…) cannot be set this way, as in Authelia; lists of strings
// take comma-separated values (split with the file's values, in resolve.ts).
import { readFile } from 'node:fs/promises';
import type { ConfigDocument } from './document.ts';
import type { IssueCollector } from './issues.ts';
import { formatPath, isSecretKey, type Path } from './path.ts';
import { LEGACY_ENV_PATHS } from './normalize.ts';
import { childSchema, CONFIGURATION_SCHEMA, isListOfObjects, knownKeys, resolveRef, schemaAt, type JSONSchema } from './schema.ts';

export const ENV_PREFIXES = ['AUTHELIA_', 'CASTELLAN_'] as const;

/** Maps upper-snake tokens to a key path by walking the schema; undefined when nothing matches. */
export function resolveEnvPath(tokens: readonly string[], schema: JSONSchema = CONFIGURATION_SCHEMA, path: Path = []): Path | undefined {
  if (tokens.length === 0) return path;
  const node = schemaAt(path, schema);
  if (!node) return undefined;
  const candidates = knownKeys(path, schema)
    .map((key) => ({ key, parts: key.split('_') }))
    .filter(({ parts }) => parts.length <= tokens.length && parts.every((p, i) => p === tokens[i]))
    .sort((a, b) => b.parts.length - a.parts.length);
  for (const { key, parts } of candidates) {
    const next = childSchema(resolveRef(node), key);
    if (!next) continue;
    const found = resolveEnvPath(tokens.slice(parts.length), schema, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Current key paths from the schema, then deprecated paths the normalizer still maps. */
function resolveAnyPath(tokens: readonly string[]): Path | undefined {
  const joined = tokens.join('_');
  return resolveEnvPath(tokens) ?? LEGACY_ENV_PATHS.find((legacy) => legacy.join('_') === joined);
}

function envSource(name: string): { value: { source: string } } {
  return { value: { source: `environment variable ${name}` } };
}

/** Applies every prefixed environment variable to the document, reporting unknown ones as warnings. */
export async function applyEnvironment(doc: ConfigDocument, env: NodeJS.ProcessEnv, issues: IssueCollector): Promise<void> {
  const setBy = new Map<string, string>();
  for (const prefix of ENV_PREFIXES) {
    for (const name of Object.keys(env).filter((n) => n.startsWith(prefix)).sort()) {
      const raw = env[name] ?? '';
      const tokens = name.slice(prefix.length).toLowerCase().split('_');
      let path = resolveAnyPath(tokens);
      let fromFile = false;
      if (!path && tokens.at(-1) === 'file') {
        path = resolveAnyPath(tokens.slice(0, -1));
        fromFile = path !== undefined;
      }
      const where = { source: `environment variable ${name}` };
      if (!path) {
        issues.push({ severity: 'warning', path: [], message: `configuration environment variable not expected: ${name}`, hint: `environment variables with the ${prefix} prefix must name a configuration key, e.g. ${prefix}LOG_LEVEL`, location: where });
        continue;
      }
      const schema = schemaAt(path);
      if (schema && isListOfObjects(schema)) {
        issues.push({ severity: 'warning', path, message: `cannot be set by an environment variable (${name} is ignored): lists of objects are configured in the file`, location: where });
        continue;
      }
      if (fromFile && !isSecretKey(path.at(-1))) {
        issues.push({ severity: 'warning', path, message: `the _FILE variant is only for secret keys (ending in key, secret, password, token or certificate_chain); ${name} is ignored`, location: where });
        continue;
      }
      const key = formatPath(path);
      const previous = setBy.get(key);
      if (previous && fromFile !== previous.endsWith('_FILE')) {
        issues.push({ severity: 'error', path, message: `is set both by ${previous} and by ${name}`, hint: 'set a secret in one place only', location: where });
        continue;
      }
      if (fromFile && doc.has(path) && !previous) {
        const location = doc.locate(path);
        issues.push({ severity: 'error', path, message: `is set both in ${location?.source ?? 'the configuration'} and by ${name}`, hint: 'remove the value from the file or unset the environment variable', location: where });
        continue;
      }
      let value: unknown = raw;
      if (fromFile) {
        try {
          value = (await readFile(raw, 'utf8')).replace(/(\r?\n)+$/, '');
        } catch (error) {
          issues.push({ severity: 'error', path, message: `cannot read the file named by ${name}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}`, location: where });
          continue;
        }
      }
      doc.set(path, value, envSource(name));
      setBy.set(key, name);
    }
  }
}
