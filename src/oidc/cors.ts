// Authelia's CORS rules for the OAuth endpoints (reference §1.1); discovery and /jwks.json are
// public and always allow any origin (discovery.ts).
import type { OIDCConfig } from '../config/types.ts';

const CORS_ROUTES: Record<string, string> = {
  token: 'token', userinfo: 'userinfo', introspection: 'introspection', revocation: 'revocation',
  pushed_authorization_request: 'pushed-authorization-request', authorization: 'authorization',
};

/** Authelia's CORS rules (reference §1.1): only listed endpoints; origins listed, from redirect URIs, or any https. */
export function corsAllowed(oidc: OIDCConfig, route: string, origin: string, redirectURIs: readonly string[]): boolean {
  const endpoint = CORS_ROUTES[route];
  if (!endpoint || !(oidc.cors.endpoints as string[]).includes(endpoint) || origin === 'null') return false;
  const allowed = oidc.cors.allowed_origins;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  const fromRedirects = oidc.cors.allowed_origins_from_client_redirect_uris;
  if (fromRedirects && redirectURIs.some((uri) => { const u = URL.parse(uri); return u !== null && u.hostname !== 'localhost' && u.origin === origin; })) return true;
  return allowed.length === 0 && !fromRedirects && origin.startsWith('https://');
}
