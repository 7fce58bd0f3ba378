// RFC 9068 JWT access tokens for clients with `access_token_signed_response_alg` (or `_key_id`), as
// Authelia issues them. The token stays an ordinary stored oidc-provider token (revocable, accepted
// at userinfo and introspection, purged on expiry); the client receives it as a JWT signed by the
// provider whose `jti` is the stored token's id, and a JWT presented back is verified (with the
// issuing client's algorithm and key only) before its `jti` is looked up. oidc-provider's own JWT
// format does not fit: it is tied to resource indicators, stateless and refused at userinfo.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { decodeJwt, errors as joseErrors, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
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
  prototype: { getValueAndPayload(this: { clientId?: string }): Promise<{ value: string; payload?: StoredToken }> };
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
 * The stored token id inside a JWT access token, once its signature (with the algorithm and key of
 * the client it names), issuer and type check out; undefined for anything else. Expiry is checked
 * unless the caller ignores it, as oidc-provider's lookup does for revocation.
 */
async function verifiedTokenID(context: ProviderContext, signers: ReadonlyMap<string, Signer>, value: string, ignoreExpiration: boolean): Promise<{ jti: string; clientID: string } | undefined> {
  let clientID: unknown;
  try {
    clientID = decodeJwt(value)['client_id'];
  } catch {
    return undefined;
  }
  const signer = typeof clientID === 'string' ? signers.get(clientID) : undefined;
  if (!signer) return undefined;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(value, signer.verificationKey, { algorithms: [signer.alg], issuer: context.issuer, typ: 'at+jwt' }));
  } catch (error) {
    // jose checks the signature before the claims: an expired token here is an authentic one.
    if (!(ignoreExpiration && error instanceof joseErrors.JWTExpired)) return undefined;
    payload = error.payload;
  }
  return typeof payload.jti === 'string' && payload['client_id'] === clientID ? { jti: payload.jti, clientID: clientID as string } : undefined;
}

function issueAsJWT(model: TokenModel, context: ProviderContext, signers: ReadonlyMap<string, Signer>, subjectFor: SubjectFor): void {
  const getValueAndPayload = model.prototype.getValueAndPayload;
  model.prototype.getValueAndPayload = async function jwtValueAndPayload() {
    const result = await getValueAndPayload.call(this);
    const signer = this.clientId ? signers.get(this.clientId) : undefined;
    if (!signer || !result.payload) return result;
    return { value: await sign(signer, await claimsOf(context, result.payload, subjectFor)), payload: result.payload };
  };
  const find = model.find.bind(model);
  model.find = async function findByJWT(value, options) {
    if (!isJWT(value)) return find(value, options);
    const id = await verifiedTokenID(context, signers, value, options?.ignoreExpiration === true);
    if (!id) return undefined;
    const token = await find(id.jti, options);
    return token?.clientId === id.clientID ? token : undefined;
  };
}

const isJWT = (value: unknown): value is string => typeof value === 'string' && value.length <= MAX_TOKEN_LENGTH && COMPACT_JWS.test(value);

// Stands in for a JWT that fails verification: no stored token has this id, so introspection answers
// { active: false } and revocation does nothing (RFC 7662 §2.2, RFC 7009 §2.2), after client authentication.
const UNKNOWN_TOKEN = 'castellan-unverified-jwt';

/**
 * Introspection and revocation refuse JWTs before any lookup (oidc-provider's structured tokens are
 * stateless); Castellan's are stored, so their `token` parameter is replaced by the stored id.
 */
function presentedTokens(context: ProviderContext, signers: ReadonlyMap<string, Signer>) {
  return async function jwtTokenParameter(ctx: Context, next: Next): Promise<void> {
    const route = ctx.path === ROUTES.introspection ? 'introspection' : ctx.path === ROUTES.revocation ? 'revocation' : undefined;
    if (!route || ctx.method !== 'POST' || !ctx.is('application/x-www-form-urlencoded')) return next();
    const params = new URLSearchParams(await readBody(ctx));
    const token = params.get('token');
    if (isJWT(token)) {
      const id = await verifiedTokenID(context, signers, token, route === 'revocation');
      params.set('token', id?.jti ?? UNKNOWN_TOKEN);
    }
    replaceBody(ctx, params.toString());
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
  issueAsJWT(provider.AccessToken as unknown as TokenModel, context, signers, subjectFor);
  issueAsJWT(provider.ClientCredentials as unknown as TokenModel, context, signers, subjectFor);
  return presentedTokens(context, signers);
}
