// Validate step, part 2: cross-field rules the schema cannot express. Each validator is a small
// function over the defaulted data that reports through the collector; all of them always run, so
// one run lists every problem. After schema errors the data may be mistyped: a validator that
// trips over it is skipped, since the schema error already says what is wrong.
import type { IssueCollector } from '../issues.ts';
import type { Config } from '../types.ts';

export type Validator = (config: Config, issues: IssueCollector) => void;

const VALIDATORS: readonly Validator[] = [];

export function runValidators(config: Config, issues: IssueCollector, options: { schemaFailed: boolean }): void {
  for (const validate of VALIDATORS) {
    try {
      validate(config, issues);
    } catch (error) {
      if (!options.schemaFailed) throw error;
    }
  }
}
