// The portal's own routes (everything that is not an oidc-provider endpoint or a sign-in step):
// the health check, the stylesheet, and the home page with sign-out; plus the pages oidc-provider
// renders itself (errors, logout confirmation), in the portal's look.
import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { userForSubject, type ProviderContext, type ProviderPages } from '../oidc/context.ts';
import type { Storage } from '../storage/database.ts';
import { csrfToken, verifyCSRF } from './csrf.ts';
import { allowFormAction } from './security-headers.ts';
import { field, readForm } from './form.ts';
import { stylesheet, STYLESHEET_PATH } from './stylesheet.ts';
import { renderError } from './views/error.ts';
import { renderLoggedOut, renderLogoutConfirm } from './views/logout.ts';
import { renderSignedIn } from './views/signed-in.ts';
import { renderPage } from './layout.ts';
import { html } from './html.ts';


function nonceOf(ctx: Context): string {
  return ctx.state['cspNonce'] as string;
}

const ERROR_TEXT: Record<string, { title: string; hint?: string }> = {
  invalid_redirect_uri: { title: 'Unregistered redirect URI', hint: 'The application asked to return to an address it has not registered with this server. Its administrator must add the exact URI to redirect_uris.' },
  invalid_client: { title: 'Unknown application', hint: 'The application is not registered with this server, or its registration is wrong.' },
  invalid_request: { title: 'Invalid request', hint: 'Go back to the application and try again; if it keeps happening, tell its administrator.' },
  access_denied: { title: 'Access denied' },
};

/** Pages oidc-provider renders, in the portal's look. */
export function portalPages(): ProviderPages {
  return {
    error(ctx: KoaContextWithOIDC, out: Record<string, string>): string {
      const code = out['error'] ?? 'server_error';
      const text = ERROR_TEXT[code] ?? { title: 'Something went wrong' };
      const status = ctx.status >= 400 ? ctx.status : 400;
      return renderError({ status, title: text.title, message: out['error_description'] ?? code, hint: text.hint, nonce: nonceOf(ctx) });
    },
    logout(ctx: KoaContextWithOIDC, form: string): string {
      const action = /action="([^"]+)"/.exec(form)?.[1] ?? '';
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
      const clientName = ctx.oidc.client?.clientName ?? undefined;
      // Confirming redirects to the client's registered post_logout_redirect_uri (checked by oidc-provider).
      const back = ctx.oidc.params?.['post_logout_redirect_uri'];
      if (typeof back === 'string' && ctx.oidc.client?.postLogoutRedirectUriAllowed(back)) allowFormAction(ctx, back);
      return renderLogoutConfirm({ action: action.replace(/&amp;/g, '&'), csrfToken: xsrf, clientName, nonce: nonceOf(ctx) });
    },
    loggedOut(ctx: KoaContextWithOIDC): string {
      return renderLoggedOut({ clientName: ctx.oidc.client?.clientName ?? undefined, nonce: nonceOf(ctx) });
    },
  };
}

export interface PortalRouteOptions {
  readonly provider: Provider;
  readonly context: ProviderContext;
  readonly storage: Storage;
  readonly csrfSecret: Buffer;
}

/** The oidc-provider session named by the request's signed session cookie, if it is still alive. */
export async function currentSession(provider: Provider, ctx: Context): Promise<InstanceType<Provider['Session']> | undefined> {
  const id = ctx.cookies.get(provider.cookieName('session'), { signed: true });
  return id ? provider.Session.find(id) : undefined;
}

export function portalRoutes(options: PortalRouteOptions) {
  const css = stylesheet();
  return async function portal(ctx: Context, next: Next): Promise<void> {
    if (ctx.path === '/api/health' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      const healthy = options.storage.healthy();
      ctx.status = healthy ? 200 : 503;
      ctx.body = { status: healthy ? 'UP' : 'DOWN' };
      return;
    }
    if (ctx.path === STYLESHEET_PATH && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      ctx.set('ETag', css.etag);
      if (ctx.get('If-None-Match') === css.etag) {
        ctx.status = 304;
        return;
      }
      ctx.type = 'text/css; charset=utf-8';
      ctx.body = css.text;
      return;
    }
    if (ctx.path === '/' && ctx.method === 'GET') {
      const session = await currentSession(options.provider, ctx);
      const user = session?.accountId ? await userForSubject(options.context, session.accountId) : undefined;
      ctx.type = 'html';
      ctx.body = user && session
        ? renderSignedIn({ displayName: user.displayName, username: user.username, settingsHref: '/settings', logoutAction: '/logout', csrfToken: csrfToken(options.csrfSecret, session.jti), nonce: nonceOf(ctx) })
        : renderPage({ title: 'Castellan', nonce: nonceOf(ctx), body: html`<h1 class="title">Castellan</h1><p class="subtitle">You are not signed in. Applications that use this server send you here to sign in.</p>` });
      return;
    }
    if (ctx.path === '/logout' && ctx.method === 'POST') {
      const session = await currentSession(options.provider, ctx);
      const form = await readForm(ctx);
      if (session && verifyCSRF(options.csrfSecret, session.jti, field(form, 'csrf_token'))) {
        await session.destroy();
        ctx.cookies.set(options.provider.cookieName('session'), null, { signed: true });
      }
      ctx.redirect('/');
      return;
    }
    await next();
  };
}
