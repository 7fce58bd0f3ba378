// The configuration pipeline: load (YAML files + environment) → normalize (deprecated names) →
// validate (JSON Schema, then cross-field rules) → typed Config. Every problem of every step is
// collected and reported at once; a configuration with any error never yields a Config.
import { applyEnvironment } from './env.ts';
import { ConfigError, IssueCollector, sortIssues, type ConfigIssue } from './issues.ts';
import { expandConfigPaths, loadFiles } from './load.ts';
import { normalize } from './normalize.ts';
import { applyDerivedDefaults } from './defaults.ts';
import { convertDurations, splitStringLists } from './resolve.ts';
import { validateSchema, warnUnimplemented } from './schema-validate.ts';
import type { Config } from './types.ts';
import { runValidators } from './validators/index.ts';

export const DEFAULT_CONFIG_FILE = 'configuration.yml';

export interface LoadOptions {
  /** `--config` values: files, directories, or comma-separated lists; later files win. */
  readonly files: readonly string[];
  /** Environment to read overrides from (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly ConfigIssue[];
  readonly files: readonly string[];
}

/** Files to load: the flags, else X_CASTELLAN_CONFIG / X_AUTHELIA_CONFIG, else configuration.yml. */
export function configFilesFrom(flags: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  if (flags.length > 0) return [...flags];
  const fromEnv = env['X_CASTELLAN_CONFIG'] ?? env['X_AUTHELIA_CONFIG'];
  return fromEnv ? [fromEnv] : [DEFAULT_CONFIG_FILE];
}

export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const files = await expandConfigPaths(options.files);
  const early = new IssueCollector();
  const doc = await loadFiles(files, early);
  if (early.hasErrors) throw new ConfigError(sortIssues(early.issues));

  const issues = new IssueCollector((path, atKey) => doc.locate(path, atKey));
  for (const issue of early.issues) issues.push(issue);
  await applyEnvironment(doc, env, issues);
  normalize(doc, issues);
  warnUnimplemented(doc, issues);
  splitStringLists(doc.data);
  const repeatsSchemaError = validateSchema(doc, issues);
  convertDurations(doc.data);
  const schemaFailed = issues.hasErrors;
  guardedDefaults(doc.data, schemaFailed);
  // Validators see the earlier issues (some stay quiet after a schema error); what they add about
  // values the schema already rejected would only repeat that error, so it is dropped.
  const crossField = new IssueCollector((path, atKey) => doc.locate(path, atKey));
  for (const issue of issues.issues) crossField.push(issue);
  const earlier = crossField.issues.length;
  await runValidators(doc.data as unknown as Config, crossField, { schemaFailed });
  for (const issue of crossField.issues.slice(earlier)) if (!repeatsSchemaError(issue.path)) issues.push(issue);

  const sorted = sortIssues(issues.issues);
  if (issues.hasErrors) throw new ConfigError(sorted);
  return { config: doc.data as unknown as Config, warnings: sorted.filter((i) => i.severity === 'warning'), files };
}

function guardedDefaults(data: Record<string, unknown>, schemaFailed: boolean): void {
  try {
    applyDerivedDefaults(data);
  } catch (error) {
    if (!schemaFailed) throw error;
  }
}

export { ConfigError, formatIssue } from './issues.ts';
export type { ConfigIssue } from './issues.ts';
export type { Config } from './types.ts';
