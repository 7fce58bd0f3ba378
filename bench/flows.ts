// The protocol steps the load generator repeats: an authorization-code + PKCE flow (authorize →
// redirect with code → token → userinfo) that signs in through Castellan's portal form, or through
// the baseline's page-less interaction, when the user has no session yet; and the
// client_credentials token request.
import { createHash, randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import { ROUTES } from '../src/oidc/context.ts';
import { formAction, inputValue } from '../test/helpers/browser.ts';
import { FLOW_SCOPE, PASSWORD, REDIRECT_URI, SECRET } from './fixtures.ts';
import { send, type CookieJar, type Reply } from './http.ts';

export type Flavour = 'castellan' | 'baseline';

export interface Target {
  readonly base: string;
  readonly flavour: Flavour;
}

export interface VirtualUser {
  readonly jar: CookieJar;
  readonly username: string;
}

/** Pages a flow went through; a signed-in user with remembered consent sees none. */
export interface FlowOutcome {
  readonly signIn: boolean;
  readonly consent: boolean;
}

const MAX_STEPS = 12;

function basic(clientID: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientID)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

function unexpected(step: string, reply: Reply): Error {
  return new Error(`${step}: HTTP ${reply.status}${reply.location ? ` → ${reply.location}` : ''} ${reply.body.slice(0, 200).replace(/\s+/g, ' ')}`);
}

function postForm(agent: Agent, url: URL, fields: Record<string, string>, jar: CookieJar): Promise<Reply> {
  return send(agent, url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), jar });
}

/** Answers one portal page (sign-in or consent); returns the reply to continue from. */
async function answerPortal(agent: Agent, page: Reply, url: URL, vu: VirtualUser, outcome: { signIn: boolean; consent: boolean }): Promise<Reply> {
  const csrf = inputValue(page.body, 'csrf_token') ?? '';
  if (page.body.includes('id="sign-in-button"')) {
    outcome.signIn = true;
    const action = formAction(page.body, 'sign-in-button');
    if (!action) throw unexpected('sign-in page without a form', page);
    const reply = await postForm(agent, new URL(action, url), { csrf_token: csrf, username: vu.username, password: PASSWORD }, vu.jar);
    if (reply.status !== 303 && reply.status !== 302) throw unexpected('sign-in', reply);
    return reply;
  }
  if (page.body.includes('id="openid-consent-accept"')) {
    outcome.consent = true;
    const action = formAction(page.body, 'openid-consent-accept');
    if (!action) throw unexpected('consent page without a form', page);
    const reply = await postForm(agent, new URL(action, url), { csrf_token: csrf, decision: 'accept', remember: 'true' }, vu.jar);
    if (reply.status !== 303 && reply.status !== 302) throw unexpected('consent', reply);
    return reply;
  }
  throw unexpected('an unexpected portal page', page);
}

/** Runs the authorization request to the redirect with a code, signing in where asked. */
async function authorizationCode(agent: Agent, target: Target, vu: VirtualUser, clientID: string, challenge: string, outcome: { signIn: boolean; consent: boolean }): Promise<string> {
  const query = new URLSearchParams({ client_id: clientID, response_type: 'code', redirect_uri: REDIRECT_URI, scope: FLOW_SCOPE, state: randomBytes(9).toString('base64url'), nonce: randomBytes(9).toString('base64url'), code_challenge: challenge, code_challenge_method: 'S256' });
  if (target.flavour === 'baseline') query.set('login_hint', vu.username);
  let url = new URL(`${ROUTES.authorization}?${query}`, target.base);
  let reply = await send(agent, url, { jar: vu.jar });
  for (let step = 0; step < MAX_STEPS; step++) {
    if (reply.location?.startsWith(REDIRECT_URI)) {
      const code = new URL(reply.location).searchParams.get('code');
      if (!code) throw unexpected('authorization response without a code', reply);
      return code;
    }
    if (reply.status >= 300 && reply.status < 400 && reply.location) {
      url = new URL(reply.location);
      reply = await send(agent, url, { jar: vu.jar });
      continue;
    }
    if (reply.status === 200 && target.flavour === 'castellan') {
      reply = await answerPortal(agent, reply, url, vu, outcome);
      continue;
    }
    throw unexpected('authorization', reply);
  }
  throw new Error(`authorization did not reach the redirect URI in ${MAX_STEPS} steps`);
}

/** One whole flow for `vu`; throws on any unexpected answer. */
export async function codeFlow(agent: Agent, target: Target, vu: VirtualUser, clientID: string): Promise<FlowOutcome> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const outcome = { signIn: false, consent: false };
  const code = await authorizationCode(agent, target, vu, clientID, challenge, outcome);
  const token = await send(agent, new URL(ROUTES.token, target.base), {
    method: 'POST',
    headers: { authorization: basic(clientID, SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
  });
  if (token.status !== 200) throw unexpected('token', token);
  const { access_token: accessToken, id_token: idToken } = JSON.parse(token.body) as { access_token?: string; id_token?: string };
  if (!accessToken || !idToken) throw unexpected('token response without access_token or id_token', token);
  const userinfo = await send(agent, new URL(ROUTES.userinfo, target.base), { headers: { authorization: `Bearer ${accessToken}` } });
  if (userinfo.status !== 200) throw unexpected('userinfo', userinfo);
  return outcome;
}

/** A client_credentials token request (client_secret_basic); returns the access token. */
export async function clientCredentials(agent: Agent, target: Target, clientID: string): Promise<string> {
  const reply = await send(agent, new URL(ROUTES.token, target.base), {
    method: 'POST',
    headers: { authorization: basic(clientID, SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  if (reply.status !== 200) throw unexpected('client_credentials', reply);
  const token = (JSON.parse(reply.body) as { access_token?: string }).access_token;
  if (!token) throw unexpected('client_credentials response without access_token', reply);
  return token;
}
