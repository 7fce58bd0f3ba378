// Introspection is for confidential clients: RFC 7662 §2.1 requires the caller to be authorized
// and a public client has no credentials (Authelia refuses it too). oidc-provider accepts any
// registered authentication method there, 'none' included, so a public client's call is refused
// here, before any token is looked at: the answer never depends on the token presented.
import type { Context, Next } from 'koa';
import { readBody, replaceBody } from './request-body.ts';
import { ROUTES, type ProviderContext } from './context.ts';

export function introspectionAccess(context: ProviderContext) {
  return async function confidentialIntrospection(ctx: Context, next: Next): Promise<void> {
    // With an Authorization header the client authenticates (or fails to) in oidc-provider.
    if (ctx.path !== ROUTES.introspection || ctx.method !== 'POST' || ctx.get('Authorization') !== '' || !ctx.is('application/x-www-form-urlencoded')) return next();
    const body = await readBody(ctx);
    const params = new URLSearchParams(body);
    if (!params.has('client_assertion') && context.policies.get(params.get('client_id') ?? '')?.isPublic) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_client', error_description: 'public clients may not use the introspection endpoint' };
      return;
    }
    replaceBody(ctx, body);
    await next();
  };
}
