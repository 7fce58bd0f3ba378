// What every part of the oidc layer shares: the endpoint paths, the provider context (validated
// config, storage, backend, keys, client policies) and the account lookups built on it.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config, OIDCConfig } from '../config/types.ts';
import type { AuthenticationBackend, User } from '../identity/user.ts';
import type { Logger } from '../logging.ts';
import type { Storage } from '../storage/database.ts';
import { usernameForSubject } from '../storage/subjects.ts';
import type { ClientPolicy } from './clients.ts';
import type { SigningKey } from './keys.ts';
import { requiredLevel } from './policy.ts';

export const ROUTES = {
  authorization: '/api/oidc/authorization',
  token: '/api/oidc/token',
  userinfo: '/api/oidc/userinfo',
  introspection: '/api/oidc/introspection',
  revocation: '/api/oidc/revocation',
  pushed_authorization_request: '/api/oidc/pushed-authorization-request',
  end_session: '/api/oidc/end-session',
  jwks: '/jwks.json',
} as const;

export interface ProviderContext {
  readonly config: Config;
  readonly oidc: OIDCConfig;
  readonly issuer: string;
  readonly storage: Storage;
  readonly backend: AuthenticationBackend;
  readonly logger: Logger;
  readonly keys: readonly SigningKey[];
  readonly policies: ReadonlyMap<string, ClientPolicy>;
}

/** Pages oidc-provider renders itself, supplied by the portal (so the oidc layer stays free of HTML). */
export interface ProviderPages {
  error(ctx: KoaContextWithOIDC, out: Record<string, string>): string;
  logout(ctx: KoaContextWithOIDC, form: string): string;
  loggedOut(ctx: KoaContextWithOIDC): string;
}

/** The user behind a public subject identifier, or undefined when unknown or disabled. */
export async function userForSubject(context: ProviderContext, subject: string): Promise<User | undefined> {
  const username = usernameForSubject(context.storage, subject);
  if (!username) return undefined;
  const user = await context.backend.lookup(username);
  return user && !user.disabled ? user : undefined;
}

/** The level a signed-in user needs for this client (deny, one or two factors). */
export function levelFor(context: ProviderContext, policy: ClientPolicy, user: User, ip: string | undefined): ReturnType<typeof requiredLevel> {
  return requiredLevel(policy.authorizationPolicy, user, context.oidc, ip);
}
