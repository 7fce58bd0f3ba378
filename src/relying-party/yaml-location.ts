// Reads YAML with the `yaml` package and keeps a way back from a configuration path to the line and
// column where it was written, so a validation problem can point at the user's text.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Where a path was written: its value, or its key when `atKey` (or the nearest ancestor that exists). */
export type Locate = (path: Path, atKey?: boolean) => Position | undefined;

export interface YAMLSource {
  /** The document as plain data (undefined when it has syntax errors). */
  readonly data: unknown;
  readonly locate: Locate;
  /** Syntax errors, in order. */
  readonly errors: readonly (Position & { readonly message: string })[];
}

function child(node: unknown, segment: PathSegment): { key?: Node; value: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
    return pair ? { key: pair.key as Node, value: pair.value } : undefined;
  }
  if (isSeq(node) && typeof segment === 'number') return segment < node.items.length ? { value: node.items[segment] } : undefined;
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

export function readYAML(text: string): YAMLSource {
  const lineCounter = new LineCounter();
  const document: Document = parseDocument(text, { lineCounter, prettyErrors: false });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate: Locate = (path, atKey = false) => {
    let node: unknown = document.contents;
    let offset = rangeStart(node);
    for (const [index, segment] of path.entries()) {
      const next = child(node, segment);
      // A missing key (e.g. a required one) is reported where its parent map starts.
      if (!next) break;
      const last = index === path.length - 1;
      offset = (last && atKey ? rangeStart(next.key) : undefined) ?? rangeStart(next.value) ?? rangeStart(next.key) ?? offset;
      node = next.value;
    }
    return offset === undefined ? undefined : position(offset);
  };
  const errors = document.errors.map((error) => ({ ...position(error.pos[0]), message: error.message.split('\n')[0] ?? error.message }));
  return { data: errors.length === 0 ? document.toJS() : undefined, locate, errors };
}
