// The options every cookie Castellan sets is given (ASVS 3.3.1–3.3.4): HttpOnly, SameSite (lax unless
// configured), Secure whenever the portal is served over https, and path '/'. One object, so no cookie
// can be set with weaker options by accident.
import type { SetOption } from 'cookies';

export type SameSite = 'lax' | 'strict' | 'none';

export interface CookiePolicy {
  /** The portal is reached over https (directly or behind a TLS-terminating proxy). */
  readonly secure: boolean;
  readonly sameSite?: SameSite;
}

export interface CookieOptions extends SetOption {
  readonly httpOnly: true;
  readonly sameSite: SameSite;
  readonly secure: boolean;
  readonly path: '/';
  readonly overwrite: true;
}

export const DEFAULT_SAME_SITE: SameSite = 'lax';

/** Options for ctx.cookies.set (and oidc-provider's `cookies.long` / `cookies.short`). */
export function cookieOptions(policy: CookiePolicy): CookieOptions {
  const sameSite = policy.sameSite ?? DEFAULT_SAME_SITE;
  // Browsers drop a SameSite=None cookie that is not Secure, which would silently break sign-in.
  if (sameSite === 'none' && !policy.secure) throw new RangeError("cookie SameSite 'none' requires https (Secure)");
  return Object.freeze({ httpOnly: true, sameSite, secure: policy.secure, path: '/', overwrite: true });
}
