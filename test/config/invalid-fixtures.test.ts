// Every fixture in fixtures/invalid/ is loaded on top of fixtures/base.yml and must fail with exactly
// the errors its `# expect:` lines declare, at that line and column of the fixture, and no other
// error. Warnings may appear. No message or hint may show a secret value of the fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { formatIssue, type ConfigIssue } from '../../src/config/index.ts';
import { formatPath } from '../../src/config/path.ts';
import { assertNoSecrets, BASE, fixtureFiles, formatAll, INVALID, loadFailure, parseHeader, secretValues, type Expectation } from './helpers.ts';

const FILES = fixtureFiles(INVALID);

function matches(issue: ConfigIssue, expected: Expectation, file: string): boolean {
  return issue.severity === 'error'
    && issue.location?.source === file
    && issue.location.line === expected.line
    && issue.location.column === expected.column
    && formatPath(issue.path) === expected.path
    && issue.message.includes(expected.message)
    && (expected.hint === undefined || (issue.hint ?? '').includes(expected.hint));
}

function describeExpectation(e: Expectation): string {
  return `${e.line}:${e.column} ${e.path === '' ? '' : `${e.path}: `}${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}`;
}

test('there are at least 60 invalid fixtures, at least 10 of them real-world mistakes', () => {
  assert.ok(FILES.length >= 60, `${FILES.length} fixtures`);
  const real = FILES.filter((f) => parseHeader(readFileSync(f, 'utf8')).real !== undefined);
  assert.ok(real.length >= 10, `${real.length} real-world fixtures`);
});

for (const file of FILES) {
  test(`invalid fixture ${basename(file)}`, async () => {
    const text = readFileSync(file, 'utf8');
    const { expectations } = parseHeader(text);
    assert.ok(expectations.length > 0, 'the fixture declares at least one "# expect:" line');

    const error = await loadFailure([BASE, file]);
    const unmatched = error.errors;
    for (const expected of expectations) {
      const index = unmatched.findIndex((issue) => matches(issue, expected, file));
      assert.ok(index >= 0, `expected error not reported: ${describeExpectation(expected)}\nreported:\n${formatAll(error.issues)}`);
      unmatched.splice(index, 1);
    }
    assert.deepEqual(unmatched.map((i) => formatIssue(i)), [], 'no errors beyond the declared ones');
    assertNoSecrets(error.issues, [...secretValues(text), ...secretValues(readFileSync(BASE, 'utf8'))]);
  });
}
