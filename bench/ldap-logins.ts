// LDAP logins per second through the core's pool of service-bound connections (A: one
// createDirectory, reused) versus a fresh directory per login (B: new service connection and
// bind each time, closed after), against a throwaway slapd holding the seed's MyOrg directory.
// A login is Directory.authenticate: user search, password bind, groups with nested resolution.
// A benchmark, not a test; run on demand:
//   node bench/ldap-logins.ts [--runs=3] [--seconds=5] [--logins=2000] [--concurrency=1,8] [--pool-size=5]
// Per concurrency, alternating runs A B A B … after one discarded warm-up each; prints medians
// with min–max and writes JSON to bench/results/ldap-<timestamp>.json.
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createDirectory, type Directory } from '../src/ldap/directory.ts';
import type { DirectoryOptions } from '../src/ldap/options.ts';
import { POOL_DEFAULTS } from '../src/ldap/pool.ts';
import { DIRECTORY, slapdSkipReason, startSlapd, type Slapd } from '../test/helpers/slapd.ts';
import { count, ms, writeResults } from './report.ts';
import { percentile, spread, type Spread } from './stats.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const WARMUP = { seconds: 0.5, logins: 200 } as const;

/** test_user_1 reaches all_kasm_app_users through kasm_group_1 (nested); test_user_2 directly. */
const USERS = [
  { ...DIRECTORY.users.test_user_1, groups: 2 },
  { ...DIRECTORY.users.test_user_2, groups: 1 },
] as const;

type Mode = 'pooled' | 'fresh';

interface Settings {
  readonly runs: number;
  readonly seconds: number;
  readonly logins: number;
  readonly concurrency: readonly number[];
  readonly poolSize: number;
}

