// The configuration as plain data plus where every value came from (file, line, column, or an
// environment variable). Loading, merging, env overrides and renames all go through this class
// so that every later error can point at the line the user wrote.
import { formatPath, isPrefix, type Path, type PathSegment } from './path.ts';

export interface SourceLocation {
  /** File name as given on the command line, or `environment variable NAME`. */
  readonly source: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  /** Load order of the source, so reports list files in the order they were given. */
  readonly order?: number | undefined;
}

export interface Origin {
  /** Where the value starts. */
  readonly value: SourceLocation;
  /** Where its key starts (for map entries). */
  readonly key?: SourceLocation | undefined;
}

export type Data = Record<string, unknown>;

export class ConfigDocument {
  data: Data = {};
  private readonly origins = new Map<string, { path: Path; origin: Origin }>();

  get(path: Path): unknown {
    let node: unknown = this.data;
    for (const segment of path) {
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<PathSegment, unknown>)[segment];
    }
    return node;
  }

  has(path: Path): boolean {
    if (path.length === 0) return true;
    const parent = this.get(path.slice(0, -1));
    return parent !== null && typeof parent === 'object' && Object.hasOwn(parent, path[path.length - 1]!);
  }

  /** Sets a value, creating maps on the way; origins of whatever it replaces are forgotten. */
  set(path: Path, value: unknown, origin?: Origin): void {
    if (path.length === 0) throw new Error('cannot replace the document root');
    let node = this.data as Record<PathSegment, unknown>;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (next === null || typeof next !== 'object') node[segment] = {};
      node = node[segment] as Record<PathSegment, unknown>;
    }
    node[path[path.length - 1]!] = value;
    this.forget(path);
    if (origin) this.setOrigin(path, origin);
  }

  delete(path: Path): void {
    const parent = this.get(path.slice(0, -1));
    if (parent !== null && typeof parent === 'object') delete (parent as Record<PathSegment, unknown>)[path[path.length - 1]!];
    this.forget(path);
  }

  /** Moves a value and the origins beneath it to a new path (used for deprecated key names). */
  move(from: Path, to: Path): void {
    const value = this.get(from);
    const moved = [...this.origins.values()].filter((o) => isPrefix(from, o.path));
    this.delete(from);
    this.set(to, value);
    for (const { path, origin } of moved) this.setOrigin([...to, ...path.slice(from.length)], origin);
  }

  setOrigin(path: Path, origin: Origin): void {
    this.origins.set(formatPath(path), { path: [...path], origin });
  }

  entries(): IterableIterator<{ path: Path; origin: Origin }> {
    return this.origins.values();
  }

  origin(path: Path): Origin | undefined {
    return this.origins.get(formatPath(path))?.origin;
  }

  /** The location of `path`, or of its nearest ancestor that has one. */
  locate(path: Path, preferKey = false): SourceLocation | undefined {
    for (let n = path.length; n >= 0; n--) {
      const origin = this.origin(path.slice(0, n));
      if (origin) return (preferKey || n < path.length ? origin.key : undefined) ?? origin.value;
    }
    // A map created by a rename (jwt_secret → identity_validation.reset_password.jwt_secret) has no
    // origin of its own: point at the first value that was moved into it.
    for (const entry of this.origins.values()) if (isPrefix(path, entry.path)) return entry.origin.key ?? entry.origin.value;
    return undefined;
  }

  private forget(path: Path): void {
    for (const [key, entry] of this.origins) if (isPrefix(path, entry.path)) this.origins.delete(key);
  }
}
