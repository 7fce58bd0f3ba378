// `castellan validate-config` as a user runs it: a child process, its exit code and its output.
// 0 and one success line for a valid configuration, 1 and one `error: FILE:LINE:COLUMN PATH:
// message` line per error for an invalid one, 2 and one line on stderr for a usage mistake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BASE, EXAMPLE, INVALID, parseHeader, VALID } from '../config/helpers.ts';

const CLI = fileURLToPath(new URL('../../bin/castellan.js', import.meta.url));
const SUCCESS = 'Configuration parsed and loaded successfully without errors.';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without the caller's AUTHELIA_/CASTELLAN_ variables. */
function castellan(...args: string[]): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(X_)?(AUTHELIA|CASTELLAN)_/.test(name)));
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

test('config.example.yml: exit 0 and the success line', async () => {
  const run = await castellan('validate-config', '--config', EXAMPLE);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lines(run.stdout), [SUCCESS]);
  assert.equal(run.stderr, '');
});

test('a valid fixture with deprecated names: exit 0, the success line, and the warnings on stderr', async () => {
  const run = await castellan('validate-config', '-c', `${VALID}authelia-reference-prerelease.yml`);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lines(run.stdout), [SUCCESS]);
  const warnings = lines(run.stderr).filter((l) => l.startsWith('warning: '));
  assert.equal(warnings.length, 11);
  assert.match(warnings[0]!, /^warning: \S+authelia-reference-prerelease\.yml:\d+:9 identity_providers\.oidc\.clients\[0\]\.id: is deprecated in Authelia 4\.38/);
});

test('an invalid configuration: exit 1 and every error as FILE:LINE:COLUMN PATH: message', async () => {
  const fixture = `${INVALID}155-client-many-mistakes.yml`;
  const { expectations } = parseHeader(readFileSync(fixture, 'utf8'));
  const run = await castellan('validate-config', '--config', BASE, '--config', fixture);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  const errors = lines(run.stderr).filter((l) => l.startsWith('error: '));
  assert.equal(errors.length, expectations.length, run.stderr);
  expectations.forEach((expected, i) => {
    assert.ok(errors[i]!.startsWith(`error: ${fixture}:${expected.line}:${expected.column} ${expected.path}: ${expected.message}`), `${errors[i]}\nexpected ${expected.line}:${expected.column} ${expected.path}: ${expected.message}`);
  });
  assert.ok(lines(run.stderr).some((l) => l.startsWith('    hint: ')), 'hints are printed under their error');
  assert.equal(lines(run.stderr).at(-1), `Configuration has ${expectations.length} errors and 0 warnings.`);
  assert.ok(!run.stderr.includes('$pbkdf2-sha512$310000$c8p78n7p'), 'the client secret is never printed');
});

test('comma-separated files and the Authelia 4.39 name `config validate`', async () => {
  const run = await castellan('config', 'validate', '--config', `${BASE},${INVALID}131-client-redirect-no-scheme.yml`);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: \S+131-client-redirect-no-scheme\.yml:11:13 identity_providers\.oidc\.clients\[0\]\.redirect_uris\[0\]: must be an absolute URI with a scheme but is 'kasm\.example\.com\/api\/oidc_callback'$/m);
});

test('a YAML syntax error: exit 1 with its position', async () => {
  const fixture = `${INVALID}001-yaml-tab-indentation.yml`;
  const run = await castellan('validate-config', '--config', fixture);
  assert.equal(run.code, 1);
  assert.equal(lines(run.stderr)[0], `error: ${fixture}:7:1 YAML syntax error: Tabs are not allowed as indentation`);
});

test('an unknown flag: exit 2 and one line on stderr', async () => {
  const run = await castellan('validate-config', '--konfig', EXAMPLE);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.equal(lines(run.stderr).length, 1, run.stderr);
  assert.match(run.stderr, /--konfig/);
});

test('--help: exit 0 and the usage on stdout', async () => {
  const run = await castellan('validate-config', '--help');
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^Usage: castellan validate-config \[--config FILE\]\.\.\./);
  assert.match(run.stdout, /-c, --config FILE/);
  assert.equal(run.stderr, '');
});
