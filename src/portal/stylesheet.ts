// The portal stylesheet as a served asset: its text, a strong ETag from its SHA-256, and a URL that
// carries a content hash so it can be cached as immutable and still change on upgrade.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Where the route serves the stylesheet; the `v` query parameter is the content hash. */
export const STYLESHEET_PATH = '/static/castellan.css';

const SOURCE = new URL('./assets/castellan.css', import.meta.url);

export interface Stylesheet {
  readonly text: string;
  /** A strong ETag, quoted as the header wants it: "sha256-<base64url>". */
  readonly etag: string;
  /** STYLESHEET_PATH with `?v=<first 16 hex digits of the SHA-256>`. */
  readonly url: string;
}

let loaded: Stylesheet | undefined;

/** The stylesheet, read from disk once per process. */
export function stylesheet(): Stylesheet {
  if (!loaded) {
    const text = readFileSync(SOURCE, 'utf8');
    const digest = createHash('sha256').update(text, 'utf8').digest();
    loaded = Object.freeze({
      text,
      etag: `"sha256-${digest.toString('base64url')}"`,
      url: `${STYLESHEET_PATH}?v=${digest.toString('hex').slice(0, 16)}`,
    });
  }
  return loaded;
}
