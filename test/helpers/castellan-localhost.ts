// A test Castellan whose issuer is http://localhost:PORT rather than http://127.0.0.1:PORT: WebAuthn's
// RP ID must be a domain (WebAuthn Level 3 §5.1.4, an IP address is refused), and localhost is one that
// browsers treat as a secure context over plain http. It still listens on 127.0.0.1.
import { freePort, startCastellan, type TestServer, type TestServerOptions } from './castellan.ts';

/** startCastellan with the session cookie `{ domain: 'localhost', authelia_url: 'http://localhost:PORT' }`. */
export async function startLocalhostCastellan(options: Omit<TestServerOptions, 'port'>): Promise<TestServer> {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  // `extra` is merged last at the top level, so its `session` replaces the one for 127.0.0.1.
  const session = { secret: 'a-test-session-secret-0123456789', ...options.session, cookies: [{ domain: 'localhost', authelia_url: issuer }] };
  const server = await startCastellan({ ...options, port, extra: { ...options.extra, session } });
  return { ...server, issuer };
}
