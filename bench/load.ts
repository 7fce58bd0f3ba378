// Child process: the load generator. Reads one Job (JSON in argv[2]), runs it against one server
// over a keep-alive node:http Agent, and sends one LoadResult to the parent over IPC.
// Closed loop: `connections` virtual users each repeat the unit of work until `seconds` have passed
// or `maxRequests` units were started. Open loop (`rate` set): units start on a fixed schedule and
// latency counts from the scheduled start, so a stalled server is not hidden by waiting for it.
// A unit is one request, or one whole flow; `setup` work (first sign-ins) is not timed.
import type { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ROUTES } from '../src/oidc/context.ts';
import { USERS } from './fixtures.ts';
import { clientCredentials, codeFlow, type Target, type VirtualUser } from './flows.ts';
import { CookieJar, keepAliveAgent, RawGetConnection, send } from './http.ts';
import { percentile } from './stats.ts';

export type JobKind = 'get' | 'client-credentials' | 'flow' | 'first-login';

export interface Job {
  readonly kind: JobKind;
  readonly target: Target;
  readonly connections: number;
  readonly seconds: number;
  readonly maxRequests: number;
  /** Open loop: units started per second. */
  readonly rate?: number;
  /** `get`: the path to request. */
  readonly path?: string;
  /** `get`: use RawGetConnection instead of node:http (see http.ts). */
  readonly raw?: boolean;
  /** `client-credentials`, `flow`, `first-login`: the client. */
  readonly clientID?: string;
  /** First of USERS this job's virtual users take (so concurrent jobs use distinct users). */
  readonly userOffset?: number;
}

export interface LoadResult {
  readonly completed: number;
  readonly errors: number;
  readonly firstError?: string;
  /** Flows that hit a sign-in or consent page when none was expected (signed-in flows only). */
  readonly interactive: number;
  readonly seconds: number;
  readonly setupSeconds: number;
  /** Completed units per second. */
  readonly throughput: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

type Unit = (vu: VirtualUser) => Promise<boolean>;

function virtualUsers(job: Job): VirtualUser[] {
  const offset = job.userOffset ?? 0;
  return Array.from({ length: job.connections }, (_, i) => ({ jar: new CookieJar(), username: USERS[(offset + i) % USERS.length]! }));
}

/** One raw connection per virtual user, opened during setup. */
async function rawUnit(job: Job, users: readonly VirtualUser[], connections: Map<VirtualUser, RawGetConnection>): Promise<Unit> {
  const url = new URL(job.path ?? '/', job.target.base);
  for (const vu of users) connections.set(vu, await RawGetConnection.open(url));
  return async (vu) => {
    const status = await connections.get(vu)!.get();
    if (status !== 200) throw new Error(`GET ${url.pathname}: HTTP ${status}`);
    return true;
  };
}

function closeAll(agent: Agent, connections: Map<VirtualUser, RawGetConnection>): void {
  agent.destroy();
  for (const connection of connections.values()) connection.close();
}

/** The unit of work; resolves true when it needed no page (only flows can say otherwise). */
function unitOf(job: Job, agent: Agent): Unit {
  const { target } = job;
  switch (job.kind) {
    case 'get': {
      const url = new URL(job.path ?? '/', target.base);
      return async () => {
        const reply = await send(agent, url);
        if (reply.status !== 200) throw new Error(`GET ${url.pathname}: HTTP ${reply.status}`);
        return true;
      };
    }
    case 'client-credentials':
      return async () => {
        await clientCredentials(agent, target, job.clientID!);
        return true;
      };
    case 'flow':
      return async (vu) => {
        const outcome = await codeFlow(agent, target, vu, job.clientID!);
        return !outcome.signIn && !outcome.consent;
      };
    case 'first-login':
      return async (vu) => {
        await codeFlow(agent, target, { jar: new CookieJar(), username: vu.username }, job.clientID!);
        return true;
      };
  }
}

async function run(job: Job): Promise<LoadResult> {
  const agent = keepAliveAgent(job.connections);
  const users = virtualUsers(job);
  const connections = new Map<VirtualUser, RawGetConnection>();
  let unit = unitOf(job, agent);
  const setupStarted = performance.now();
  try {
    if (job.kind === 'get' && job.raw) unit = await rawUnit(job, users, connections);
    // Signed-in flows: each virtual user signs in (and consents) once before the clock starts.
    else if (job.kind === 'flow') await Promise.all(users.map((vu) => codeFlow(agent, job.target, vu, job.clientID!)));
    // Warm the connections, so the measured part does not include TCP connects.
    else if (job.kind !== 'first-login') await Promise.all(users.map(() => send(agent, new URL(ROUTES.jwks, job.target.base))));
  } catch (error) {
    closeAll(agent, connections);
    const message = `setup failed: ${error instanceof Error ? error.message : String(error)}`;
    return { completed: 0, errors: users.length, firstError: message, interactive: 0, seconds: 0, setupSeconds: 0, throughput: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  }
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const latencies = new Float64Array(job.maxRequests);
  let started = 0;
  let completed = 0;
  let errors = 0;
  let interactive = 0;
  let firstError: string | undefined;
  const begin = performance.now();
  const deadline = begin + job.seconds * 1000;

  async function one(vu: VirtualUser, scheduled: number): Promise<void> {
    try {
      const quiet = await unit(vu);
      latencies[completed++] = performance.now() - scheduled;
      if (!quiet) interactive++;
    } catch (error) {
      errors++;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  }

  if (job.rate) {
    const interval = 1000 / job.rate;
    const inFlight: Promise<void>[] = [];
    for (;;) {
      const scheduled = begin + started * interval;
      if (scheduled >= deadline || started >= job.maxRequests) break;
      const wait = scheduled - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const vu = users[started % users.length]!;
      started++;
      inFlight.push(one(vu, scheduled));
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(users.map(async (vu) => {
      while (performance.now() < deadline && started < job.maxRequests) {
        started++;
        await one(vu, performance.now());
      }
    }));
  }
  const seconds = (performance.now() - begin) / 1000;
  closeAll(agent, connections);
  const sorted = latencies.subarray(0, completed).sort();
  return { completed, errors, firstError, interactive, seconds, setupSeconds, throughput: completed / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) };
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const result = await run(job);
process.send!(result, () => process.exit(0));
