// `castellan ldap test`: the administrator's check of authentication_backend.ldap with a real
// account, step by step as a sign-in runs it (the LDAP core's testConnection), with the precise
// error of a failing step, which the sign-in page never shows. On success it also prints the
// claims the account would get, built as the backend builds them.
import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig } from '../config/index.ts';
import { userFromDirectory } from '../identity/ldap-backend.ts';
import { ldapBackendSettings } from '../identity/ldap-options.ts';
import { formatTestReport, testConnection } from '../ldap/test-connection.ts';
import { EXIT_FAILURE, EXIT_OK, parseFlags, UsageError, type Command } from './command.ts';
import { CONFIG_FLAG, CONFIG_HELP, configFiles } from './config-options.ts';
import { readPassword } from './crypto-input.ts';
import { printIssues } from './validate-config.ts';

const HELP = `Usage: castellan ldap test [--config FILE]... --username USER [--password-file FILE]

Checks authentication_backend.ldap with a real account, step by step as a sign-in runs: connect,
TLS, service bind, user search (the filter shown), user bind with the password, group search
(nested groups, and how each was reached). Prints every step with the DN, e-mail and groups found,
or the precise error of the step that failed, which the sign-in page never shows; on success also
the claims the account would get. Exits 0 when no step failed, 1 otherwise or when the
configuration has errors.

The password comes from --password-file (the file's content without its final line break), else
it is prompted for without echo on a terminal, else read from the first line of stdin.

Flags:
${CONFIG_HELP}
  -u, --username USER   the login name as typed at the sign-in page (a username, or an e-mail
                        address where the users filter allows it)
      --password-file FILE
                        file holding the password
  -h, --help            show this help`;

const FLAGS = { ...CONFIG_FLAG, username: { type: 'string', short: 'u' }, 'password-file': { type: 'string' } } as const;

async function passwordFrom(file: string | undefined): Promise<string> {
  if (file === undefined) return readPassword(false);
  try {
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new Error(`cannot read the password file '${file}': ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}`);
  }
}

function describeClaims(claims: ReturnType<typeof userFromDirectory>): string {
  const quoted = (values: readonly string[]): string => (values.length === 0 ? '(none)' : values.map((v) => `'${v}'`).join(', '));
  return [
    'Claims on sign-in:',
    `  preferred_username: '${claims.username}'`,
    `  name: '${claims.displayName}'`,
    `  email: ${quoted(claims.emails.slice(0, 1))}`,
    `  groups: ${quoted(claims.groups)}`,
    '',
  ].join('\n');
}

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, FLAGS);
  const username = values.username;
  if (username === undefined || username === '') throw new UsageError('--username is required');
  let config;
  try {
    const loaded = await loadConfig({ files: configFiles(values.config) });
    printIssues(loaded.warnings);
    config = loaded.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printIssues(error.issues);
    process.stderr.write(`The configuration has ${error.errors.length} error(s): nothing was tested.\n`);
    return EXIT_FAILURE;
  }
  const ldap = config.authentication_backend.ldap;
  if (ldap === undefined) {
    process.stderr.write('The configuration has no authentication_backend.ldap: there is no directory to test.\n');
    return EXIT_FAILURE;
  }
  const password = await passwordFrom(values['password-file']);
  // The core logs its diagnostics too; the report shows those, so only the others (skip verify) go to stderr.
  const warnings: string[] = [];
  const settings = ldapBackendSettings(ldap, { logger: { warn: (message) => void warnings.push(message) } });
  process.stdout.write(`Testing authentication_backend.ldap (${ldap.address}, implementation ${ldap.implementation}) with '${username}':\n`);
  const report = await testConnection(settings.directory, username, password);
  const reported = new Set(report.diagnostics.map((d) => d.message));
  for (const warning of warnings) if (!reported.has(warning)) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(formatTestReport(report));
  if (report.ok && report.user !== undefined) process.stdout.write(describeClaims(userFromDirectory(settings, report.user, report.groups ?? [])));
  return report.ok ? EXIT_OK : EXIT_FAILURE;
}

export const LDAP_TEST: Command = { path: ['ldap', 'test'], summary: 'check authentication_backend.ldap with a real account, step by step', help: HELP, run };
