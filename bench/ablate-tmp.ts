import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/castellan.ts';
import { createFixtures, writeCastellanConfig, writeBaselineOptions, CLIENTS } from './fixtures.ts';
import { startServerProcess, runLoad } from './processes.ts';
import { spread } from './stats.ts';
const dir = await mkdtemp(join(tmpdir(), 'castellan-bench-'));
const fx = await createFixtures();
const full = await startServerProcess('castellan', fileURLToPath(new URL('./castellan-server.ts', import.meta.url)), [await writeCastellanConfig(await mkdtemp(join(dir, 'a-')), await freePort(), fx)]);
const bare = await startServerProcess('castellan-bare', fileURLToPath(new URL('./bare-tmp.ts', import.meta.url)), [await writeCastellanConfig(await mkdtemp(join(dir, 'b-')), await freePort(), fx)]);
const base = await startServerProcess('baseline', fileURLToPath(new URL('./baseline-server.ts', import.meta.url)), [await writeBaselineOptions(dir, 'b', { port: await freePort(), jwks: fx.keys.jwks, userDigest: fx.userDigest, jwtAccessTokens: false })]);
const servers = [full, bare, base];
const jobs = [
  ['discovery', { kind: 'get', path: '/.well-known/openid-configuration', connections: 32 }],
  ['jwks', { kind: 'get', path: '/jwks.json', connections: 32 }],
  ['cc', { kind: 'client-credentials', clientID: CLIENTS.ccPlain, connections: 32 }],
  ['flow c8', { kind: 'flow', clientID: CLIENTS.app, connections: 8 }],
] as const;
for (const [label, job] of jobs) {
  const res = servers.map(() => [] as number[]);
  for (const s of servers) await runLoad({ ...job, target: { base: s.url, flavour: s.name.startsWith('castellan') ? 'castellan' : 'baseline' }, seconds: 1, maxRequests: 200000 } as never);
  for (let i = 0; i < 3; i++) for (const [k, s] of servers.entries()) res[k]!.push((await runLoad({ ...job, target: { base: s.url, flavour: s.name.startsWith('castellan') ? 'castellan' : 'baseline' }, seconds: 3, maxRequests: 200000 } as never)).throughput);
  console.log(label.padEnd(10), servers.map((s, k) => `${s.name} ${Math.round(spread(res[k]!).median)}`).join('  '));
}
for (const s of servers) await s.stop();
