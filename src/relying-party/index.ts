// The Kasm-style OpenID Connect relying party: functions for each step, and a Koa middleware that
// serves Kasm's paths with them; and Kasm's direct LDAP sign-in (ldap-*.ts) on the LDAP core. It depends on nothing of the provider in this repository and works
// with any OpenID provider (Castellan, Authelia, Keycloak, authentik). See README.md here.
export { CALLBACK_PATH, DEFAULTS, RelyingPartyConfigError, formatProblem, loadRelyingPartySettings, parseRelyingPartySettings } from './config.ts';
export type { AppGroup, ConfigProblem, ParseOptions, RelyingPartyConfig, RelyingPartySettings, SettingValue, SSOMapping, TokenEndpointAuthMethod, UserField } from './config.ts';
export { readYAML } from './yaml-location.ts';
export type { Locate, Path, Position, YAMLSource } from './yaml-location.ts';
export { ERRORS, RelyingPartyError } from './errors.ts';
export type { RelyingPartyErrorCode } from './errors.ts';
export { clearStateCookie, cookieValue, readStateCookie, stateCookie, STATE_COOKIE_NAME, STATE_LIFETIME_SECONDS } from './state-cookie.ts';
export type { CookieOptions, SignInTransaction } from './state-cookie.ts';
export { buildLoginRedirect } from './login.ts';
export type { LoginRedirect } from './login.ts';
export { createReplayGuard, handleCallback } from './callback.ts';
export type { CallbackOptions, CallbackResult, RelyingPartyLogger, ReplayGuard } from './callback.ts';
export { readIdentity } from './claims.ts';
export type { Claims, Identity } from './claims.ts';
export { LDAP_REALM, OIDC_REALM, provision, provisionUser } from './provisioning.ts';
export type { NewUser, Provisioned, ProvisionedRealm, ProvisioningSource, StoredUser, UserStore } from './provisioning.ts';
export { CASE_INSENSITIVE, DN_NORMAL_FORM, effectiveSettings, mappedMembership, syncGroups } from './group-mappings.ts';
export type { EffectiveSetting, GroupChange, GroupNormalizer } from './group-mappings.ts';
export { directoryOptions, ldapConfigWarnings, loginAttributeOf } from './ldap-config.ts';
export type { LDAPConfig, LDAPTLSConfig } from './ldap-config.ts';
export { loginDomains, loginForms, loginNameFor, normalizeUsername } from './ldap-username.ts';
export { createLDAPLogin, userFields } from './ldap-login.ts';
export type { LDAPLogin, LDAPLoginOptions, LDAPLoginResult } from './ldap-login.ts';
export { describeLDAPConfigTest, testLDAPConfig } from './ldap-test.ts';
export type { LDAPConfigTest } from './ldap-test.ts';
export { loginSettings } from './login-settings.ts';
export type { LoginOption, LoginSettings } from './login-settings.ts';
export { buildLogoutRedirect } from './logout.ts';
export type { LogoutOptions } from './logout.ts';
export { defaultRenderError, PATHS, relyingPartyRoutes } from './routes.ts';
export type { EndedSession, RelyingPartyRoutesOptions } from './routes.ts';
