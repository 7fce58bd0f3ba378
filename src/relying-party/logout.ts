// Logout at the provider too, when the configuration asks for it (Kasm's later "Logout with OIDC
// Provider"): OpenID Connect RP-Initiated Logout 1.0 via the discovered end_session_endpoint.
import * as client from 'openid-client';
import type { RelyingPartyConfig } from './config.ts';
import { providerConfiguration } from './provider.ts';

export interface LogoutOptions {
  /** The ID token of the sign-in being ended (RP-Initiated Logout §2: id_token_hint). */
  readonly idToken?: string | undefined;
  /** Where the provider sends the browser afterwards; it must be registered at the provider. */
  readonly postLogoutRedirectURL?: string | undefined;
}

/**
 * The provider's end-session URL, or undefined when the application should only end its own session
 * (logout_with_provider off, or the provider advertises no end_session_endpoint).
 */
export async function buildLogoutRedirect(config: RelyingPartyConfig, options: LogoutOptions = {}): Promise<string | undefined> {
  if (!config.logout_with_provider) return undefined;
  const configuration = await providerConfiguration(config);
  if (configuration.serverMetadata().end_session_endpoint === undefined) return undefined;
  const parameters: Record<string, string> = {};
  if (options.idToken !== undefined) parameters['id_token_hint'] = options.idToken;
  if (options.postLogoutRedirectURL !== undefined) parameters['post_logout_redirect_uri'] = options.postLogoutRedirectURL;
  return client.buildEndSessionUrl(configuration, parameters).href;
}
