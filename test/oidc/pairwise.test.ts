// Subject identifiers (Authelia reference §4.1): `sub` is a random UUIDv4 kept per (sector, user);
// clients without a sector share the public `sub`, clients with the same sector_identifier_uri
// (or the legacy host-style `sector_identifier`) share a pairwise one, and the mapping is stored,
// so it survives a restart. ID token, userinfo and introspection agree on it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { discoverClient, startCastellan, testClient, type TestServer } from '../helpers/castellan.ts';
import { authorize } from '../helpers/flows.ts';
import { importSubjects } from '../../src/storage/subjects.ts';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SECTOR_A = 'https://a.example.com/sector.json';
const SECTOR_B = 'https://b.example.com/sector.json';
const LEGACY_SECTOR = 'legacy.example.com';
// john's pairwise identifier in the legacy sector, as exported from an existing Authelia.
const LEGACY_SUB = randomUUID();

const clientBlock = (clientID: string, extra: Record<string, unknown> = {}): Record<string, unknown> => testClient(clientID, REDIRECT, { scopes: ['openid', 'profile'], ...extra });

const CLIENTS = [
  clientBlock('public-1'),
  clientBlock('public-2'),
  clientBlock('sector-a-1', { sector_identifier_uri: SECTOR_A }),
  clientBlock('sector-a-2', { sector_identifier_uri: SECTOR_A }),
  clientBlock('sector-b', { sector_identifier_uri: SECTOR_B }),
  // Authelia ≤4.37 name and host-style value; §2.3: auto-mapped, the string stays the sector id.
  clientBlock('legacy', { sector_identifier: LEGACY_SECTOR }),
];

let castellan: TestServer;
let browser: Browser;

before(async () => {
  castellan = await startCastellan({ clients: CLIENTS });
  importSubjects(castellan.server.built.context.storage, [{ service: 'openid', sector_id: LEGACY_SECTOR, username: 'john', identifier: LEGACY_SUB }]);
  browser = new Browser();
});

after(async () => castellan.destroy());

interface Subjects {
  readonly idToken: string;
  readonly userinfo: string;
  readonly introspection: string | undefined;
}

/** Signs in (once per browser) and returns the `sub` the client sees in each place. */
async function subjectsOf(clientID: string, session: Browser = browser): Promise<Subjects> {
  const config = await discoverClient(castellan, clientID);
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile', state });
  const flow = await authorize(session, url.href, { redirectURI: REDIRECT });
  assert.ok(flow.callback, `expected a redirect to ${clientID}, got ${flow.last.status}`);
  const tokens = await client.authorizationCodeGrant(config, new URL(flow.callback), { expectedState: state });
  const idToken = tokens.claims()!.sub;
  // openid-client checks that the userinfo sub equals the ID token's (OIDC Core §5.3.2).
  const userinfo = (await client.fetchUserInfo(config, tokens.access_token, idToken)).sub;
  const introspection = (await client.tokenIntrospection(config, tokens.access_token)).sub;
  return { idToken, userinfo, introspection };
}

test('the public sub is a UUIDv4 shared by every client without a sector', async () => {
  const one = await subjectsOf('public-1');
  const two = await subjectsOf('public-2');
  // Authelia §4.1: sub = random RFC 4122 UUIDv4; sector '' gives the same value for every client.
  assert.match(one.idToken, UUID_V4);
  assert.equal(one.idToken, two.idToken);
  assert.equal(one.userinfo, one.idToken);
  assert.equal(one.introspection, one.idToken);
});

test('pairwise subs are UUIDv4s, shared within a sector and different across sectors and from the public sub', async () => {
  const publicSub = (await subjectsOf('public-1')).idToken;
  const a1 = await subjectsOf('sector-a-1');
  const a2 = await subjectsOf('sector-a-2');
  const b = await subjectsOf('sector-b');
  // Authelia §4.1: one UUID per sector_identifier_uri string (OIDC Core §8.1 pairwise).
  assert.match(a1.idToken, UUID_V4);
  assert.match(b.idToken, UUID_V4);
  assert.equal(a1.idToken, a2.idToken);
  assert.notEqual(a1.idToken, b.idToken);
  assert.notEqual(a1.idToken, publicSub);
  assert.notEqual(b.idToken, publicSub);
});

test('a pairwise client sees its own sub in the ID token, userinfo and introspection', async () => {
  const subjects = await subjectsOf('sector-b');
  // OIDC Core §5.3.2 (userinfo) and RFC 7662 §2.2 (introspection): the same sub the client received.
  assert.equal(subjects.userinfo, subjects.idToken);
  assert.equal(subjects.introspection, subjects.idToken);
});

test('the legacy sector_identifier host value keys the pairwise sub by that string, as Authelia stored it', async () => {
  const legacy = await subjectsOf('legacy');
  // Authelia §2.3/§4.1: the old host-style value is kept as the sector id, so existing subs survive.
  assert.equal(legacy.idToken, LEGACY_SUB);
  assert.equal(legacy.introspection, LEGACY_SUB);
  assert.notEqual(legacy.idToken, (await subjectsOf('sector-a-1')).idToken);
});

test('public and pairwise subs are stable across a restart on the same database', async () => {
  const before = { public: (await subjectsOf('public-1')).idToken, a: (await subjectsOf('sector-a-1')).idToken };
  const { directory, port } = castellan;
  await castellan.close();
  castellan = await startCastellan({ clients: CLIENTS, directory, port });
  const fresh = new Browser();
  // Authelia §4.1: the identifier is stored in user_opaque_identifier and reused afterwards.
  assert.equal((await subjectsOf('public-1', fresh)).idToken, before.public);
  assert.equal((await subjectsOf('sector-a-1', fresh)).idToken, before.a);
});
