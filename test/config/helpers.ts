// Shared helpers for the configuration tests: fixture paths, loading with an empty environment,
// the `# expect:` header of invalid fixtures, and the check that no issue leaks a secret.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ConfigError, formatIssue, loadConfig, type ConfigIssue, type LoadedConfig } from '../../src/config/index.ts';
import { formatPath, isSecretKey } from '../../src/config/path.ts';
import type { OIDCClientConfig } from '../../src/config/types.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const BASE = `${FIXTURES}base.yml`;
export const VALID = `${FIXTURES}valid/`;
export const INVALID = `${FIXTURES}invalid/`;
export const EXAMPLE = fileURLToPath(new URL('../../config.example.yml', import.meta.url));

/** The *.yml files of a fixture folder, sorted. */
export function fixtureFiles(folder: string): string[] {
  return readdirSync(folder).filter((n) => n.endsWith('.yml')).sort().map((n) => `${folder}${n}`);
}

/** Loads files with an empty environment (the developer's AUTHELIA_* variables must not leak in). */
export function load(files: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<LoadedConfig> {
  return loadConfig({ files, env });
}

/** Loads files that must fail, and returns the ConfigError. */
export async function loadFailure(files: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  try {
    const loaded = await loadConfig({ files, env });
    assert.fail(`expected a ConfigError, but the configuration loaded with ${loaded.warnings.length} warnings`);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

export function client(loaded: LoadedConfig, index = 0): OIDCClientConfig {
  const found = loaded.config.identity_providers?.oidc?.clients?.[index];
  assert.ok(found, `client #${index} exists`);
  return found;
}

/** Issues as the CLI prints them, hints included, for assertion messages. */
export function formatAll(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.severity}: ${formatIssue(i)}`).join('\n');
}

/** The warnings at a formatted path such as 'identity_providers.oidc.clients[0].id'. */
export function warningsAt(issues: readonly ConfigIssue[], path: string): ConfigIssue[] {
  return issues.filter((i) => i.severity === 'warning' && formatPath(i.path) === path);
}

export interface Expectation {
  readonly line: number;
  readonly column: number;
  /** Formatted path, '' for issues about the file itself (YAML syntax). */
  readonly path: string;
  readonly message: string;
  readonly hint?: string | undefined;
}

export interface FixtureHeader {
  readonly expectations: readonly Expectation[];
  /** The real-world mistake the fixture reproduces, when it is one. */
  readonly real?: string | undefined;
}

const EXPECT = /^#\s*expect:\s*(\d+):(\d+)\s+(?:([A-Za-z_][\w.[\]-]*):\s+)?(.+?)\s*$/;
const HINT = /^#\s*hint:\s*(.+?)\s*$/;
const REAL = /^#\s*real:\s*(.+?)\s*$/;

/**
 * Reads the comment lines at the top of an invalid fixture:
 *   # expect: LINE:COLUMN PATH: message substring
 *   # hint: hint substring          (optional, for the expect line above it)
 *   # real: the real-world mistake  (optional)
 */
export function parseHeader(text: string): FixtureHeader {
  const expectations: Expectation[] = [];
  let real: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const expect = EXPECT.exec(line);
    const hint = HINT.exec(line);
    const realMatch = REAL.exec(line);
    if (expect) {
      expectations.push({ line: Number(expect[1]), column: Number(expect[2]), path: expect[3] ?? '', message: expect[4]! });
    } else if (hint) {
      const last = expectations.pop();
      assert.ok(last, `'# hint:' must follow an '# expect:' line: ${line}`);
      expectations.push({ ...last, hint: hint[1] });
    } else if (realMatch) {
      real = realMatch[1];
    }
  }
  return { expectations, real };
}

/** String values under secret keys (client_secret, hmac_secret, encryption_key, jwks key…) in a YAML text. */
export function secretValues(text: string): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string | undefined): void => {
    if (typeof value === 'string') {
      if (isSecretKey(key)) found.push(value);
      // `encryption_key:'…'` without the space after the colon is one string holding a secret.
      const glued = /^(\w+):(\S.*)$/.exec(value);
      if (glued && isSecretKey(glued[1])) found.push(glued[2]!);
    } else if (Array.isArray(value)) {
      value.forEach((item) => walk(item, key));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  // parseDocument recovers what it can from a text with syntax errors, which fixtures have.
  walk(parseDocument(text, { uniqueKeys: false }).toJS(), undefined);
  return found;
}

/** Pieces of a secret that must never be printed: the whole value and each line of a PEM body. */
function secretPieces(secret: string): string[] {
  const lines = secret.split('\n').map((l) => l.trim()).filter((l) => l.length >= 8 && !l.startsWith('-----'));
  return [secret, secret.trim(), ...lines].filter((s) => s.length >= 6);
}

export function assertNoSecrets(issues: readonly ConfigIssue[], secrets: readonly string[]): void {
  for (const issue of issues) {
    const text = `${issue.message}\n${issue.hint ?? ''}`;
    for (const piece of secrets.flatMap(secretPieces)) {
      assert.ok(!text.includes(piece), `an issue shows a secret value:\n${formatIssue(issue)}`);
    }
  }
}
