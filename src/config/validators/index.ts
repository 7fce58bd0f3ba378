// Validate step, part 2: cross-field rules the schema cannot express. Each validator is a small
// function over the defaulted data that reports through the collector; all of them always run, so
// one run lists every problem. After schema errors the data may be mistyped: a validator that
// trips over it is skipped, since the schema error already says what is wrong.
import type { IssueCollector } from '../issues.ts';
import type { Config } from '../types.ts';
import { validateClients, type ProviderKeys } from './clients.ts';
import { validateProviderKeys, validateProviderOptions } from './provider.ts';
import { validateAuthenticationBackend, validateRegulation, validateSecondFactor, validateServer, validateSession, validateStorage } from './sections.ts';

type Validator = (config: Config, issues: IssueCollector) => void | Promise<void>;

const SECTION_VALIDATORS: readonly Validator[] = [
  validateServer,
  validateStorage,
  validateAuthenticationBackend,
  validateSession,
  validateRegulation,
  validateSecondFactor,
  validateProviderOptions,
];

async function guarded<T>(run: () => T | Promise<T>, schemaFailed: boolean, fallback: T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!schemaFailed) throw error;
    return fallback;
  }
}

export async function runValidators(config: Config, issues: IssueCollector, options: { schemaFailed: boolean }): Promise<void> {
  for (const validate of SECTION_VALIDATORS) await guarded(() => validate(config, issues), options.schemaFailed, undefined);
  const oidc = config.identity_providers?.oidc;
  if (!oidc) return;
  const unknownKeys: ProviderKeys = { algorithms: new Set(), keyIDs: new Set(), configured: false, usable: false };
  const keys = await guarded(() => validateProviderKeys(oidc, issues), options.schemaFailed, unknownKeys);
  await guarded(() => validateClients(config, issues, keys), options.schemaFailed, undefined);
}
