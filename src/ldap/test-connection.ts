// The administrator's end-to-end check of a directory configuration with real credentials
// (Kasm's "Test LDAP Connection", `castellan ldap test`): connect, TLS, service bind, user search
// (the filter shown), user bind, group search (nested groups and how each was reached). Each step
// reports ok, warning, failed (with the precise LDAPError) or skipped after an earlier failure.
import { connect, type Connection, type TLSInfo } from './connection.ts';
import { firstRDNValue } from './dn.ts';
import { LDAPError, type LDAPErrorCode } from './errors.ts';
import { verifyPasswordWith } from './directory.ts';
import { groupsOfOn, type DirectoryGroup } from './groups.ts';
import { resolveOptions, type DirectoryContext, type DirectoryOptions } from './options.ts';
import type { Diagnostic, Observer, SearchRecord } from './search.ts';
import { findUserOn, type DirectoryUser } from './users.ts';

export type StepName = 'connect' | 'tls' | 'service bind' | 'user search' | 'user bind' | 'group search';
export const STEP_NAMES: readonly StepName[] = ['connect', 'tls', 'service bind', 'user search', 'user bind', 'group search'];

export type StepStatus = 'ok' | 'warning' | 'failed' | 'skipped';

export interface TestStep {
  readonly name: StepName;
  readonly status: StepStatus;
  /** One line: what was done and what came of it. */
  readonly summary: string;
  /** Further lines: bases, filters, DNs, groups, diagnostics. */
  readonly details: readonly string[];
  readonly error?: { readonly code: LDAPErrorCode; readonly message: string };
}

