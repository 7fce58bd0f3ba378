// Kasm's "Test LDAP Connection" for one LDAP configuration: the username as a person would type it
// at the login form (`test_user_1@kasm.core`), resolved to the login name the configuration searches
// for, then the LDAP core's step-by-step test with real credentials, plus the application groups the
// SSO group mappings would give. Never throws; a username the configuration does not accept fails.
import { testConnection, type TestReport } from '../ldap/test-connection.ts';
import type { AppGroup } from './config.ts';
import { DN_NORMAL_FORM, syncGroups } from './group-mappings.ts';
import { directoryOptions, type LDAPConfig } from './ldap-config.ts';
import { loginForms, loginNameFor, normalizeUsername } from './ldap-username.ts';

export interface LDAPConfigTest {
  readonly ok: boolean;
  readonly config: LDAPConfig;
  /** As typed, normalized. */
  readonly username: string;
  /** What {0} became; undefined when the configuration does not accept the username. */
  readonly loginName: string | undefined;
  readonly report: TestReport | undefined;
  /** The application groups the SSO mappings give (when the test got as far as the groups). */
  readonly mappedGroups: readonly string[] | undefined;
}

export async function testLDAPConfig(config: LDAPConfig, typed: string, password: string, groups: readonly AppGroup[] = []): Promise<LDAPConfigTest> {
  const username = normalizeUsername(typed);
  const loginName = loginNameFor(config, username);
  if (loginName === undefined) return { ok: false, config, username, loginName, report: undefined, mappedGroups: undefined };
  const report = await testConnection(directoryOptions(config), loginName, password);
  const directoryGroups = report.groups?.map((group) => group.dn);
  const mappedGroups = report.ok && directoryGroups !== undefined ? syncGroups(groups, config.id, [], directoryGroups, DN_NORMAL_FORM).groups : undefined;
  return { ok: report.ok, config, username, loginName, report, mappedGroups };
}

/** Formats the test's preamble (which configuration, which login name); the report follows via formatTestReport. */
export function describeLDAPConfigTest(test: LDAPConfigTest): string {
  const head = `LDAP configuration '${test.config.id}' (${test.config.name}), ${test.config.url}${test.config.enabled ? '' : ' [disabled: not tried at sign-in]'}`;
  if (test.loginName === undefined) {
    return `${head}\n'${test.username}' does not belong to this configuration: sign in as ${loginForms(test.config).join(' or ')}.\nLDAP test failed.\n`;
  }
  return `${head}\nusername '${test.username}' searches with {0} = '${test.loginName}'\n`;
}
