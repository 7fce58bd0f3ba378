// Configuration problems: every one found in a run is collected, then reported together as
// `FILE:LINE:COLUMN PATH: message` with an optional hint. Messages never contain secret values.
import { formatPath, type Path } from './path.ts';
import type { SourceLocation } from './document.ts';

export type Severity = 'error' | 'warning';

export interface ConfigIssue {
  readonly severity: Severity;
  readonly path: Path;
  readonly message: string;
  readonly hint?: string | undefined;
  readonly location?: SourceLocation | undefined;
}

export function formatLocation(location: SourceLocation | undefined): string {
  if (!location) return '';
  if (location.line === undefined) return location.source;
  return `${location.source}:${location.line}:${location.column ?? 1}`;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = formatLocation(issue.location);
  const path = formatPath(issue.path);
  const head = [where, path === '' ? '' : `${path}:`].filter((s) => s !== '').join(' ');
  const text = head === '' ? issue.message : `${head} ${issue.message}`;
  return issue.hint ? `${text}\n    hint: ${issue.hint}` : text;
}

/** Thrown when the configuration has at least one error; carries every issue (warnings too). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    const errors = issues.filter((i) => i.severity === 'error');
    super(`configuration has ${errors.length} ${errors.length === 1 ? 'error' : 'errors'}`);
    this.issues = issues;
  }
  get errors(): ConfigIssue[] {
    return this.issues.filter((i) => i.severity === 'error');
  }
  get warnings(): ConfigIssue[] {
    return this.issues.filter((i) => i.severity === 'warning');
  }
}

/** Collects issues; a location is looked up from the path when the caller does not give one. */
export class IssueCollector {
  readonly issues: ConfigIssue[] = [];
  private readonly locate: (path: Path, preferKey: boolean) => SourceLocation | undefined;

  constructor(locate: (path: Path, preferKey: boolean) => SourceLocation | undefined = () => undefined) {
    this.locate = locate;
  }

  error(path: Path, message: string, hint?: string, options: { atKey?: boolean } = {}): void {
    this.add('error', path, message, hint, options.atKey ?? false);
  }

  warn(path: Path, message: string, hint?: string, options: { atKey?: boolean } = {}): void {
    this.add('warning', path, message, hint, options.atKey ?? false);
  }

  push(issue: ConfigIssue): void {
    this.issues.push(issue);
  }

  get hasErrors(): boolean {
    return this.issues.some((i) => i.severity === 'error');
  }

  private add(severity: Severity, path: Path, message: string, hint: string | undefined, atKey: boolean): void {
    this.issues.push({ severity, path, message, hint, location: this.locate(path, atKey) });
  }
}

/** Orders issues by file and position so the report reads top to bottom. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => {
    const order = (a.location?.order ?? Number.MAX_SAFE_INTEGER) - (b.location?.order ?? Number.MAX_SAFE_INTEGER);
    return order || (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0);
  });
}
