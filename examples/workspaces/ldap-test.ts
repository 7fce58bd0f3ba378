// `node examples/workspaces/main.ts --config FILE ldap-test [--id ID] --username USER [--password-file F]`:
// Kasm's "Test LDAP Connection" for one of the file's LDAP configurations, with the username as typed
// at the login form. Prints each step of the LDAP core's test and the app groups the user would get;
// the exit code is 0 when every step passed, 1 when one failed, 2 for a usage error.
import { readFileSync } from 'node:fs';
import { readPassword } from '../../src/cli/crypto-input.ts';
import { formatTestReport } from '../../src/ldap/test-connection.ts';
import { describeLDAPConfigTest, testLDAPConfig } from '../../src/relying-party/index.ts';
import { ALL_USERS, type WorkspacesConfig } from './config.ts';

export const LDAP_TEST_USAGE = 'usage: node examples/workspaces/main.ts --config FILE ldap-test [--id ID] --username USER [--password-file FILE]';

export interface LDAPTestArguments {
  /** The configuration's id; may be left out when the file has one LDAP configuration. */
  readonly id?: string | undefined;
  readonly username?: string | undefined;
  /** Holds the password (without its final line break, as `castellan ldap test`); otherwise a hidden prompt, or stdin's first line. */
  readonly passwordFile?: string | undefined;
}

export interface Output {
  write(text: string): unknown;
}

/** Runs the test and returns the exit code; `out` gets the report, `err` usage problems. */
export async function runLDAPTest(config: WorkspacesConfig, args: LDAPTestArguments, out: Output, err: Output): Promise<number> {
  const configs = config.relyingParty.ldap;
  const usage = (problem: string): number => {
    err.write(`${problem}\n${LDAP_TEST_USAGE}\n`);
    return 2;
  };
  if (configs.length === 0) return usage('ldap-test: the configuration file has no ldap entries');
  const chosen = args.id === undefined ? (configs.length === 1 ? configs[0] : undefined) : configs.find((c) => c.id === args.id);
  if (chosen === undefined) {
    return usage(`ldap-test: ${args.id === undefined ? 'name one configuration with --id' : `no ldap configuration has the id '${args.id}'`} (${configs.map((c) => `'${c.id}'`).join(', ')})`);
  }
  if (args.username === undefined || args.username.trim() === '') return usage('ldap-test: --username is required (as typed at the login form, e.g. test_user_1@kasm.core)');
  let password: string;
  try {
    password = args.passwordFile === undefined ? await readPassword(false) : readFileSync(args.passwordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    return usage(`ldap-test: could not read the password: ${(error as Error).message}`);
  }
  const result = await testLDAPConfig(chosen, args.username, password, config.relyingParty.groups);
  out.write(describeLDAPConfigTest(result));
  if (result.report !== undefined) out.write(formatTestReport(result.report));
  if (result.mappedGroups !== undefined) out.write(`app groups at sign-in: ${[...result.mappedGroups, ALL_USERS].join(', ')}\n`);
  return result.ok ? 0 : 1;
}
