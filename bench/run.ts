// The benchmark: Castellan against plain oidc-provider (the baseline), side by side on this
// machine, in alternating runs (A B A B …), medians of RUNS runs with min–max. Run on demand:
//   node bench/run.ts [--only=1,3,7] [--profile]
// --only picks scenarios by number; --profile writes V8 CPU profiles of the Castellan processes
// (node --cpu-prof) next to the results. Prints one table and writes it as JSON to
// bench/results/<timestamp>.json. Never part of `npm test`.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { heapFlagsFor } from '../src/cli/heap-limits.ts';
import { freePort } from '../test/helpers/castellan.ts';
import { measureCrypto, type CryptoCosts } from './crypto.ts';
import { CLIENTS, createFixtures, writeBaselineOptions, writeCastellanConfig, type Fixtures } from './fixtures.ts';
import type { Job } from './load.ts';
import { databaseSize, prefill, type DatabaseSize } from './prefill.ts';
import { runLoad, startServerProcess, type ServerProcess } from './processes.ts';
import { atLeast, count, formatTable, latencyCell, measureOf, ms, ratioOf, throughputCell, writeResults, type Measure, type Row } from './report.ts';
import { spread } from './stats.ts';
import type { Flavour } from './flows.ts';

const RUNS = 3;
/** Seconds per measured run, and per discarded warm-up run. */
const SECONDS = 3;
const WARMUP_SECONDS = 1;
/** A cap no run reaches in SECONDS; it bounds the latency buffer. */
const MAX_REQUESTS = 200_000;
const DISCOVERY = '/.well-known/openid-configuration';
/** Growth: stored users' worth of grants, consents, sessions and tokens. */
const GROWTH_SIZES = [1_000, 10_000, 100_000];
/** Growth: flows run on the largest database before RSS and database size are read. */
const GROWTH_FLOWS = 20_000;
const GROWTH_FLOW_SECONDS = 150;
const RSS_BUDGET_MB = 200;
/** Responsiveness: discovery at a fixed rate while first logins hash passwords. */
const PROBE_RATE = 200;
const PROBE_SECONDS = 3.5;
const LOGIN_CONCURRENCY = 8;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const CASTELLAN_SERVER = fileURLToPath(new URL('./castellan-server.ts', import.meta.url));
const BASELINE_SERVER = fileURLToPath(new URL('./baseline-server.ts', import.meta.url));
const TRIVIAL_SERVER = fileURLToPath(new URL('./trivial-server.ts', import.meta.url));

interface Options {
  readonly only: ReadonlySet<number> | undefined;
  readonly profile: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let only: Set<number> | undefined;
  let profile = false;
  for (const arg of argv) {
    if (arg.startsWith('--only=')) only = new Set(arg.slice('--only='.length).split(',').map(Number));
    else if (arg === '--profile') profile = true;
    else throw new Error(`unknown option '${arg}': use --only=1,2,… and/or --profile`);
  }
  return { only, profile };
}

interface Bench {
  readonly directory: string;
  readonly fixtures: Fixtures;
  readonly profileDirectory: string | undefined;
  readonly castellan: ServerProcess;
  readonly baseline: ServerProcess;
  readonly rows: Row[];
  readonly raw: Record<string, unknown>;
}