export interface TestReport {
  /** True when no step failed. */
  readonly ok: boolean;
  readonly steps: readonly TestStep[];
  readonly user?: DirectoryUser;
  readonly groups?: readonly DirectoryGroup[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Failures of connect() that happen after TCP connected, i.e. in the TLS step. */
const TLS_CODES = new Set<LDAPErrorCode>(['LDAPS_TO_PLAIN_PORT', 'TLS_CERTIFICATE_INVALID', 'TLS_HANDSHAKE_FAILED', 'STARTTLS_FAILED']);

function asLDAPError(error: unknown): LDAPError {
  return error instanceof LDAPError ? error : new LDAPError('UNKNOWN', error instanceof Error ? error.message : String(error), { cause: error });
}

function failed(name: StepName, summary: string, error: unknown, details: string[] = []): TestStep {
  const e = asLDAPError(error);
  return { name, status: 'failed', summary, details: [...details, e.message], error: { code: e.code, message: e.message } };
}

function describeSearches(records: readonly SearchRecord[], purposes: readonly SearchRecord['purpose'][]): string[] {
  return records.filter((r) => purposes.includes(r.purpose)).flatMap((r) => [`search base: ${r.base} (scope ${r.scope})`, `filter: ${r.filter} → ${r.entries} ${r.entries === 1 ? 'entry' : 'entries'}`]);
}

function tlsDetails(info: TLSInfo): string[] {
  return [
    `${info.protocol}, cipher ${info.cipher}`,
    ...(info.subject === undefined ? [] : [`certificate: ${info.subject}`]),
    ...(info.issuer === undefined ? [] : [`issued by: ${info.issuer}`]),
    ...(info.validTo === undefined ? [] : [`valid until: ${info.validTo}`]),
    ...(info.fingerprint256 === undefined ? [] : [`SHA-256 fingerprint: ${info.fingerprint256}`]),
  ];
}

function tlsStep(ctx: DirectoryContext, connection: Connection): TestStep {
  const info = connection.tls;
  if (info === undefined) return { name: 'tls', status: 'warning', summary: 'not used: ldap:// without StartTLS sends the service account and user passwords in clear text', details: [] };
  const how = ctx.connection.startTLS === true ? 'StartTLS upgrade' : 'LDAPS';
  if (!info.verified) return { name: 'tls', status: 'warning', summary: `${how} established but the certificate was NOT verified (skip verify)${info.verificationError === undefined ? '' : `: ${info.verificationError}`}`, details: tlsDetails(info) };
  return { name: 'tls', status: 'ok', summary: `${how} established, certificate verified`, details: tlsDetails(info) };
}

function describeGroup(group: DirectoryGroup): string {
  const how = group.reached === 'direct' ? 'direct member' : group.reached === 'nested' ? `via ${group.via.map(firstRDNValue).join(' → ')}` : 'nested (found by the server\'s IN_CHAIN rule; path not known)';
  return `${group.name} (${group.dn}): ${how}`;
}

/** Runs every step with `username` and `password`; never throws (failures are steps). */
export async function testConnection(options: DirectoryOptions, username: string, password: string): Promise<TestReport> {
  const steps: TestStep[] = [];
  const diagnostics: Diagnostic[] = [];
  const finish = (extra: { user?: DirectoryUser; groups?: DirectoryGroup[] } = {}): TestReport => {
    for (const name of STEP_NAMES.slice(steps.length)) steps.push({ name, status: 'skipped', summary: 'not run: an earlier step failed', details: [] });
    return { ok: steps.every((s) => s.status !== 'failed'), steps, diagnostics, ...extra };
  };
  let ctx: DirectoryContext;
  try {
    ctx = resolveOptions(options);
  } catch (error) {
    steps.push(failed('connect', 'the configuration is not usable', error));
    return finish();
  }
  let connection: Connection;
  try {
    connection = await connect(ctx.connection);
  } catch (error) {
    if (error instanceof LDAPError && TLS_CODES.has(error.code)) {
      steps.push({ name: 'connect', status: 'ok', summary: `TCP connection to ${ctx.connection.url} established`, details: [] });
      steps.push(failed('tls', 'the TLS handshake failed', error));
    } else steps.push(failed('connect', `could not connect to ${ctx.connection.url}`, error));
    return finish();
  }
  try {
    steps.push({ name: 'connect', status: 'ok', summary: `connected to ${connection.url}`, details: [] });
    steps.push(tlsStep(ctx, connection));
    try {
      if (ctx.bind === undefined) {
        steps.push({ name: 'service bind', status: 'ok', summary: 'no service account: searching anonymously (permit_unauthenticated_bind)', details: [] });
      } else {
        await connection.bind(ctx.bind.dn, ctx.bind.password, 'service');
        steps.push({ name: 'service bind', status: 'ok', summary: `bound as ${ctx.bind.dn}`, details: [] });
      }
    } catch (error) {
      steps.push(failed('service bind', `the service account bind as ${ctx.bind?.dn ?? '(anonymous)'} failed`, error));
      return finish();
    }
    const records: SearchRecord[] = [];
    const observer: Observer = { search: (record) => records.push(record), diagnostic: (d) => diagnostics.push(d) };
    let user: DirectoryUser;
    try {
      user = await findUserOn(ctx, connection, username, observer);
      const details = [...describeSearches(records, ['user']), `username: ${user.username}`, `display name: ${user.displayName}`, `e-mail: ${user.emails.length === 0 ? '(none)' : user.emails.join(', ')}`, ...diagnostics.map((d) => `note: ${d.message}`)];
      steps.push({ name: 'user search', status: diagnostics.length > 0 ? 'warning' : 'ok', summary: `found ${user.dn}`, details });
    } catch (error) {
      steps.push(failed('user search', `no usable entry for '${username}'`, error, [...describeSearches(records, ['user']), ...diagnostics.map((d) => `note: ${d.message}`)]));
      return finish();
    }
    try {
      await verifyPasswordWith(ctx, user.dn, password);
      steps.push({ name: 'user bind', status: 'ok', summary: `bound as ${user.dn} with the given password`, details: [] });
    } catch (error) {
      steps.push(failed('user bind', `the bind as ${user.dn} failed`, error));
      return finish({ user });
    }
    const before = diagnostics.length;
    records.length = 0;
    try {
      const groups = await groupsOfOn(ctx, connection, user, observer);
      const notes = diagnostics.slice(before).map((d) => `note: ${d.message}`);
      const details = [...describeSearches(records, ['groups']), ...groups.map(describeGroup), ...notes];
      const summary = ctx.groupsFilter === undefined ? 'no groups filter configured' : `${groups.length} ${groups.length === 1 ? 'group' : 'groups'} found`;
      steps.push({ name: 'group search', status: notes.length > 0 ? 'warning' : 'ok', summary, details });
      return finish({ user, groups });
    } catch (error) {
      steps.push(failed('group search', 'the group search failed', error, describeSearches(records, ['groups'])));
      return finish({ user });
    }
  } finally {
    await connection.close();
  }
}

const MARK: Readonly<Record<StepStatus, string>> = { ok: 'ok', warning: 'warning', failed: 'FAILED', skipped: 'skipped' };

/** The report as the test command prints it: one line per step, its details indented below. */
export function formatTestReport(report: TestReport): string {
  const width = Math.max(...report.steps.map((s) => s.name.length));
  const lines = report.steps.flatMap((step) => [
    `[${MARK[step.status]}]${' '.repeat(8 - MARK[step.status].length)} ${step.name.padEnd(width)}  ${step.summary}`,
    ...step.details.map((d) => `${' '.repeat(12 + width)}${d}`),
  ]);
  lines.push(report.ok ? 'LDAP test succeeded.' : 'LDAP test failed.');
  return `${lines.join('\n')}\n`;
}
