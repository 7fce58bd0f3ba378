// Child process: the baseline, plain oidc-provider with its memory adapter, the clients, keys,
// scopes, claims and lifespans of the Castellan bench configuration, and a page-less interaction:
// GET /interaction/:uid verifies the bench password against the same argon2id digest (a sign-in
// costs one hash, as in Castellan), then finishes with login and consent, creating a Grant.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { verify } from '@node-rs/argon2';
import { Provider, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { SCOPE_CLAIMS } from '../src/oidc/claims.ts';
import { ROUTES } from '../src/oidc/context.ts';
import { CLIENTS, FLOW_SCOPE, LIFESPANS, PASSWORD, REDIRECT_URI, SECRET, type BaselineOptions } from './fixtures.ts';

const optionsFile = process.argv[2];
if (!optionsFile) throw new Error('usage: baseline-server.ts <options.json>');
const options = JSON.parse(readFileSync(optionsFile, 'utf8')) as BaselineOptions;
const issuer = `http://127.0.0.1:${options.port}`;
const JWT_ALGS: Record<string, 'RS256' | 'ES256'> = { [CLIENTS.ccRS256]: 'RS256', [CLIENTS.ccES256]: 'ES256' };
const RESOURCE = 'urn:bench:api';

function flowClient(clientID: string): ClientMetadata {
  return { client_id: clientID, client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'], scope: FLOW_SCOPE, token_endpoint_auth_method: 'client_secret_basic' };
}

function serviceClient(clientID: string): ClientMetadata {
  return { client_id: clientID, client_secret: SECRET, redirect_uris: [], response_types: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' };
}

const clients = [flowClient(CLIENTS.app), flowClient(CLIENTS.remembered), serviceClient(CLIENTS.ccPlain)];
if (options.jwtAccessTokens) clients.push(serviceClient(CLIENTS.ccRS256), serviceClient(CLIENTS.ccES256));

const configuration: Configuration = {
  clients,
  jwks: { keys: options.jwks as never },
  routes: ROUTES,
  scopes: ['openid', 'offline_access', 'profile', 'email', 'groups', 'address', 'phone'],
  claims: SCOPE_CLAIMS as unknown as Configuration['claims'],
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  async findAccount(_ctx, sub) {
    return { accountId: sub, claims: async () => ({ sub, name: `Bench ${sub}`, preferred_username: sub, email: `${sub}@example.com`, email_verified: true, groups: ['bench'] }) };
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['a-bench-cookie-key-0123456789abcdef'] },
  ttl: {
    AccessToken: LIFESPANS.accessToken,
    ClientCredentials: LIFESPANS.accessToken,
    AuthorizationCode: LIFESPANS.authorizeCode,
    IdToken: LIFESPANS.idToken,
    RefreshToken: LIFESPANS.refreshToken,
    Grant: LIFESPANS.grant,
    Interaction: LIFESPANS.interaction,
    Session: 3600,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: options.jwtAccessTokens,
      defaultResource: (_ctx, client) => (client.clientId in JWT_ALGS ? RESOURCE : undefined) as string,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, _resource, client) => ({ scope: 'api', accessTokenFormat: 'jwt', jwt: { sign: { alg: JWT_ALGS[client.clientId] ?? 'RS256' } } }),
    },
  },
};

const provider = new Provider(issuer, configuration);
const digest = options.userDigest;

provider.use(async function benchInteraction(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  if (!/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const accountId = String(details.params['login_hint'] ?? 'bench-01');
  if (!(await verify(digest, PASSWORD))) throw new Error('the bench password does not match its digest');
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: String(details.params['client_id']) });
  if (!grant) throw new Error('grant not found');
  grant.addOIDCScope(String(details.params['scope']));
  const grantId = await grant.save();
  await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  ctx.respond = false;
});

// The same event-loop delay and CPU reports as bench/castellan-server.ts ({ cmd: 'loop' }, { cmd: 'cpu' }).
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
process.on('message', (message: { cmd: string; id: number }) => {
  if (message.cmd === 'cpu') process.send!({ id: message.id, ok: true, ...process.cpuUsage() });
  if (message.cmd !== 'loop') return;
  process.send!({ id: message.id, ok: true, p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 });
  loop.reset();
});

const server = createServer(provider.callback());
server.listen(options.port, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send!({ ready: true, url: `http://127.0.0.1:${port}` });
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
