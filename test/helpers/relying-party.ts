// A tiny OpenID Connect relying party for browser tests, on openid-client v6 and a free 127.0.0.1 port:
// /login starts the authorization code flow (state, nonce, PKCE S256), /callback redeems the code, checks
// the ID token and reads userinfo, then shows what it received under stable ids; /logout starts
// RP-initiated logout. It knows nothing of Castellan but its issuer URL, as a real client would.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';

/** The plaintext of KASM_SECRET_DIGEST in test/helpers/castellan.ts. */
const DEFAULT_SECRET = 'insecure_secret';
const DEFAULT_SCOPE = 'openid profile email groups';
/** Castellan and the RP share the host 127.0.0.1 and cookies ignore ports: this name must be the RP's own. */
const COOKIE = 'rp_session';
/** Parameters a test may add to the authorization request through /login's query. */
const PASSED_PARAMETERS = ['prompt', 'response_mode', 'max_age', 'scope', 'login_hint'] as const;

export interface RelyingPartyClient {
  readonly clientID: string;
  /** Sent with client_secret_basic; defaults to the plaintext of KASM_SECRET_DIGEST. */
  readonly secret?: string;
  /** Defaults to 'openid profile email groups'. */
  readonly scope?: string;
}

export interface RelyingParty {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The one redirect URI of every client (register it in the provider's redirect_uris). */
  readonly redirectURI: string;
  /** Where RP-initiated logout returns (register it in post_logout_redirect_uris); shows #rp-logged-out. */
  readonly postLogoutRedirectURI: string;
  /** Discovers the provider; /login answers 503 until this has resolved. */
  connect(issuer: string): Promise<void>;
  /** The RP's /login for a client; `parameters` (prompt, response_mode, max_age, scope, login_hint) go into the authorization request. */
  loginURL(clientID: string, parameters?: Partial<Record<(typeof PASSED_PARAMETERS)[number], string>>): string;
  close(): Promise<void>;
}

interface Transaction {
  readonly clientID: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** What the RP keeps per browser (keyed by the rp_session cookie). */
interface BrowserSession {
  transaction?: Transaction;
  signedIn?: { readonly clientID: string; readonly idToken: string };
  logoutState?: string;
}

function escapeHTML(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(response: ServerResponse, status: number, title: string, body: string, cookie?: string): void {
  const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
  if (cookie) headers['set-cookie'] = cookie;
  response.writeHead(status, headers);
  response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escapeHTML(title)}</title></head><body><h1>${escapeHTML(title)}</h1>${body}</body></html>`);
}

function errorPage(response: ServerResponse, status: number, error: string, description: string): void {
  page(response, status, 'Relying party error', `<p id="rp-error"><code id="rp-error-code">${escapeHTML(error)}</code>: <span id="rp-error-description">${escapeHTML(description)}</span></p>`);
}

/** The OAuth error and description of an openid-client failure, or a local code and the message. */
function describeFailure(error: unknown): { error: string; description: string } {
  if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) {
    return { error: error.error, description: error.error_description ?? '' };
  }
  const e = error as { code?: unknown; message?: unknown };
  return { error: typeof e.code === 'string' ? e.code : 'rp_failure', description: typeof e.message === 'string' ? e.message : String(error) };
}

function cookieValue(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index !== -1 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function stringClaim(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export async function startRelyingParty(clients: readonly RelyingPartyClient[]): Promise<RelyingParty> {
  const registered = new Map(clients.map((c) => [c.clientID, c]));
  const configurations = new Map<string, client.Configuration>();
  const sessions = new Map<string, BrowserSession>();
  let url = '';

  function sessionOf(request: IncomingMessage): { session: BrowserSession; cookie?: string } {
    const existing = cookieValue(request, COOKIE);
    const session = existing ? sessions.get(existing) : undefined;
    if (existing && session) return { session };
    const id = randomBytes(16).toString('base64url');
    const created: BrowserSession = {};
    sessions.set(id, created);
    return { session: created, cookie: `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax` };
  }

  async function login(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): Promise<void> {
    const clientID = query.get('client') ?? '';
    const config = configurations.get(clientID);
    if (!config) {
      errorPage(response, configurations.size === 0 ? 503 : 400, 'rp_unknown_client', `no discovered client '${clientID}'`);
      return;
    }
    const { session, cookie } = sessionOf(request);
    const transaction: Transaction = { clientID, state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    session.transaction = transaction;
    const parameters: Record<string, string> = {
      redirect_uri: `${url}/callback`,
      scope: registered.get(clientID)?.scope ?? DEFAULT_SCOPE,
      state: transaction.state,
      nonce: transaction.nonce,
      // RFC 7636 §4.2: only the S256 challenge leaves the RP.
      code_challenge: await client.calculatePKCECodeChallenge(transaction.codeVerifier),
      code_challenge_method: 'S256',
    };
    for (const name of PASSED_PARAMETERS) {
      const value = query.get(name);
      if (value !== null) parameters[name] = value;
    }
    const headers: Record<string, string> = { location: client.buildAuthorizationUrl(config, parameters).href };
    if (cookie) headers['set-cookie'] = cookie;
    response.writeHead(302, headers);
    response.end();
  }

  async function callback(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { session } = sessionOf(request);
    const transaction = session.transaction;
    // One redemption per transaction: a reloaded callback page is an error, not a second sign-in.
    session.transaction = undefined;
    const config = transaction ? configurations.get(transaction.clientID) : undefined;
    if (!transaction || !config) {
      errorPage(response, 400, 'rp_no_transaction', 'this browser has no sign-in in progress at the relying party');
      return;
    }
    const current = new URL(request.url ?? '/', url);
    // form_post (OAuth 2.0 Form Post Response Mode §2) arrives as a POST; openid-client reads a Request.
    const input = request.method === 'POST'
      ? new Request(current, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: await readBody(request) })
      : current;
    try {
      // openid-client checks state, iss (RFC 9207), the ID token's signature, iss, aud, azp, exp, iat,
      // nonce and auth_time (OpenID Connect Core §3.1.3.7), and sends the PKCE verifier.
      const tokens = await client.authorizationCodeGrant(config, input, {
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        pkceCodeVerifier: transaction.codeVerifier,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw Object.assign(new Error('the token response has no ID token'), { code: 'rp_no_id_token' });
      // RFC 8176 §1: amr, when present, is an array of strings.
      if (claims.amr !== undefined && !(Array.isArray(claims.amr) && claims.amr.every((v) => typeof v === 'string'))) {
        throw Object.assign(new Error('the ID token amr claim is not an array of strings'), { code: 'rp_invalid_id_token' });
      }
      // OpenID Connect Core §5.3.2: userinfo's sub must equal the ID token's.
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      session.signedIn = { clientID: transaction.clientID, idToken: tokens.id_token! };
      const groups = Array.isArray(userinfo['groups']) ? userinfo['groups'] : [];
      page(response, 200, 'Signed in at the relying party', [
        `<p>Client: <code id="rp-client">${escapeHTML(transaction.clientID)}</code></p>`,
        `<p>Subject: <code id="rp-sub">${escapeHTML(claims.sub)}</code></p>`,
        `<p>Username: <span id="rp-username">${escapeHTML(stringClaim(userinfo.preferred_username))}</span></p>`,
        `<p>Name: <span id="rp-name">${escapeHTML(stringClaim(userinfo.name))}</span></p>`,
        `<p>Email: <span id="rp-email">${escapeHTML(stringClaim(userinfo.email))}</span></p>`,
        `<p>Groups: <code id="rp-groups">${escapeHTML(JSON.stringify(groups))}</code></p>`,
        `<p>amr: <code id="rp-amr">${escapeHTML(JSON.stringify(claims.amr ?? []))}</code></p>`,
        `<p><a id="rp-logout-link" href="/logout">Sign out</a></p>`,
      ].join('\n'));
    } catch (error) {
      const failure = describeFailure(error);
      errorPage(response, 400, failure.error, failure.description);
    }
  }

  function logout(request: IncomingMessage, response: ServerResponse): void {
    const { session } = sessionOf(request);
    const signedIn = session.signedIn;
    const config = signedIn ? configurations.get(signedIn.clientID) : undefined;
    if (!signedIn || !config) {
      errorPage(response, 400, 'rp_not_signed_in', 'this browser is not signed in at the relying party');
      return;
    }
    session.signedIn = undefined;
    session.logoutState = client.randomState();
    // OpenID Connect RP-Initiated Logout 1.0 §2: id_token_hint, post_logout_redirect_uri and state.
    const target = client.buildEndSessionUrl(config, { id_token_hint: signedIn.idToken, post_logout_redirect_uri: `${url}/logged-out`, state: session.logoutState });
    response.writeHead(302, { location: target.href });
    response.end();
  }

  function loggedOut(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): void {
    const { session } = sessionOf(request);
    const expected = session.logoutState;
    session.logoutState = undefined;
    // RP-Initiated Logout 1.0 §3: the OP passes state back unchanged.
    if (!expected || query.get('state') !== expected) {
      errorPage(response, 400, 'rp_logout_state_mismatch', 'the post-logout redirect did not carry the state this RP sent');
      return;
    }
    page(response, 200, 'Signed out of the relying party', '<p id="rp-logged-out">You are signed out.</p>');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = new URL(request.url ?? '/', url);
    if (target.pathname === '/login' && request.method === 'GET') await login(request, response, target.searchParams);
    else if (target.pathname === '/callback' && (request.method === 'GET' || request.method === 'POST')) await callback(request, response);
    else if (target.pathname === '/logout' && request.method === 'GET') logout(request, response);
    else if (target.pathname === '/logged-out' && request.method === 'GET') loggedOut(request, response, target.searchParams);
    else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found\n');
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const failure = describeFailure(error);
      if (!response.headersSent) errorPage(response, 500, failure.error, failure.description);
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    redirectURI: `${url}/callback`,
    postLogoutRedirectURI: `${url}/logged-out`,
    async connect(issuer: string): Promise<void> {
      for (const c of clients) {
        const metadata: Partial<client.ClientMetadata> = { require_auth_time: true };
        const config = await client.discovery(new URL(issuer), c.clientID, metadata, client.ClientSecretBasic(c.secret ?? DEFAULT_SECRET), { execute: [client.allowInsecureRequests] });
        // Verify ID token signatures against the provider's JWKS, not only their claims.
        client.enableNonRepudiationChecks(config);
        configurations.set(c.clientID, config);
      }
    },
    loginURL(clientID: string, parameters = {}): string {
      const query = new URLSearchParams({ client: clientID });
      for (const [name, value] of Object.entries(parameters)) if (value !== undefined) query.set(name, value);
      return `${url}/login?${query}`;
    },
    async close(): Promise<void> {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Browsers keep connections alive; the RP must not wait for them.
        server.closeAllConnections();
      });
    },
  };
}
