// Child process: the load generator's ceiling. A bare node:http server answering every request
// with a fixed 3.5 KB JSON body (the size of the discovery document) from a precomputed Buffer:
// no server on this machine can answer faster, so Castellan's and the baseline's numbers read
// against it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from(JSON.stringify({ padding: 'x'.repeat(3500) }));
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(BODY.length), etag: '"bench"', 'cache-control': 'public, max-age=300' };

const server = createServer((_req, res) => {
  res.writeHead(200, HEADERS);
  res.end(BODY);
});
server.listen(0, '127.0.0.1', () => process.send!({ ready: true, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
