// Stand-ins for the servers OpenLDAP cannot play, all on 127.0.0.1: a black hole (accepts TCP and
// never answers, which gives a real timeout without sending traffic off the machine) and a tiny
// scripted LDAP server that answers binds and searches the way Active Directory does (AD's
// `data 775` bind diagnostics, supportedCapabilities in the rootDSE, IN_CHAIN evaluated).
import { once } from 'node:events';
import net from 'node:net';
import { BerReader, BerWriter, SearchRequest, type Filter } from 'ldapts';

export interface Listening {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

async function listen(server: net.Server, sockets: Set<net.Socket>, scheme = 'ldap'): Promise<Listening> {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Accepts connections and never says a word. */
export function startBlackHole(scheme = 'ldap'): Promise<Listening> {
  return listen(net.createServer(), new Set(), scheme);
}

export interface FakeEntry {
  readonly dn: string;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

export interface FakeDirectory {
  /** The LDAP result code (and diagnostic message) for a simple bind. */
  bind(dn: string, password: string): { code: number; message?: string };
  /** The entries a search returns (`filter` as ldapts prints it). */
  search(request: { base: string; scope: string; filter: string }): readonly FakeEntry[];
}

const BIND_REQUEST = 0x60;
const UNBIND_REQUEST = 0x42;
const SEARCH_REQUEST = 0x63;

function envelope(messageId: number, write: (writer: BerWriter) => void): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(messageId);
  write(writer);
  writer.endSequence();
  return writer.buffer;
}

function result(writer: BerWriter, tag: number, code: number, message = ''): void {
  writer.startSequence(tag);
  writer.writeEnumeration(code);
  writer.writeString('');
  writer.writeString(message);
  writer.endSequence();
}

function entry(writer: BerWriter, found: FakeEntry): void {
  writer.startSequence(0x64);
  writer.writeString(found.dn);
  writer.startSequence();
  for (const [type, values] of Object.entries(found.attributes)) {
    writer.startSequence();
    writer.writeString(type);
    writer.startSequence(0x31);
    for (const value of values) writer.writeString(value);
    writer.endSequence();
    writer.endSequence();
  }
  writer.endSequence();
  writer.endSequence();
}

/** Answers one request; returns false when the client unbound. */
function answer(socket: net.Socket, message: Buffer, directory: FakeDirectory, log: string[]): boolean {
  const reader = new BerReader(message);
  reader.readSequence();
  const messageId = reader.readInt() ?? 0;
  const operation = reader.peek();
  if (operation === UNBIND_REQUEST) return false;
  if (operation === BIND_REQUEST) {
    reader.readSequence(BIND_REQUEST);
    reader.readInt();
    const dn = reader.readString() ?? '';
    const password = reader.readString(0x80) ?? '';
    log.push(`bind ${dn}`);
    const outcome = directory.bind(dn, password);
    socket.write(envelope(messageId, (w) => result(w, 0x61, outcome.code, outcome.message)));
    return true;
  }
  if (operation === SEARCH_REQUEST) {
    reader.readSequence(SEARCH_REQUEST);
    const request = new SearchRequest({ messageId, filter: undefined as unknown as Filter });
    request.parseMessage(reader);
    const filter = request.filter.toString();
    log.push(`search ${request.baseDN} ${filter}`);
    for (const found of directory.search({ base: request.baseDN, scope: request.scope, filter })) socket.write(envelope(messageId, (w) => entry(w, found)));
    socket.write(envelope(messageId, (w) => result(w, 0x65, 0)));
    return true;
  }
  socket.write(envelope(messageId, (w) => result(w, 0x78, 2, 'not supported by the fake server')));
  return true;
}

/** A scripted LDAP server; `requests` lists every bind and search it received. */
export async function startFakeDirectory(directory: FakeDirectory): Promise<Listening & { readonly requests: string[] }> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const reader = new BerReader(buffer);
        if (reader.readSequence() === null || reader.remain < reader.length) return;
        const size = reader.offset + reader.length;
        const message = buffer.subarray(0, size);
        buffer = buffer.subarray(size);
        if (!answer(socket, message, directory, requests)) {
          socket.end();
          return;
        }
      }
    });
  });
  return { ...(await listen(server, sockets)), requests };
}