function target(server: ServerProcess): Job['target'] {
  return { base: server.url, flavour: server.name.startsWith('castellan') ? 'castellan' : ('baseline' as Flavour) };
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function startCastellan(bench: Pick<Bench, 'directory' | 'fixtures' | 'profileDirectory'>, name: string): Promise<{ server: ServerProcess; database: string }> {
  const directory = await mkdtemp(join(bench.directory, `${name}-`));
  const config = await writeCastellanConfig(directory, await freePort(), bench.fixtures);
  const profile = bench.profileDirectory ? ['--cpu-prof', `--cpu-prof-dir=${bench.profileDirectory}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  // The node flags `castellan serve` runs with (bin/castellan.js), so memory and GC are as in production.
  const serve = heapFlagsFor(['serve'], process.execArgv, process.env);
  return { server: await startServerProcess(name, CASTELLAN_SERVER, [config], [...serve, ...profile]), database: join(directory, 'db.sqlite3') };
}

async function startBaseline(bench: Pick<Bench, 'directory' | 'fixtures'>, name: string, jwtAccessTokens: boolean): Promise<ServerProcess> {
  const options = await writeBaselineOptions(bench.directory, name, { port: await freePort(), jwks: bench.fixtures.keys.jwks, userDigest: bench.fixtures.userDigest, jwtAccessTokens });
  return startServerProcess(name, BASELINE_SERVER, [options]);
}

/** The server process's CPU time so far (user + system, µs), from its { cmd: 'cpu' } answer. */
async function cpuMicros(server: ServerProcess): Promise<number> {
  const { user, system } = (await server.command({ cmd: 'cpu' })) as { user: number; system: number };
  return user + system;
}

/**
 * Runs `job` against each server in turn, RUNS rounds (A B A B …), after one discarded warm-up
 * run each; returns the measures in the order of `servers`. With `cpu`, also the server's CPU time
 * per completed unit: far steadier than throughput on a shared machine, since it does not depend on
 * how much of the CPU the server got. (Only for jobs without setup work, which would be counted.)
 */
async function alternate(label: string, servers: readonly ServerProcess[], job: (server: ServerProcess) => Job, raw: Record<string, unknown>, options: { readonly cpu?: boolean } = {}): Promise<Measure[]> {
  for (const server of servers) await runLoad({ ...job(server), seconds: WARMUP_SECONDS });
  const results = servers.map(() => [] as Awaited<ReturnType<typeof runLoad>>[]);
  const cpu = servers.map(() => [] as number[]);
  for (let round = 0; round < RUNS; round++) {
    for (const [i, server] of servers.entries()) {
      const before = options.cpu ? await cpuMicros(server) : 0;
      const result = await runLoad(job(server));
      if (options.cpu && result.completed > 0) cpu[i]!.push((await cpuMicros(server) - before) / result.completed);
      results[i]!.push(result);
    }
  }
  const measures = results.map((r, i) => ({ ...measureOf(r), ...(options.cpu ? { cpuPerUnit: spread(cpu[i]!) } : {}) }));
  raw[label] = Object.fromEntries(servers.map((s, i) => [s.name, results[i]]));
  log(`${label}: ${servers.map((s, i) => `${s.name} ${count(measures[i]!.throughput.median)}/s`).join(', ')}`);
  return measures;
}

function closedJob(server: ServerProcess, fields: Omit<Job, 'target' | 'seconds' | 'maxRequests'>): Job {
  return { target: target(server), seconds: SECONDS, maxRequests: MAX_REQUESTS, ...fields };
}

function comparison(id: string, scenario: string, [castellan, baseline]: Measure[], minimum: number | undefined, unit = '/s'): Row {
  const ratio = ratioOf(castellan, baseline);
  const budget = minimum === undefined ? undefined : atLeast(ratio, minimum);
  const interactive = castellan!.interactive + baseline!.interactive;
  const cpu = castellan!.cpuPerUnit && baseline!.cpuPerUnit
    && `server CPU per ${unit === '/s' ? 'request' : 'unit'}: Castellan ${count(castellan!.cpuPerUnit.median)} µs, baseline ${count(baseline!.cpuPerUnit.median)} µs (${(castellan!.cpuPerUnit.median / baseline!.cpuPerUnit.median).toFixed(2)}×)`;
  const note = [cpu, castellan!.firstError && `Castellan: ${castellan!.firstError}`, baseline!.firstError && `baseline: ${baseline!.firstError}`, interactive > 0 && `${interactive} signed-in flows met a page`].filter(Boolean).join('; ');
  return { id, scenario, castellan: throughputCell(castellan!, unit), baseline: throughputCell(baseline!, unit), ratio, ...(budget ? { budget } : {}), ...(note ? { note } : {}) };
}

/**
 * Static documents, read with the bare GET client (http.ts RawGetConnection): node:http's client
 * saturates its core below the rate these reach. Row 1c is the ceiling: a trivial server with a
 * fixed body of the discovery document's size, read by both clients.
 */
async function documents(bench: Bench): Promise<void> {
  const servers = [bench.castellan, bench.baseline];
  for (const [id, path, name] of [['1a', DISCOVERY, 'discovery'], ['1b', '/jwks.json', 'JWKS']] as const) {
    const measures = await alternate(`1 ${name}`, servers, (s) => closedJob(s, { kind: 'get', path, connections: 32, raw: true }), bench.raw);
    bench.rows.push(comparison(id, `${name} GET, 32 connections`, measures, 2));
  }
  const trivial = await startServerProcess('trivial', TRIVIAL_SERVER, []);
  try {
    const rawClient: ServerProcess = { ...trivial, name: 'trivial-raw-client' };
    const [raw, http] = await alternate('1 ceiling', [rawClient, trivial], (s) => ({ ...closedJob(trivial, { kind: 'get', path: '/', connections: 32 }), raw: s === rawClient }), bench.raw);
    bench.rows.push({
      id: '1c',
      scenario: 'ceiling: trivial node:http server, fixed 3.5 KB body',
      castellan: { text: `${throughputCell(raw!).text} (bare GET client, used for 1a–1b)` },
      baseline: { text: `${throughputCell(http!).text} (node:http client)` },
      note: 'load generator and server share the 2 cores; no server can be measured above the first figure',
    });
  } finally {
    await trivial.stop();
  }
}

async function clientCredentialsTokens(bench: Bench): Promise<void> {
  const measures = await alternate('2 client_credentials opaque', [bench.castellan, bench.baseline], (s) => closedJob(s, { kind: 'client-credentials', clientID: CLIENTS.ccPlain, connections: 32 }), bench.raw, { cpu: true });
  bench.rows.push(comparison('2a', 'client_credentials, opaque token, 32 conn.', measures, 0.9));
  const jwt = await startBaseline(bench, 'baseline-jwt', true);
  try {
    for (const [id, alg, clientID] of [['2b', 'RS256', CLIENTS.ccRS256], ['2c', 'ES256', CLIENTS.ccES256]] as const) {
      const jwtMeasures = await alternate(`2 client_credentials ${alg}`, [bench.castellan, jwt], (s) => closedJob(s, { kind: 'client-credentials', clientID, connections: 32 }), bench.raw);
      const row = comparison(id, `client_credentials, ${alg} JWT token, 32 conn.`, jwtMeasures, 0.9);
      bench.rows.push({ ...row, note: [row.note, `baseline with resource indicators (accessTokenFormat jwt); its JWT vs its opaque token: ${(jwtMeasures[1]!.throughput.median / measures[1]!.throughput.median).toFixed(2)}×`].filter(Boolean).join('; ') });
    }
  } finally {
    await jwt.stop();
  }
}

async function signedInFlows(bench: Bench): Promise<void> {
  for (const [id, connections] of [['3a', 1], ['3b', 8], ['3c', 32]] as const) {
    const measures = await alternate(`3 flow c${connections}`, [bench.castellan, bench.baseline], (s) => closedJob(s, { kind: 'flow', clientID: CLIENTS.app, connections }), bench.raw);
    bench.rows.push(comparison(id, `code+PKCE flow, signed in, concurrency ${connections}`, measures, 0.8, ' flows/s'));
  }
}

async function firstLogins(bench: Bench): Promise<void> {
  const measures = await alternate('4 first login', [bench.castellan, bench.baseline], (s) => closedJob(s, { kind: 'first-login', clientID: CLIENTS.app, connections: LOGIN_CONCURRENCY }), bench.raw);
  const row = comparison('4', `first login (argon2id m=64MiB t=3 p=4) + flow, concurrency ${LOGIN_CONCURRENCY}`, measures, undefined, ' logins/s');
  bench.rows.push({ ...row, note: [row.note, 'the baseline verifies the same argon2id digest in its interaction; Castellan runs without its timing pad (≥ 250 ms of sleep by design, no CPU)'].filter(Boolean).join('; ') });
}

async function clientSecrets(bench: Bench, crypto: CryptoCosts): Promise<void> {
  const { castellan, baseline } = bench;
  const plain = (s: ServerProcess): Job => closedJob(s, { kind: 'client-credentials', clientID: CLIENTS.ccPlain, connections: 32 });
  const hashedJob = (s: ServerProcess): Job => closedJob(s, { kind: 'client-credentials', clientID: CLIENTS.ccHashed, connections: 32 });
  // Three servers in the rotation: Castellan plaintext, baseline plaintext, Castellan hashed.
  const hashedView: ServerProcess = { ...castellan, name: 'castellan-hashed' };
  const [castellanPlain, baselinePlain, hashed] = await alternate('5 client secrets', [castellan, baseline, hashedView], (s) => (s === hashedView ? hashedJob(castellan) : plain(s)), bench.raw);
  bench.rows.push(comparison('5a', 'token endpoint, plaintext secret, 32 conn.', [castellanPlain!, baselinePlain!], undefined));
  const ratio = hashed!.throughput.median / castellanPlain!.throughput.median;
  const oneHash = (1000 / crypto.pbkdf2SHA512) * availableParallelism();
  bench.rows.push({
    id: '5b',
    scenario: 'token endpoint, $pbkdf2-sha512$310000$ secret, 32 conn.',
    castellan: throughputCell(hashed!),
    baseline: { text: 'n/a (plaintext secrets only)' },
    ratio,
    ratioOf: 'hashed / own plaintext',
    budget: atLeast(ratio, 0.5)!,
    note: `one hash per request would allow ≈ ${count(oneHash)}/s on ${availableParallelism()} cores (${crypto.pbkdf2SHA512.toFixed(0)} ms per pbkdf2); measured ${(hashed!.throughput.median / oneHash).toFixed(1)}× that${hashed!.firstError ? `; ${hashed!.firstError}` : ''}`,
  });
}

/** Discovery at PROBE_RATE alone, then the same while LOGIN_CONCURRENCY first logins run. */
interface Probe {
  readonly result: Awaited<ReturnType<typeof runLoad>>;
  /** The server's event-loop delay p99 (ms) over the probe. */
  readonly loopP99: number;
}

async function probe(server: ServerProcess, loaded: boolean): Promise<Probe> {
  const discovery: Job = { kind: 'get', target: target(server), path: DISCOVERY, connections: 8, rate: PROBE_RATE, seconds: PROBE_SECONDS, maxRequests: MAX_REQUESTS };
  const logins = loaded ? runLoad({ kind: 'first-login', target: target(server), clientID: CLIENTS.app, connections: LOGIN_CONCURRENCY, seconds: PROBE_SECONDS + 1.5, maxRequests: MAX_REQUESTS, userOffset: 40 }) : undefined;
  if (logins) await sleep(750);
  await server.command({ cmd: 'loop' });
  const result = await runLoad(discovery);
  const { p99 } = (await server.command({ cmd: 'loop' })) as { p99: number };
  await logins;
  return { result, loopP99: p99 };
}

async function responsiveness(bench: Bench): Promise<void> {
  const servers = [bench.castellan, bench.baseline];
  const idle = servers.map(() => [] as Probe[]);
  const loaded = servers.map(() => [] as Probe[]);
  for (const server of servers) await runLoad({ kind: 'get', target: target(server), path: DISCOVERY, connections: 8, rate: PROBE_RATE, seconds: WARMUP_SECONDS, maxRequests: MAX_REQUESTS });
  for (let round = 0; round < RUNS; round++) {
    for (const [i, server] of servers.entries()) {
      idle[i]!.push(await probe(server, false));
      loaded[i]!.push(await probe(server, true));
    }
  }
  bench.raw['6 responsiveness'] = Object.fromEntries(servers.map((s, i) => [s.name, { idle: idle[i], loaded: loaded[i] }]));
  const [castellanIdle, baselineIdle] = idle.map((p) => measureOf(p.map((r) => r.result)));
  const [castellanLoaded, baselineLoaded] = loaded.map((p) => measureOf(p.map((r) => r.result)));
  const loop = (probes: readonly Probe[]): string => ms(spread(probes.map((p) => p.loopP99)).median);
  const ratio = castellanLoaded!.p99.median / castellanIdle!.p99.median;
  const baselineRatio = baselineLoaded!.p99.median / baselineIdle!.p99.median;
  log(`6 responsiveness: Castellan p99 ${castellanIdle!.p99.median.toFixed(2)} → ${castellanLoaded!.p99.median.toFixed(2)} ms, baseline ${baselineIdle!.p99.median.toFixed(2)} → ${baselineLoaded!.p99.median.toFixed(2)} ms`);
  const errors = [castellanLoaded!.firstError, castellanIdle!.firstError].filter(Boolean).join('; ');
  bench.rows.push({
    id: '6',
    scenario: `discovery p99 at ${PROBE_RATE}/s, idle → during ${LOGIN_CONCURRENCY} first logins`,
    castellan: latencyCell(castellanIdle!, castellanLoaded!),
    baseline: latencyCell(baselineIdle!, baselineLoaded!),
    ratio,
    ratioOf: `loaded / idle p99; baseline ${baselineRatio.toFixed(2)}×`,
    budget: { text: '≤ 2×', pass: ratio <= 2 },
    note: `open loop, latency from the scheduled start; p50 idle ${castellanIdle!.p50.median.toFixed(2)} → ${castellanLoaded!.p50.median.toFixed(2)} ms; event-loop delay p99 idle ${loop(idle[0]!)} → ${loop(loaded[0]!)} ms (baseline ${loop(idle[1]!)} → ${loop(loaded[1]!)} ms)${errors ? `; ${errors}` : ''}`,
  });
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function growth(bench: Bench): Promise<void> {
  // One Castellan per size, pre-filled, so runs alternate between sizes as A B runs do.
  const started = await Promise.all(GROWTH_SIZES.map((size) => startCastellan(bench, `castellan-${size / 1000}k`)));
  try {
    const filled = started.map(({ database }, i) => prefill(database, 0, GROWTH_SIZES[i]!));
    log(`7 growth: pre-filled ${GROWTH_SIZES.join(', ')} users in ${filled.map((s) => `${s.toFixed(1)} s`).join(', ')}`);
    const servers = started.map((s) => s.server);
    const measures = await alternate('7 growth', servers, (s) => closedJob(s, { kind: 'flow', clientID: CLIENTS.remembered, connections: 8 }), bench.raw);
    const base = measures[0]!;
    for (const [i, size] of GROWTH_SIZES.entries()) {
      const ratio = measures[i]!.throughput.median / base.throughput.median;
      const last = i === GROWTH_SIZES.length - 1;
      bench.rows.push({
        id: `7${'abc'[i]}`,
        scenario: `flow c8 (remembered consent), ${count(size)} stored grants/consents`,
        castellan: throughputCell(measures[i]!, ' flows/s'),
        baseline: { text: 'n/a (memory adapter)' },
        ratio,
        ratioOf: `vs ${count(GROWTH_SIZES[0]!)}`,
        ...(last ? { budget: atLeast(ratio, 0.9)! } : {}),
        ...(measures[i]!.firstError ? { note: measures[i]!.firstError } : {}),
      });
    }
    const largest = started.at(-1)!;
    const before = databaseSize(largest.database);
    const rssBefore = largest.server.rss();
    const run = await runLoad({ kind: 'flow', target: target(largest.server), clientID: CLIENTS.remembered, connections: 8, seconds: GROWTH_FLOW_SECONDS, maxRequests: GROWTH_FLOWS });
    const rssAfter = largest.server.rss();
    const heap = (await largest.server.command({ cmd: 'memory' })) as { heapUsed: number; heapTotal: number };
    const after = databaseSize(largest.database);
    // Two hours on: codes, access tokens and sessions of the run have expired; purge them.
    await largest.server.command({ cmd: 'advance', seconds: 2 * 3600 });
    const { purged } = (await largest.server.command({ cmd: 'purge' })) as { purged: number };
    const purgedSize = databaseSize(largest.database);
    const rssPurged = largest.server.rss();
    const growthRaw = { flows: run, rssBefore, rssAfter, heap, rssPurged, before, after, purged, purgedSize };
    bench.raw['7 growth after flows'] = growthRaw;
    log(`7 growth: ${run.completed} flows in ${run.seconds.toFixed(0)} s; RSS ${megabytes(rssBefore)} → ${megabytes(rssAfter)}; db ${megabytes(before.bytes)} → ${megabytes(after.bytes)}; purged ${purged} rows`);
    bench.rows.push({
      id: '7d',
      scenario: `RSS after ${count(run.completed)} more flows on the ${count(GROWTH_SIZES.at(-1)!)} database`,
      castellan: { text: `${megabytes(rssAfter)} (before the flows ${megabytes(rssBefore)}, after purge ${megabytes(rssPurged)})` },
      baseline: { text: `${megabytes(bench.baseline.rss())} (its process, after all scenarios)` },
      budget: { text: `< ${RSS_BUDGET_MB} MB`, pass: rssAfter < RSS_BUDGET_MB * 1024 * 1024 && run.errors === 0 },
      note: `${count(run.throughput)} flows/s, ${run.errors} errors${run.firstError ? ` (${run.firstError})` : ''}; V8 heap used ${megabytes(heap.heapUsed)} of ${megabytes(heap.heapTotal)} committed`,
    });
    bench.rows.push({
      id: '7e',
      scenario: 'database size after those flows, then after purging expired rows',
      castellan: { text: `${sizeText(before)} → ${sizeText(after)} → purged ${purged}: ${sizeText(purgedSize)}` },
      baseline: { text: 'n/a (memory adapter)' },
    });
  } finally {
    await Promise.all(started.map((s) => s.server.stop()));
  }
}

function sizeText(size: DatabaseSize): string {
  return `${megabytes(size.bytes)} (${count(size.payloadRows)} oidc rows)`;
}

function machine(): Record<string, unknown> {
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memory: `${Math.round(totalmem() / 1024 / 1024 / 1024)} GiB`,
    node: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain']) !== '',
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const wanted = (n: number): boolean => !options.only || options.only.has(n);
  const began = performance.now();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const info = machine();
  log(`machine: ${info['cores']} cores, ${info['cpu']}, Node ${info['node']}, load average ${(info['loadAverageAtStart'] as number[]).join(' ')}`);
  const directory = await mkdtemp(join(tmpdir(), 'castellan-bench-'));
  const fixtures = await createFixtures();
  const crypto = await measureCrypto(fixtures);
  log(`crypto on one core: RS256 sign ${crypto.rs256Sign.toFixed(2)} ms, ES256 sign ${crypto.es256Sign.toFixed(2)} ms, pbkdf2-sha512 310000 ${crypto.pbkdf2SHA512.toFixed(0)} ms, argon2id m=65536 t=3 p=4 ${crypto.argon2id.toFixed(0)} ms`);
  const profileDirectory = options.profile ? join(RESULTS, `profiles-${stamp}`) : undefined;
  const { server: castellan } = await startCastellan({ directory, fixtures, profileDirectory }, 'castellan');
  const baseline = await startBaseline({ directory, fixtures }, 'baseline', false);
  const bench: Bench = { directory, fixtures, profileDirectory, castellan, baseline, rows: [], raw: {} };
  try {
    if (wanted(1)) await documents(bench);
    if (wanted(2)) await clientCredentialsTokens(bench);
    if (wanted(3)) await signedInFlows(bench);
    if (wanted(4)) await firstLogins(bench);
    if (wanted(5)) await clientSecrets(bench, crypto);
    if (wanted(6)) await responsiveness(bench);
    if (wanted(7)) await growth(bench);
  } finally {
    await castellan.stop();
    await baseline.stop();
    await rm(directory, { recursive: true, force: true });
  }
  const seconds = (performance.now() - began) / 1000;
  const table = formatTable(bench.rows);
  const summary = `${info['cores']} cores (${info['cpu']}), Node ${info['node']}, commit ${info['commit']}${info['dirty'] ? ' (uncommitted changes)' : ''}; ${RUNS} alternating runs of ${SECONDS} s each, median [min–max]; ${seconds.toFixed(0)} s in all; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`;
  process.stdout.write(`\n${table}\n\n${summary}\n`);
  const crypt = `crypto on one core: RS256 sign ${crypto.rs256Sign.toFixed(2)} ms, ES256 sign ${crypto.es256Sign.toFixed(2)} ms, pbkdf2-sha512 310000 ${crypto.pbkdf2SHA512.toFixed(0)} ms, argon2id m=65536 t=3 p=4 ${crypto.argon2id.toFixed(0)} ms`;
  process.stdout.write(`${crypt}\n`);
  const failed = bench.rows.filter((r) => r.budget && !r.budget.pass).map((r) => r.id);
  const file = await writeResults(RESULTS, stamp, { machine: { ...info, loadAverageAtEnd: loadavg() }, settings: { RUNS, SECONDS, WARMUP_SECONDS, GROWTH_SIZES, GROWTH_FLOWS, PROBE_RATE, LOGIN_CONCURRENCY }, crypto, seconds, rows: bench.rows, failed, raw: bench.raw });
  process.stdout.write(`${failed.length === 0 ? 'every budget holds' : `budgets missed: ${failed.join(', ')}`}\nresults: ${file}${profileDirectory ? `\nCPU profiles: ${profileDirectory}` : ''}\n`);
}

await main();
