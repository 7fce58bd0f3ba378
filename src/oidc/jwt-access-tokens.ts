// RFC 9068 JWT access tokens for clients with `access_token_signed_response_alg` (or `_key_id`), as
// Authelia issues them. The token stays an ordinary stored oidc-provider token (revocable, accepted
// at userinfo and introspection, purged on expiry); the client receives it as a JWT signed by the
// provider, and a JWT presented back is verified (with the issuing client's algorithm and key only)
// before the token it stands for is looked up, stored under an HMAC of the JWT's `jti` (so the `jti`
// alone opens nothing). oidc-provider's own JWT format does not fit: it is tied to resource
// indicators, stateless and refused at userinfo.
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, hkdfSync } from 'node:crypto';
import { decodeJwt, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { Context, Middleware, Next } from 'koa';
import type { Provider } from 'oidc-provider';
import type { OIDCClientConfig } from '../config/types.ts';
import { parseDigest } from '../crypto/digest.ts';
import { findGrantAudience } from '../storage/grant-audience.ts';
import { ROUTES, type ProviderContext } from './context.ts';
import type { SigningKey } from './keys.ts';
import { readBody, replaceBody } from './request-body.ts';

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

interface Signer {
  readonly alg: string;
  readonly kid: string | undefined;
  // Imported once as CryptoKeys, which WebCrypto (jose) signs and verifies with directly.
  readonly signingKey: ImportedKey;
  readonly verificationKey: ImportedKey;
}

/** Computes the subject a client sees for an account (its pairwise identifier where configured). */
export type SubjectFor = (accountId: string, clientID: string) => Promise<string>;

const HMAC = /^HS(256|384|512)$/;
// A JWT is three base64url segments; a stored token id never contains a dot.
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const MAX_TOKEN_LENGTH = 8192;

async function signerFor(client: OIDCClientConfig, keys: readonly SigningKey[], secret: string | undefined): Promise<Signer | undefined> {
  const named = client.access_token_signed_response_key_id ? keys.find((k) => k.kid === client.access_token_signed_response_key_id) : undefined;
  if (client.access_token_signed_response_key_id && !named) throw new Error(`client '${client.client_id}': access_token_signed_response_key_id '${client.access_token_signed_response_key_id}' names no key in identity_providers.oidc.jwks`);
  const alg = named?.alg ?? client.access_token_signed_response_alg;
  if (!alg || alg === 'none') return undefined;
  if (HMAC.test(alg)) {
    // The validator requires a plaintext client_secret for HMAC algorithms.
    const digest = secret ? parseDigest(secret, { allowPlaintext: true }) : undefined;
    if (digest?.algorithm !== 'plaintext') throw new Error(`client '${client.client_id}': ${alg} access tokens need a plaintext client_secret`);
    const key = await importJWK({ kty: 'oct', k: Buffer.from(digest.secret).toString('base64url') }, alg);
    return { alg, kid: undefined, signingKey: key, verificationKey: key };
  }
  const key = named ?? keys.find((k) => k.alg === alg);
  if (!key) throw new Error(`client '${client.client_id}': no signing key for ${alg} access tokens in identity_providers.oidc.jwks`);
  const publicJWK = createPublicKey(createPrivateKey({ key: key as never, format: 'jwk' })).export({ format: 'jwk' }) as JWK;
  return { alg, kid: key.kid, signingKey: await importJWK(key, alg), verificationKey: await importJWK(publicJWK, alg) };
}

/** The signer of each client that receives JWT access tokens. */
export async function accessTokenSigners(context: ProviderContext): Promise<Map<string, Signer>> {
  const signers = new Map<string, Signer>();
  for (const client of context.oidc.clients ?? []) {
    const signer = await signerFor(client, context.keys, context.policies.get(client.client_id!)?.secret);
    if (signer) signers.set(client.client_id!, signer);
  }
  return signers;
}

/** The fields of a stored access token (oidc-provider's payload) that the JWT is made of. */
interface StoredToken {
  jti: string;
  iat: number;
  exp: number;
  clientId: string;
  accountId?: string;
  grantId?: string;
  scope?: string;
  aud?: string | string[];
  jkt?: string;
  'x5t#S256'?: string;
}

interface TokenModel {
  prototype: {
    generateTokenId(this: { clientId?: string }): string;
    getValueAndPayload(this: { clientId?: string }): Promise<{ value: string; payload?: StoredToken }>;
  };
  find(value: string, options?: { ignoreExpiration?: boolean }): Promise<{ clientId?: string } | undefined>;
}

/** RFC 9068 §2.2: the claims of a JWT access token. */
async function claimsOf(context: ProviderContext, token: StoredToken, subjectFor: SubjectFor): Promise<JWTPayload> {
  const granted = token.grantId ? findGrantAudience(context.storage, token.grantId) : [];
  const audience = token.aud ?? (granted.length > 0 ? granted : [token.clientId]);
  const cnf = token.jkt || token['x5t#S256'] ? { ...(token.jkt ? { jkt: token.jkt } : {}), ...(token['x5t#S256'] ? { 'x5t#S256': token['x5t#S256'] } : {}) } : undefined;
  return {
    iss: context.issuer,
    sub: token.accountId ? await subjectFor(token.accountId, token.clientId) : token.clientId,
    aud: audience,
    exp: token.exp,
    iat: token.iat,
    jti: token.jti,
    client_id: token.clientId,
    ...(token.scope ? { scope: token.scope } : {}),
    ...(cnf ? { cnf } : {}),
  };
}

function sign(signer: Signer, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: signer.alg, typ: 'at+jwt', ...(signer.kid ? { kid: signer.kid } : {}) }).sign(signer.signingKey);
}

