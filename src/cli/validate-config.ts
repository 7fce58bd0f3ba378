// `castellan validate-config` (and Authelia 4.39's `config validate`): loads the configuration
// exactly as `serve` would and lists every warning and error with its file, line and column.
import { ConfigError, formatIssue, loadConfig, type ConfigIssue } from '../config/index.ts';
import { EXIT_FAILURE, EXIT_OK, parseFlags, type Command } from './command.ts';
import { CONFIG_FLAG, CONFIG_HELP, configFiles } from './config-options.ts';

const HELP = `Usage: castellan validate-config [--config FILE]...

Loads the configuration files and the CASTELLAN_/AUTHELIA_ environment overrides, and reports
every problem at once as FILE:LINE:COLUMN PATH: message. Exits 0 when the configuration is valid
(warnings are printed but allowed), 1 when it has errors.

Flags:
${CONFIG_HELP}
  -h, --help          show this help`;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Each issue on stderr as `error: FILE:LINE:COLUMN PATH: message` (or `warning: …`). */
export function printIssues(issues: readonly ConfigIssue[]): void {
  for (const issue of issues) process.stderr.write(`${issue.severity === 'error' ? 'error' : 'warning'}: ${formatIssue(issue)}\n`);
}

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, CONFIG_FLAG);
  try {
    const loaded = await loadConfig({ files: configFiles(values.config) });
    printIssues(loaded.warnings);
    process.stdout.write('Configuration parsed and loaded successfully without errors.\n');
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printIssues(error.issues);
    process.stderr.write(`Configuration has ${plural(error.errors.length, 'error')} and ${plural(error.warnings.length, 'warning')}.\n`);
    return EXIT_FAILURE;
  }
}

export const VALIDATE_CONFIG: Command = { path: ['validate-config'], summary: 'check the configuration and list every problem', help: HELP, run };
export const CONFIG_VALIDATE: Command = { path: ['config', 'validate'], summary: 'same as validate-config (Authelia 4.39 name)', help: HELP.replace('castellan validate-config', 'castellan config validate'), run };