function parseSettings(argv: readonly string[]): Settings {
  const settings = { runs: 3, seconds: 5, logins: 2000, concurrency: [1, 8] as number[], poolSize: POOL_DEFAULTS.size as number };
  const positive = (name: string, text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got '${text}'`);
    return value;
  };
  for (const arg of argv) {
    const [, name, value] = /^--([a-z-]+)=(.+)$/.exec(arg) ?? [];
    if (name === 'runs') settings.runs = Math.ceil(positive(name, value!));
    else if (name === 'seconds') settings.seconds = positive(name, value!);
    else if (name === 'logins') settings.logins = Math.ceil(positive(name, value!));
    else if (name === 'concurrency') settings.concurrency = value!.split(',').map((v) => Math.ceil(positive(name, v)));
    else if (name === 'pool-size') settings.poolSize = Math.ceil(positive(name, value!));
    else throw new Error(`unknown option '${arg}': use --runs=N --seconds=S --logins=N --concurrency=1,8 --pool-size=N`);
  }
  return settings;
}

/** The seed's example as Kasm's OpenLDAP filters describe it; nesting is resolved client-side. */
function directoryOptions(slapd: Slapd, poolSize: number): DirectoryOptions {
  return {
    connection: { url: slapd.url, connectTimeoutMs: 2000, timeoutMs: 2000 },
    baseDN: DIRECTORY.base,
    usersFilter: '(&(objectClass=inetOrgPerson)(uid={0}))',
    groupsFilter: '(&(objectClass=groupOfNames)(member={0}))',
    attributes: { username: 'uid', displayName: 'displayName', mail: 'mail', memberOf: 'memberOf', groupName: 'cn' },
    serviceAccount: DIRECTORY.service,
    pool: { size: poolSize },
  };
}

/** One login; rejects unless the user is found, the password binds and the expected groups come back. */
type Login = (user: (typeof USERS)[number]) => Promise<void>;

async function checkedLogin(directory: Directory, user: (typeof USERS)[number]): Promise<void> {
  const { groups } = await directory.authenticate(user.uid, user.password);
  if (groups.length !== user.groups) throw new Error(`${user.uid}: expected ${user.groups} groups, got ${groups.map((g) => g.name).join(', ') || 'none'}`);
}

interface RunResult {
  readonly mode: Mode;
  readonly concurrency: number;
  readonly completed: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  /** Service connections (each with a service bind) opened during the run. */
  readonly serviceConnects: number;
}

/** Set on SIGINT/SIGTERM: workers stop taking logins, then slapd is stopped. */
let aborted = false;

async function measure(mode: Mode, login: Login, concurrency: number, seconds: number, logins: number): Promise<Omit<RunResult, 'serviceConnects'>> {
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  async function worker(): Promise<void> {
    while (!aborted && issued < logins && performance.now() < deadline) {
      const user = USERS[issued++ % USERS.length]!;
      const began = performance.now();
      try {
        await login(user);
        latencies.push(performance.now() - began);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    mode, concurrency, completed: latencies.length, errors, ...(firstError === undefined ? {} : { firstError }),
    seconds: elapsed, throughput: latencies.length / elapsed, p50: percentile(sorted, 50), p99: percentile(sorted, 99),
  };
}

interface Summary {
  readonly mode: Mode;
  readonly concurrency: number;
  readonly throughput: Spread;
  readonly p50: Spread;
  readonly p99: Spread;
  readonly completed: number;
  readonly errors: number;
  readonly firstError?: string;
}

function summarize(mode: Mode, concurrency: number, runs: readonly RunResult[]): Summary {
  const firstError = runs.find((r) => r.firstError !== undefined)?.firstError;
  return {
    mode, concurrency,
    throughput: spread(runs.map((r) => r.throughput)),
    p50: spread(runs.map((r) => r.p50)),
    p99: spread(runs.map((r) => r.p99)),
    completed: runs.reduce((n, r) => n + r.completed, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

function line(s: Summary, runs: readonly RunResult[]): string {
  const t = s.throughput;
  const connects = runs.reduce((n, r) => n + r.serviceConnects, 0);
  const errors = s.errors > 0 ? `  ${s.errors} ERRORS (first: ${s.firstError})` : '';
  return `  ${s.mode.padEnd(6)}  ${count(t.median).padStart(6)} logins/s [${count(t.min)}–${count(t.max)}]`
    + `  p50 ${ms(s.p50.median)} ms [${ms(s.p50.min)}–${ms(s.p50.max)}]  p99 ${ms(s.p99.median)} ms [${ms(s.p99.min)}–${ms(s.p99.max)}]`
    + `  (${s.completed} logins, ${connects} service binds)${errors}`;
}

function machine(): Record<string, unknown> {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  const slapd = /slapd (\S+)/.exec(spawnSync('/usr/sbin/slapd', ['-VV'], { encoding: 'utf8' }).stderr ?? '')?.[1];
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    slapd: slapd ?? 'unknown',
    commit: git.status === 0 ? git.stdout.trim() : 'unknown',
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const skip = slapdSkipReason();
  if (skip !== false) throw new Error(skip);
  const began = performance.now();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const info = machine();
  console.log(`machine: ${info['cores']} cores, ${info['cpu']}, Node ${info['node']}, slapd ${info['slapd']}, load average ${(info['loadAverageAtStart'] as number[]).join(' ')}`);
  console.log(`settings: ${settings.runs} alternating runs per mode, each ≤ ${settings.logins} logins or ${settings.seconds} s; pool size ${settings.poolSize}; users test_user_1/test_user_2 alternately`);

  let slapd: Slapd | undefined;
  let shared: Directory | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal does not wait: startSlapd's exit hook still kills slapd by its pid.
    if (aborted) process.exit(130);
    aborted = true;
    console.error(`\n${signal}: stopping after the logins in flight, then stopping slapd`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    slapd = await startSlapd();
    const options = directoryOptions(slapd, settings.poolSize);
    shared = createDirectory(options);
    const pooledDirectory = shared;
    let freshConnects = 0;
    const pooled: Login = (user) => checkedLogin(pooledDirectory, user);
    const fresh: Login = async (user) => {
      const directory = createDirectory(options);
      try {
        await checkedLogin(directory, user);
      } finally {
        freshConnects += directory.stats().connects;
        await directory.close();
      }
    };
    // Fail early (and not as thousands of errors) when the directory is not what the bench expects.
    for (const user of USERS) await pooled(user);

    const runs: RunResult[] = [];
    const summaries: { concurrency: number; pooled: Summary; fresh: Summary; ratio: number }[] = [];
    const modes: [Mode, Login][] = [['pooled', pooled], ['fresh', fresh]];
    for (const concurrency of settings.concurrency) {
      for (const [mode, login] of modes) await measure(mode, login, concurrency, WARMUP.seconds, WARMUP.logins);
      const here: RunResult[] = [];
      for (let i = 0; i < settings.runs && !aborted; i++) {
        for (const [mode, login] of modes) {
          if (aborted) break;
          const connects = (): number => (mode === 'pooled' ? pooledDirectory.stats().connects : freshConnects);
          const before = connects();
          const result = await measure(mode, login, concurrency, settings.seconds, settings.logins);
          here.push({ ...result, serviceConnects: connects() - before });
        }
      }
      runs.push(...here);
      if (aborted) break;
      const byMode = (mode: Mode): RunResult[] => here.filter((r) => r.mode === mode);
      const p = summarize('pooled', concurrency, byMode('pooled'));
      const f = summarize('fresh', concurrency, byMode('fresh'));
      const ratio = p.throughput.median / f.throughput.median;
      summaries.push({ concurrency, pooled: p, fresh: f, ratio });
      console.log(`\nconcurrency ${concurrency} (median [min–max] of ${settings.runs} runs)`);
      console.log(line(p, byMode('pooled')));
      console.log(line(f, byMode('fresh')));
      console.log(`  pooled/fresh: ${ratio.toFixed(2)}× logins/s`);
    }
    const seconds = (performance.now() - began) / 1000;
    if (aborted) {
      console.error('aborted: no results written');
      process.exitCode = 130;
      return;
    }
    const file = await writeResults(RESULTS, `ldap-${stamp}`, {
      benchmark: 'ldap-logins', machine: { ...info, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
      settings: { ...settings, warmup: WARMUP }, seconds, summaries, runs,
    });
    console.log(`\n${seconds.toFixed(1)} s in all; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end; results in ${file}`);
  } finally {
    await shared?.close().catch(() => {});
    // slapd may already be gone (a terminal's Ctrl-C reaches the whole process group).
    await slapd?.stop().catch((error: unknown) => console.error(`stopping slapd: ${String(error)}`));
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