/**
 * The public id (`jti`) inside a JWT access token and the client it names, once its signature (with
 * that client's algorithm and key), issuer, type and expiry check out; undefined for anything else.
 */
async function verifiedTokenID(context: ProviderContext, signers: ReadonlyMap<string, Signer>, value: string): Promise<{ publicID: string; clientID: string } | undefined> {
  let clientID: unknown;
  try {
    clientID = decodeJwt(value)['client_id'];
  } catch {
    return undefined;
  }
  const signer = typeof clientID === 'string' ? signers.get(clientID) : undefined;
  if (!signer) return undefined;
  try {
    const { payload } = await jwtVerify(value, signer.verificationKey, { algorithms: [signer.alg], issuer: context.issuer, typ: 'at+jwt' });
    return typeof payload.jti === 'string' && payload['client_id'] === clientID ? { publicID: payload.jti, clientID: clientID as string } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The stored id of a JWT access token is an HMAC of its public `jti`, under a key derived from the
 * configured secrets: the `jti` a resource server reads (and may log) is not itself a bearer token.
 */
function storedIDs(context: ProviderContext): (publicID: string) => string {
  const seed = context.oidc.hmac_secret || context.config.storage.encryption_key || '';
  const key = createSecretKey(Buffer.from(hkdfSync('sha256', seed, 'castellan', 'jwt access token ids', 32)));
  return (publicID) => createHmac('sha256', key).update(publicID).digest('base64url');
}

function issueAsJWT(model: TokenModel, context: ProviderContext, signers: ReadonlyMap<string, Signer>, subjectFor: SubjectFor, storedID: (publicID: string) => string): void {
  const publicIDs = new WeakMap<object, string>();
  const generateTokenId = model.prototype.generateTokenId;
  model.prototype.generateTokenId = function jwtTokenID() {
    const id = generateTokenId.call(this);
    if (!this.clientId || !signers.has(this.clientId)) return id;
    publicIDs.set(this, id);
    return storedID(id);
  };
  const getValueAndPayload = model.prototype.getValueAndPayload;
  model.prototype.getValueAndPayload = async function jwtValueAndPayload() {
    const result = await getValueAndPayload.call(this);
    const signer = this.clientId ? signers.get(this.clientId) : undefined;
    const publicID = publicIDs.get(this);
    // A token loaded and saved again has no public id here; oidc-provider discards that value.
    if (!signer || !result.payload || publicID === undefined) return result;
    return { value: await sign(signer, await claimsOf(context, { ...result.payload, jti: publicID }, subjectFor)), payload: result.payload };
  };
  const find = model.find.bind(model);
  model.find = async function findByJWT(value, options) {
    if (!isJWT(value)) return find(value, options);
    const id = await verifiedTokenID(context, signers, value);
    if (!id) return undefined;
    const token = await find(storedID(id.publicID), options);
    return token?.clientId === id.clientID ? token : undefined;
  };
}

const isJWT = (value: unknown): value is string => typeof value === 'string' && value.length <= MAX_TOKEN_LENGTH && COMPACT_JWS.test(value);

// Stands in for a JWT that fails verification: no stored token has this id, so introspection answers
// { active: false } and revocation does nothing (RFC 7662 §2.2, RFC 7009 §2.2), after client authentication.
const UNKNOWN_TOKEN = 'castellan-unverified-jwt';

/**
 * Introspection and revocation refuse JWTs before any lookup (oidc-provider's structured tokens are
 * stateless); Castellan's are stored, so a JWT `token` parameter is replaced by the stored id of the
 * token it verifies as (found as at userinfo: signature, expiry and client all checked), or by one
 * that matches nothing. A body with several `token` parameters is left for oidc-provider to refuse.
 */
function presentedTokens(provider: Provider, context: ProviderContext) {
  const models = [provider.AccessToken, provider.ClientCredentials] as unknown as TokenModel[];
  return async function jwtTokenParameter(ctx: Context, next: Next): Promise<void> {
    if ((ctx.path !== ROUTES.introspection && ctx.path !== ROUTES.revocation) || ctx.method !== 'POST' || !ctx.is('application/x-www-form-urlencoded')) return next();
    const body = await readBody(ctx);
    const params = new URLSearchParams(body);
    const tokens = params.getAll('token');
    if (tokens.length === 1 && isJWT(tokens[0])) {
      let found: { jti?: string } | undefined;
      for (const model of models) found ??= (await model.find(tokens[0])) as { jti?: string } | undefined;
      params.set('token', found?.jti ?? UNKNOWN_TOKEN);
      replaceBody(ctx, params.toString());
    } else {
      replaceBody(ctx, body);
    }
    await next();
  };
}

const passThrough = (_ctx: Context, next: Next): Promise<void> => next();

/**
 * Makes the access tokens of clients with a signing algorithm JWTs, for every grant that issues
 * them, and accepts them back; returns the middleware that translates them for introspection and revocation.
 */
export async function installJWTAccessTokens(provider: Provider, context: ProviderContext, subjectFor: SubjectFor): Promise<Middleware> {
  const signers = await accessTokenSigners(context);
  if (signers.size === 0) return passThrough;
  const storedID = storedIDs(context);
  issueAsJWT(provider.AccessToken as unknown as TokenModel, context, signers, subjectFor, storedID);
  issueAsJWT(provider.ClientCredentials as unknown as TokenModel, context, signers, subjectFor, storedID);
  return presentedTokens(provider, context);
}
