// Castellan's rules on authorization requests that oidc-provider does not know, applied before it
// sees them (at the authorization and pushed-authorization-request endpoints):
//   - minimum_parameter_entropy: state and nonce must be long enough (Authelia);
//   - the client's response_types and response_modes allow-lists and pkce_challenge_method (Authelia);
//   - 'offline' is Authelia's alias of 'offline_access'; asking for it implies explicit consent,
//     which is also what oidc-provider requires before it issues a refresh token (prompt=consent);
//   - the plain PKCE method, when the provider enables it: oidc-provider implements S256 only, so a
//     plain challenge c is handed on as the S256 challenge BASE64URL(SHA256(c)); the token endpoint's
//     S256 check of the verifier v then holds exactly when v = c, which is plain's rule (RFC 7636 §4.6).
import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import { disallowedAudience, requestedAudience } from './audience.ts';
import { normalizeResponseType, type ClientPolicy } from './clients.ts';
import { ROUTES, type ProviderContext } from './context.ts';
import { readBody, replaceBody } from './request-body.ts';

export interface RequestProblem {
  readonly error: 'invalid_request' | 'invalid_scope' | 'unsupported_response_type';
  readonly description: string;
}

const CODE = (types: string): boolean => types.split(' ').includes('code');

function defaultResponseMode(responseType: string): string {
  return responseType === 'code' || responseType === 'none' ? 'query' : 'fragment';
}

/** Checks and rewrites one request's parameters in place; returns a problem to report instead. */
export function reviewAuthorizationParameters(params: URLSearchParams, policy: ClientPolicy, context: ProviderContext): RequestProblem | undefined {
  const entropy = context.oidc.minimum_parameter_entropy;
  for (const name of ['state', 'nonce']) {
    const value = params.get(name);
    if (value !== null && entropy > 0 && value.length < entropy) {
      return { error: 'invalid_request', description: `The '${name}' parameter must be at least ${entropy} characters long.` };
    }
  }
  const audience = disallowedAudience(policy, requestedAudience(params.get('audience')));
  if (audience !== undefined) {
    return { error: 'invalid_request', description: `Requested audience '${audience}' has not been whitelisted by the OAuth 2.0 Client.` };
  }
  const responseType = params.get('response_type') ?? '';
  // oidc-provider answers invalid_request here; Authelia (fosite) and RFC 6749 §4.1.2.1 name the problem.
  if (responseType !== '' && !policy.responseTypes.has(normalizeResponseType(responseType))) {
    return { error: 'unsupported_response_type', description: `The client is not allowed to request response_type '${responseType}'.` };
  }
  const mode = params.get('response_mode') ?? defaultResponseMode(responseType);
  if (responseType !== '' && !policy.responseModes.has(mode)) {
    return { error: 'invalid_request', description: `The response mode '${mode}' is not allowed for this client; allowed: ${[...policy.responseModes].join(', ')}.` };
  }
  const challenge = params.get('code_challenge');
  if (challenge !== null) {
    const method = params.get('code_challenge_method') ?? 'plain';
    if (policy.pkceMethod !== '' && method !== policy.pkceMethod) {
      return { error: 'invalid_request', description: `This client must use the PKCE challenge method '${policy.pkceMethod}'.` };
    }
    if (method === 'plain') {
      if (!context.oidc.enable_pkce_plain_challenge) return { error: 'invalid_request', description: "The PKCE challenge method 'plain' is not allowed; use 'S256'." };
      // RFC 7636 §4.2: a plain challenge is the verifier itself, so it has the verifier's format.
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) return { error: 'invalid_request', description: 'The code_challenge must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~.' };
      params.set('code_challenge', createHash('sha256').update(challenge, 'ascii').digest('base64url'));
      params.set('code_challenge_method', 'S256');
    }
  }
  const scopes = (params.get('scope') ?? '').split(' ').filter((s) => s !== '').map((s) => (s === 'offline' ? 'offline_access' : s));
  if (scopes.length > 0) params.set('scope', [...new Set(scopes)].join(' '));
  if (scopes.includes('offline_access') && CODE(responseType)) {
    const prompts = new Set((params.get('prompt') ?? '').split(' ').filter((p) => p !== ''));
    if (!prompts.has('none')) {
      prompts.add('consent');
      params.set('prompt', [...prompts].join(' '));
    }
  }
  return undefined;
}

function registeredRedirect(params: URLSearchParams, context: ProviderContext, clientID: string): string | undefined {
  const uri = params.get('redirect_uri');
  const client = context.oidc.clients?.find((c) => c.client_id === clientID);
  return uri !== null && client?.redirect_uris?.includes(uri) ? uri : undefined;
}

/** Sends an authorization error to the client, only to an exactly registered redirect URI. */
function redirectError(ctx: Context, redirect: string, problem: RequestProblem, params: URLSearchParams, issuer: string): void {
  const url = new URL(redirect);
  const response = new URLSearchParams({ error: problem.error, error_description: problem.description, iss: issuer });
  const state = params.get('state');
  if (state !== null) response.set('state', state);
  const responseType = params.get('response_type') ?? 'code';
  if (defaultResponseMode(responseType) === 'fragment') url.hash = response.toString();
  else for (const [k, v] of response) url.searchParams.set(k, v);
  ctx.status = 303;
  ctx.redirect(url.href);
}

export function authorizationRequestRules(context: ProviderContext) {
  return async function authorizationRequests(ctx: Context, next: Next): Promise<void> {
    const isAuthorization = ctx.path === ROUTES.authorization && (ctx.method === 'GET' || ctx.method === 'HEAD');
    const isPAR = ctx.path === ROUTES.pushed_authorization_request && ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded') !== false;
    if (!isAuthorization && !isPAR) return next();
    const params = isAuthorization ? new URLSearchParams(ctx.querystring) : new URLSearchParams(await readBody(ctx));
    const clientID = params.get('client_id') ?? '';
    const policy = context.policies.get(clientID);
    // Request objects and PAR request URIs carry parameters oidc-provider validates itself.
    const untouchable = params.has('request') || params.has('request_uri');
    const problem = policy && !untouchable ? reviewAuthorizationParameters(params, policy, context) : undefined;
    if (problem) {
      if (isPAR) {
        ctx.status = 400;
        ctx.body = { error: problem.error, error_description: problem.description };
        return;
      }
      const redirect = registeredRedirect(params, context, clientID);
      if (redirect) {
        redirectError(ctx, redirect, problem, params, context.issuer);
        return;
      }
      ctx.status = 400;
      ctx.body = { error: problem.error, error_description: problem.description };
      return;
    }
    if (isAuthorization) ctx.querystring = params.toString();
    else replaceBody(ctx, params.toString());
    await next();
  };
}
