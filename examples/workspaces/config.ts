// The Workspaces demo app's configuration file: YAML validated by schemas/workspaces.schema.json for the
// app's own keys, and by the relying-party module for `oidc`, `ldap` and `groups`. Every problem of both is
// collected and reported at once as `FILE:LINE:COLUMN path: message`.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parseListenAddress } from '../../src/config/validators/sections.ts';
import { formatPath } from '../../src/relying-party/config.ts';
import {
  DEFAULTS, formatProblem, ldapConfigWarnings, parseRelyingPartySettings, readYAML, RelyingPartyConfigError,
  type AppGroup, type ConfigProblem, type Locate, type Path, type RelyingPartySettings,
} from '../../src/relying-party/index.ts';

/** Groups every Workspaces install has (Kasm's system groups); every user is in ALL_USERS. */
export const ALL_USERS = 'All Users';
export const ADMINISTRATORS = 'Administrators';
const SYSTEM_GROUPS = [ALL_USERS, ADMINISTRATORS] as const;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface LocalUser {
  readonly username: string;
  /** A password digest. */
  readonly password: string;
  readonly email?: string;
  readonly groups: readonly string[];
}

export interface WorkspacesConfig {
  readonly server: { readonly host: string; readonly port: number };
  readonly logLevel: LogLevel;
  readonly storagePath: string;
  readonly sessionSecret: string;
  readonly localUsers: readonly LocalUser[];
  /** `oidc`, `ldap` and `groups`, defaults applied; groups include All Users and Administrators. */
  readonly relyingParty: RelyingPartySettings;
  /** Valid but weak settings (e.g. an ldap:// URL without StartTLS), for the log at start. */
  readonly warnings: readonly string[];
}

/** Thrown with every problem found; `message` lists them one per line. */
export class WorkspacesConfigError extends Error {
  override readonly name = 'WorkspacesConfigError';
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], source: string) {
    super(`${source}: the configuration has ${problems.length} ${problems.length === 1 ? 'error' : 'errors'}:\n${problems.map((p) => formatProblem(p, source)).join('\n')}`);
    this.problems = problems;
  }
}

function schema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const VALIDATE = (() => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  ajv.addSchema(schema('relying-party.schema.json'), 'relying-party.schema.json');
  return ajv.compile(schema('workspaces.schema.json'));
})();

/** The module checks these itself, with its cross-field rules; the app's schema only names them. */
const MODULE_KEYS = new Set(['oidc', 'ldap', 'groups']);

function pathOf(pointer: string): Path {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((key) => (/^\d+$/.test(key) ? Number(key) : key.replace(/~1/g, '/').replace(/~0/g, '~')));
}

/** One schema error in the module's grammar; `key` when it is about a key of the object at the path. */
function schemaMessage(error: ErrorObject): { message: string; key?: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': return { key: String(params['missingProperty']), message: 'is required but is not set' };
    case 'additionalProperties': return { key: String(params['additionalProperty']), message: 'configuration key not expected' };
    case 'pattern': return { message: `must match ${String(params['pattern'])}` };
    case 'minLength': return { message: `must be at least ${String(params['limit'])} characters long` };
    default: return { message: error.message ?? 'is invalid' };
  }
}

function appSchemaProblems(data: unknown, locate: Locate): ConfigProblem[] {
  if (VALIDATE(data)) return [];
  const problems: ConfigProblem[] = [];
  for (const error of VALIDATE.errors ?? []) {
    const path = pathOf(error.instancePath);
    if (MODULE_KEYS.has(String(path[0]))) continue;
    const { message, key } = schemaMessage(error);
    const full = key === undefined ? path : [...path, key];
    problems.push({ path: formatPath(full), message, ...locate(full, key !== undefined) });
  }
  return problems;
}

