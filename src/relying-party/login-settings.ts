// What the login page shows (Kasm's POST /api/login_settings): the enabled configurations whose
// hostname is the request's Host; when none names it, the ones marked is_default and those that name
// no hostname at all (which Kasm would hide everywhere: a footgun for a one-host setup).
import type { RelyingPartyConfig } from './config.ts';

export interface LoginOption {
  readonly id: string;
  readonly display_name: string;
  readonly logo_url: string | undefined;
  readonly hostname: string | undefined;
  readonly default: boolean;
  readonly enabled: boolean;
  readonly auto_login: boolean;
  /** Kasm's direct login link. */
  readonly login_url: string;
}

export interface LoginSettings {
  readonly oidc: { readonly oidc_configs: readonly LoginOption[] };
}

/** A configured hostname matches the Host header with or without its port, ignoring case. */
function matchesHost(hostname: string | undefined, host: string): boolean {
  if (hostname === undefined) return false;
  const wanted = hostname.toLowerCase();
  const given = host.toLowerCase();
  return given === wanted || given.replace(/:\d+$/, '') === wanted;
}

export function loginSettings(configs: readonly RelyingPartyConfig[], host: string): LoginSettings {
  const enabled = configs.filter((config) => config.enabled);
  const named = enabled.filter((config) => matchesHost(config.hostname, host));
  const shown = named.length > 0 ? named : enabled.filter((config) => config.is_default || config.hostname === undefined);
  return {
    oidc: {
      oidc_configs: shown.map((config) => ({
        id: config.id,
        display_name: config.display_name,
        logo_url: config.logo_url,
        hostname: config.hostname,
        default: config.is_default,
        enabled: config.enabled,
        auto_login: config.auto_login,
        login_url: `/api/sso_login?id=${encodeURIComponent(config.id)}`,
      })),
    },
  };
}
