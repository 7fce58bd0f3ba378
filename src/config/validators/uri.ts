// URI checks shared by redirect URIs, logout URIs, sector identifiers, JWKS URIs and CORS origins.
import { isIP } from 'node:net';

export const OOB_URI = 'urn:ietf:wg:oauth:2.0:oob';

export function parseURI(value: string): URL | undefined {
  // Only absolute URIs with a scheme parse; `kasm.example.com/api/oidc_callback` does not.
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1: the hosts where plain http is acceptable (RFC 8252 §7.3). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

export type RedirectURIProblem = { message: string; hint?: string };

/** The problems of one redirect-style URI, in the project's message grammar. */
export function redirectURIProblems(value: string, options: { isPublic: boolean; allowHTTP: boolean }): RedirectURIProblem[] {
  if (value === OOB_URI) {
    return options.isPublic ? [] : [{ message: `must not be '${OOB_URI}' for a confidential client: the out-of-band URI is only valid for public clients`, hint: "set 'public: true' or use a real redirect URI" }];
  }
  if (/\s/.test(value)) return [{ message: `must not contain white space but is configured as '${value.replace(/\n/g, '\\n')}'`, hint: 'remove the spaces or line breaks; check the quotes' }];
  const url = parseURI(value);
  if (!url) {
    const looksLikeHost = /^[\w.-]+\.[a-z]{2,}(?::\d+)?(?:\/|$)/i.test(value);
    return [{ message: `must be an absolute URI with a scheme but is '${value}'`, hint: looksLikeHost ? `add the scheme, e.g. 'https://${value}'` : "a redirect URI looks like 'https://app.example.com/callback'" }];
  }
  const problems: RedirectURIProblem[] = [];
  if (url.hash !== '' || value.includes('#')) problems.push({ message: `must not contain a fragment but is '${value}'`, hint: 'remove everything from the # on (RFC 6749 §3.1.2)' });
  if (url.username !== '' || url.password !== '') problems.push({ message: 'must not contain a user name or password', hint: "remove the 'user:password@' part" });
  if (url.protocol === 'http:' && !options.allowHTTP && !isLoopbackHost(url.hostname)) {
    problems.push({ message: `must use https for a host that is not loopback but is '${value}'`, hint: "use https; plain http is accepted only for localhost and 127.0.0.1, or for this client when 'allow_insecure_redirect_uris: true' is set" });
  }
  return problems;
}