function moduleProblems(data: Record<string, unknown>, locate: Locate): { settings?: RelyingPartySettings; problems: readonly ConfigProblem[] } {
  try {
    return { settings: parseRelyingPartySettings({ oidc: data['oidc'] ?? [], ldap: data['ldap'] ?? [], groups: data['groups'] ?? [] }, { locate }), problems: [] };
  } catch (error) {
    if (error instanceof RelyingPartyConfigError) return { problems: error.problems };
    throw error;
  }
}

/** The configured groups plus the system groups that are not listed (Kasm's default priority). */
function withSystemGroups(groups: readonly AppGroup[]): AppGroup[] {
  const missing = SYSTEM_GROUPS.filter((name) => !groups.some((group) => group.name === name));
  return [...groups, ...missing.map((name) => ({ name, priority: DEFAULTS.priority, settings: {}, sso_mappings: [] }))];
}

/** Rules between the app's keys and the groups, checked once both are valid. */
function crossFieldProblems(data: Record<string, unknown>, groups: readonly AppGroup[], locate: Locate): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: Path, message: string): void => void problems.push({ path: formatPath(path), message, ...locate(path) });
  for (const [index, group] of groups.entries()) {
    const system = SYSTEM_GROUPS.find((name) => name.toLowerCase() === group.name.toLowerCase());
    if (system !== undefined && system !== group.name) add(['groups', index, 'name'], `must be spelled '${system}' (a system group) but is configured as '${group.name}'`);
  }
  const names = new Set(groups.map((group) => group.name));
  const seen = new Map<string, number>();
  for (const [index, user] of ((data['local_users'] as LocalUser[] | undefined) ?? []).entries()) {
    const first = seen.get(user.username);
    if (first !== undefined) add(['local_users', index, 'username'], `must be unique but '${user.username}' is also local_users[${first}]`);
    else seen.set(user.username, index);
    for (const [g, name] of (user.groups ?? []).entries()) {
      if (!names.has(name)) add(['local_users', index, 'groups', g], `must be the name of a group (${[...names].map((n) => `'${n}'`).join(', ')}) but is configured as '${name}'`);
    }
  }
  const address = (data['server'] as { address: string }).address;
  if (!parseListenAddress(address)) add(['server', 'address'], `must have a port from 0 to 65535 but is configured as '${address}'`);
  return problems;
}

/** Parses and validates the YAML text of a configuration file named `source`. */
export function parseWorkspacesConfig(text: string, source: string): WorkspacesConfig {
  const yaml = readYAML(text);
  if (yaml.errors.length > 0) throw new WorkspacesConfigError(yaml.errors.map((e) => ({ path: '', message: `is not valid YAML: ${e.message}`, line: e.line, column: e.column })), source);
  const data = (yaml.data ?? {}) as Record<string, unknown>;
  const own = appSchemaProblems(data, yaml.locate);
  const rp = moduleProblems(data, yaml.locate);
  const problems = [...own, ...rp.problems];
  const groups = rp.settings ? withSystemGroups(rp.settings.groups) : [];
  if (problems.length === 0) problems.push(...crossFieldProblems(data, groups, yaml.locate));
  if (problems.length > 0 || !rp.settings) throw new WorkspacesConfigError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), source);
  const server = parseListenAddress((data['server'] as { address: string }).address)!;
  const users = (data['local_users'] as LocalUser[] | undefined) ?? [];
  return {
    server: { host: server.host, port: server.port },
    logLevel: (data['log'] as { level?: LogLevel } | undefined)?.level ?? 'info',
    storagePath: (data['storage'] as { path: string }).path,
    sessionSecret: data['session_secret'] as string,
    localUsers: users.map((user) => ({ ...user, groups: user.groups ?? [] })),
    relyingParty: { oidc: rp.settings.oidc, ldap: rp.settings.ldap, groups },
    warnings: rp.settings.ldap.flatMap(ldapConfigWarnings),
  };
}

export function loadWorkspacesConfig(file: string): WorkspacesConfig {
  return parseWorkspacesConfig(readFileSync(file, 'utf8'), file);
}
