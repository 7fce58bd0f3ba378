// The load generator's HTTP client: node:http over one keep-alive Agent per load process, and a
// cookie jar per virtual user that honours Path and expiry (oidc-provider scopes its interaction
// and resume cookies to their paths).
import { Agent, request } from 'node:http';

export interface Reply {
  readonly status: number;
  readonly location: string | undefined;
  readonly setCookie: readonly string[];
  readonly body: string;
}

export function keepAliveAgent(connections: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'lifo' });
}

interface Cookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
}

export class CookieJar {
  private readonly cookies = new Map<string, Cookie>();

  header(path: string): string | undefined {
    const pairs: string[] = [];
    for (const cookie of this.cookies.values()) if (path.startsWith(cookie.path)) pairs.push(`${cookie.name}=${cookie.value}`);
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  store(lines: readonly string[]): void {
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', raw = ''] = attribute.split('=');
        const k = key.trim().toLowerCase();
        if (k === 'path') path = raw.trim() || '/';
        else if (k === 'max-age' && Number(raw) <= 0) expired = true;
        else if (k === 'expires' && Date.parse(raw) <= Date.now()) expired = true;
      }
      const key = `${name}\u0000${path}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly jar?: CookieJar;
}

/** One request; resolves with the whole body as text. Redirects are not followed. */
export function send(agent: Agent, url: URL, options: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const cookie = options.jar?.header(url.pathname);
  if (cookie) headers['cookie'] = cookie;
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = request({ agent, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const setCookie = res.headers['set-cookie'] ?? [];
        options.jar?.store(setCookie);
        const location = res.headers.location;
        resolve({ status: res.statusCode ?? 0, location: location ? new URL(location, url).href : undefined, setCookie, body: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
