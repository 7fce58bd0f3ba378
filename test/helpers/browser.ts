// A minimal scripted browser for protocol tests: fetch with a cookie jar and manual redirects, and
// helpers to read and submit the portal's forms. Real pages are tested in Chromium elsewhere.

export interface Response {
  readonly status: number;
  readonly url: string;
  readonly location: string | undefined;
  readonly headers: Headers;
  readonly body: string;
}

export class Browser {
  private readonly cookies = new Map<string, Map<string, string>>();
  private readonly extraHeaders: Readonly<Record<string, string>>;

  /** `extraHeaders` go with every request (e.g. X-Forwarded-For as a proxy would add it). */
  constructor(extraHeaders: Readonly<Record<string, string>> = {}) {
    this.extraHeaders = extraHeaders;
  }

  private cookieHeader(url: URL): string {
    const jar = this.cookies.get(url.host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  private store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      const jar = this.cookies.get(url.host) ?? new Map<string, string>();
      const expired = attributes.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
      this.cookies.set(url.host, jar);
    }
  }

  cookieNames(host: string): string[] {
    return [...(this.cookies.get(host)?.keys() ?? [])];
  }

  async request(method: string, target: string, body?: URLSearchParams): Promise<Response> {
    const url = new URL(target);
    const headers: Record<string, string> = { ...this.extraHeaders };
    const cookie = this.cookieHeader(url);
    if (cookie) headers['cookie'] = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method, headers, body: body?.toString(), redirect: 'manual' });
    this.store(url, response.headers);
    const location = response.headers.get('location') ?? undefined;
    return { status: response.status, url: url.href, location: location ? new URL(location, url).href : undefined, headers: response.headers, body: await response.text() };
  }

  get(url: string): Promise<Response> {
    return this.request('GET', url);
  }

  post(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request('POST', url, new URLSearchParams(fields));
  }

  /** Follows redirects until a non-redirect response or a URL that `stop` accepts. */
  async follow(response: Response, stop: (url: string) => boolean = () => false, limit = 10): Promise<Response> {
    let current = response;
    for (let i = 0; i < limit && current.location && current.status >= 300 && current.status < 400; i++) {
      if (stop(current.location)) return current;
      current = await this.get(current.location);
    }
    return current;
  }
}

/** The value of an input by name in a page's HTML (portal forms are simple and well-formed). */
export function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0];
  return tag ? /value="([^"]*)"/.exec(tag)?.[1]?.replace(/&amp;/g, '&').replace(/&quot;/g, '"') : undefined;
}

/** The action of the form that contains the element with the given id. */
export function formAction(html: string, elementID: string): string | undefined {
  const at = html.indexOf(`id="${elementID}"`);
  if (at === -1) return undefined;
  const start = html.lastIndexOf('<form', at);
  return /action="([^"]*)"/.exec(html.slice(start, at))?.[1]?.replace(/&amp;/g, '&');
}
