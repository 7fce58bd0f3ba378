// Where a request came from and which origin it addressed, from the raw node:http request, by the
// rules Koa applies with `proxy = true` (request.protocol, request.host). Shared by the Koa stack
// (server.ts: trusted-proxy headers, issuer host check) and the static-document fast path, so that
// both accept exactly the same requests.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** X-Forwarded-* and Forwarded: honoured only from a trusted proxy. */
export const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded'] as const;

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return typeof value === 'string' ? value : '';
}

function firstValue(value: string): string {
  return value.split(',', 1)[0]!.trim();
}

/** Koa's request.protocol with proxy on; `forwarded` is false for an untrusted peer. */
export function requestProtocol(req: IncomingMessage, forwarded: boolean): string {
  if ((req.socket as TLSSocket).encrypted) return 'https';
  const proto = forwarded ? header(req, 'x-forwarded-proto') : '';
  return proto ? firstValue(proto).toLowerCase() : 'http';
}

/** Koa's request.host with proxy on; `forwarded` is false for an untrusted peer. */
export function requestHost(req: IncomingMessage, forwarded: boolean): string {
  let host = forwarded ? header(req, 'x-forwarded-host') : '';
  if (!host) {
    if (req.httpVersionMajor >= 2) host = header(req, ':authority');
    if (!host) host = header(req, 'host');
  }
  if (!host) return '';
  host = firstValue(host);
  // Userinfo ("user@host") is not part of the host (RFC 9110 §4.2.4); Koa strips it the same way.
  if (host.includes('@')) {
    const parsed = URL.parse(`http://${host}`);
    return parsed ? parsed.host : '';
  }
  return host;
}

/** True when the request was for `issuer`'s scheme and host: anything else would get a wrong issuer. */
export function addressesIssuer(req: IncomingMessage, issuer: URL, forwarded: boolean): boolean {
  return requestProtocol(req, forwarded) === issuer.protocol.slice(0, -1) && requestHost(req, forwarded) === issuer.host;
}

/**
 * The client address: the peer, or, from a trusted proxy, the right-most X-Forwarded-For entry
 * that is not itself a trusted proxy (entries further left were written by the client).
 */
export function clientAddress(req: IncomingMessage, isTrusted: (address: string | undefined) => boolean): string | undefined {
  const peer = req.socket.remoteAddress;
  if (!isTrusted(peer)) return peer;
  const chain = header(req, 'x-forwarded-for').split(',').map((a) => a.trim()).filter((a) => a !== '');
  let client = peer;
  while (chain.length > 0 && isTrusted(client)) client = chain.pop();
  return client;
}
