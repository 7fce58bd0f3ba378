// Configuration paths: a list of keys and list indexes, printed the way users read them,
// e.g. ['identity_providers', 'oidc', 'clients', 1, 'redirect_uris', 0]
//   → identity_providers.oidc.clients[1].redirect_uris[0]
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Converts an ajv instancePath (a JSON pointer) to a Path, using the data to tell indexes from keys. */
export function pathFromPointer(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      path.push(index);
      node = node[index];
    } else {
      path.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}

export function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}

const SECRET_SUFFIXES = ['key', 'secret', 'password', 'token', 'certificate_chain'];

/** Keys whose values are secrets by Authelia's naming rule (they also accept a `_FILE` env variant). */
export function isSecretKey(key: PathSegment | undefined): boolean {
  return typeof key === 'string' && SECRET_SUFFIXES.some((suffix) => key === suffix || key.endsWith(`_${suffix}`));
}
