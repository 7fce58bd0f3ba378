// Load step: reads one or more YAML 1.2 files into a ConfigDocument, keeping the line and column
// of every key and value. Later files win: maps are merged deeply, lists and scalars are replaced.
// YAML syntax problems become issues with a hint for the usual mistakes (tabs, indentation).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigDocument, type Origin, type SourceLocation } from './document.ts';
import type { IssueCollector } from './issues.ts';
import type { Path, PathSegment } from './path.ts';

/** Expands `--config` values: comma-separated lists and directories (their *.yml/*.yaml files, sorted). */
export async function expandConfigPaths(values: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const value of values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')) {
    const info = await stat(value).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(value)).filter((n) => /\.ya?ml$/i.test(n)).sort();
      files.push(...names.map((n) => join(value, n)));
    } else {
      files.push(value);
    }
  }
  return files;
}

const YAML_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'YAML does not allow tab characters for indentation: replace each tab with spaces',
  BAD_INDENT: 'check the indentation: keys of the same map must start in the same column, and nested keys further right than their parent',
  MISSING_CHAR: 'a quote or bracket is not closed',
  DUPLICATE_KEY: 'each key may appear only once in a map: remove or merge the duplicate',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; is a colon missing after the previous key, or is a value wrongly indented?',
  BLOCK_AS_IMPLICIT_KEY: 'a nested block cannot be a key; check the indentation and the colons',
  UNEXPECTED_TOKEN: 'check the indentation and that each key is followed by a colon and a space',
  BAD_SCALAR_START: 'a value that starts with a special character (@, `, %, |, >) must be quoted',
};

/** MISSING_CHAR covers unrelated mistakes; these messages get the hint of what they really mean. */
const YAML_MESSAGE_HINTS: readonly (readonly [RegExp, string])[] = [
  [/quote/, 'a quoted value is not closed: add the closing quote'],
  [/sequence item/i, YAML_HINTS['BAD_INDENT']!],
  [/must be followed by map values/, 'each key must be followed by a colon and a space'],
];

function yamlHint(code: string, message: string): string | undefined {
  return YAML_MESSAGE_HINTS.find(([pattern]) => pattern.test(message))?.[1] ?? YAML_HINTS[code];
}

/** Reads every file into one document; returns undefined where a file cannot be read or parsed. */
export async function loadFiles(files: readonly string[], issues: IssueCollector): Promise<ConfigDocument> {
  const merged = new ConfigDocument();
  for (const [order, file] of files.entries()) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'the file does not exist' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
      issues.push({ severity: 'error', path: [], message: `cannot read configuration file: ${reason}`, location: { source: file, order } });
      continue;
    }
    const parsed = parseYAML(text, file, order, issues);
    if (parsed) mergeInto(merged, parsed, []);
  }
  return merged;
}

/** Parses one YAML text; returns a document, or undefined when it has syntax errors (reported). */
export function parseYAML(text: string, source: string, order: number, issues: IssueCollector): ConfigDocument | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, merge: true, uniqueKeys: true, version: '1.2' });
  const at = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { source, order };
    const { line, col } = lineCounter.linePos(offset);
    return { source, line, column: col, order };
  };
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      // The parser may point at the indentation before the offending token: skip it (but not tabs).
      let offset = error.pos[0];
      while (text[offset] === ' ') offset++;
      const detail = error.message.replace(/ at line \d+, column \d+.*$/s, '').trim();
      issues.push({ severity: 'error', path: [], message: `YAML syntax error: ${detail}`, hint: yamlHint(error.code, detail), location: at(offset) });
    }
    return undefined;
  }
  const root = doc.contents;
  const result = new ConfigDocument();
  if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) return result;
  if (!isMap(root)) {
    issues.push({ severity: 'error', path: [], message: 'the configuration must be a map of keys (such as `server:` and `identity_providers:`) but the file holds a single value or a list', location: at(root.range?.[0]) });
    return undefined;
  }
  const data = doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>;
  result.data = data ?? {};
  recordOrigins(doc, root, [], result, at);
  return result;
}

function recordOrigins(doc: Document, node: Node, path: Path, target: ConfigDocument, at: (o: number | undefined) => SourceLocation): void {
  const resolved = isAlias(node) ? (node.resolve(doc) as Node | undefined) : node;
  if (!resolved) return;
  if (isMap(resolved)) {
    for (const pair of resolved.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? keyNode.value : keyNode;
      // With `merge: true` the parser gives merge keys the value Symbol('<<').
      const isMergeKey = key === '<<' || (typeof key === 'symbol' && key.description === '<<');
      if (isMergeKey && pair.value) {
        // Merge keys: positions of merged entries point at the anchor they came from, unless set here.
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const source of sources) recordMerged(doc, source as Node, path, target, at);
        continue;
      }
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') continue;
      const childPath = [...path, String(key)];
      const valueNode = pair.value as Node | null;
      const origin: Origin = { key: at(keyNode?.range?.[0]), value: at(valueNode?.range?.[0] ?? keyNode?.range?.[1]) };
      target.setOrigin(childPath, origin);
      if (valueNode) recordOrigins(doc, valueNode, childPath, target, at);
    }
  } else if (isSeq(resolved)) {
    resolved.items.forEach((item, index) => {
      const itemNode = item as Node;
      target.setOrigin([...path, index], { value: at(itemNode.range?.[0]) });
      recordOrigins(doc, itemNode, [...path, index], target, at);
    });
  }
}

function recordMerged(doc: Document, node: Node, path: Path, target: ConfigDocument, at: (o: number | undefined) => SourceLocation): void {
  const scratch = new ConfigDocument();
  recordOrigins(doc, node, path, scratch, at);
  copyMissingOrigins(scratch, target, path);
}

function copyMissingOrigins(from: ConfigDocument, to: ConfigDocument, under: Path): void {
  for (const { path, origin } of from.entries()) if (path.length > under.length && !to.origin(path)) to.setOrigin(path, origin);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep-merges `source` into `target` at `path`: maps merge, anything else replaces. */
export function mergeInto(target: ConfigDocument, source: ConfigDocument, path: PathSegment[]): void {
  const value = source.get(path);
  if (path.length > 0 && !(isPlainObject(value) && isPlainObject(target.get(path)))) {
    target.set(path, structuredClone(value));
    for (const entry of source.entries()) if (entry.path.length >= path.length && path.every((s, i) => s === entry.path[i])) target.setOrigin(entry.path, entry.origin);
    return;
  }
  if (path.length > 0) {
    const origin = source.origin(path);
    if (origin) target.setOrigin(path, origin);
  }
  if (isPlainObject(value)) for (const key of Object.keys(value)) mergeInto(target, source, [...path, key]);
}
