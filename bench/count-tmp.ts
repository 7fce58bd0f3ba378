// temporary: counts and times SQL statements per flow / per cc token
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/logging.ts';
import { startServer } from '../src/server.ts';
import { freePort } from '../test/helpers/castellan.ts';
import { createFixtures, writeCastellanConfig, CLIENTS } from './fixtures.ts';
import { runLoad } from './processes.ts';
const dir = await mkdtemp(join(tmpdir(), 'castellan-bench-'));
const fx = await createFixtures();
const cfgFile = await writeCastellanConfig(dir, await freePort(), fx);
const { config } = await loadConfig({ files: [cfgFile], env: {} });
const server = await startServer(config, createLogger(config.log, createWriteStream('/dev/null')), { timing: { seedMs: 0, minimumMs: 0, jitterMs: 0 } });
const storage = server.built.context.storage as { statement(sql: string): unknown };
const stats = new Map<string, { n: number; ms: number }>();
const original = storage.statement.bind(storage);
const wrapped = new Map<string, unknown>();
storage.statement = (sql: string) => {
  let w = wrapped.get(sql);
  if (!w) {
    const st = original(sql) as Record<string, (...a: unknown[]) => unknown>;
    const s = { n: 0, ms: 0 }; stats.set(sql.replace(/\s+/g, ' ').slice(0, 90), s);
    w = new Proxy(st, { get(t, p) { const v = t[p as string]; if (p === 'run' || p === 'get' || p === 'all') return (...a: unknown[]) => { const t0 = performance.now(); try { return (v as Function).apply(t, a); } finally { s.n++; s.ms += performance.now() - t0; } }; return typeof v === 'function' ? (v as Function).bind(t) : v; } });
    wrapped.set(sql, w);
  }
  return w;
};
const target = { base: server.url, flavour: 'castellan' as const };
for (const [label, job] of [['flow', { kind: 'flow', clientID: CLIENTS.app, connections: 8 }], ['cc', { kind: 'client-credentials', clientID: CLIENTS.ccPlain, connections: 32 }]] as const) {
  stats.clear(); wrapped.clear();
  const r = await runLoad({ ...job, target, seconds: 4, maxRequests: 4000 } as never);
  const units = r.completed + (label === 'flow' ? 8 : 0);
  console.log(`\n${label}: ${r.completed} units (${Math.round(r.throughput)}/s), per unit:`);
  let total = 0;
  for (const [sql, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) { total += s.ms; console.log(`  ${(s.n / units).toFixed(2).padStart(5)}×  ${(1000 * s.ms / s.n).toFixed(0).padStart(4)} µs each  ${sql}`); }
  console.log(`  SQL time per unit: ${(1000 * total / units).toFixed(0)} µs; wall per unit at this rate: ${(1e6 / r.throughput).toFixed(0)} µs`);
}
await server.close();
