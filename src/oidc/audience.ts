// Authelia's requested audience: a client may ask for audiences from its `audience` allow-list with
// the `audience` parameter (space-separated). In `explicit` mode only what it asks for is granted;
// in `implicit` mode, asking for nothing grants the whole list. The granted audience is stored with
// the grant and reported as `aud` when its access tokens are introspected.
import type { ClientPolicy } from './clients.ts';

export function requestedAudience(value: unknown): string[] {
  return typeof value === 'string' ? [...new Set(value.split(' ').filter((a) => a !== ''))] : [];
}

/** The first requested audience the client may not ask for, if any. */
export function disallowedAudience(policy: ClientPolicy, requested: readonly string[]): string | undefined {
  return requested.find((a) => !policy.audience.includes(a));
}

export function grantedAudience(policy: ClientPolicy, requested: readonly string[]): string[] {
  if (requested.length === 0 && policy.audienceMode === 'implicit') return [...policy.audience];
  return requested.filter((a) => policy.audience.includes(a));
}
