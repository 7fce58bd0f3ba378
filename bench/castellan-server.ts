// Child process: Castellan from a configuration file, with its real SQLite storage, for the
// benchmark. run.ts starts it with the node flags `castellan serve` gives itself (heap limits,
// src/cli/heap-limits.ts) and it calls startServer as serve does. As in the tests, the first-factor timing pad is off (it is a deliberate sleep of at
// least 250 ms that costs no CPU; see src/identity/timing.ts). Logs go to a file next to the
// database at the configured level. Answers the parent over IPC:
//   { cmd: 'advance', seconds } moves the storage clock forward (to expire rows without waiting);
//   { cmd: 'purge' } runs the expired-row purge and reports how many rows went;
//   { cmd: 'memory' } reports process.memoryUsage() (heap, external, array buffers, RSS);
//   { cmd: 'loop' } reports the event-loop delay (ms) since the previous 'loop', and restarts it;
//   { cmd: 'cpu' } reports process.cpuUsage() (µs), to read CPU time per request between two calls.
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/logging.ts';
import { startServer } from '../src/server.ts';
import { purgeExpired } from '../src/storage/oidc-adapter.ts';

interface Command {
  readonly cmd: 'advance' | 'purge' | 'memory' | 'loop' | 'cpu';
  readonly id: number;
  readonly seconds?: number;
}

const configFile = process.argv[2];
if (!configFile) throw new Error('usage: castellan-server.ts <configuration.yml>');
const { config } = await loadConfig({ files: [configFile], env: {} });
const log = createWriteStream(join(dirname(configFile), 'castellan.log'), { flags: 'a' });
let offsetMs = 0;
const server = await startServer(config, createLogger(config.log, log), { clock: () => Date.now() + offsetMs, timing: { seedMs: 0, minimumMs: 0, jitterMs: 0 } });
const storage = server.built.context.storage;
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

process.on('message', (message: Command) => {
  if (message.cmd === 'advance') {
    offsetMs += (message.seconds ?? 0) * 1000;
    process.send!({ id: message.id, ok: true });
  } else if (message.cmd === 'purge') {
    void purgeExpired(storage).then((purged) => process.send!({ id: message.id, ok: true, purged }));
  } else if (message.cmd === 'memory') {
    process.send!({ id: message.id, ok: true, ...process.memoryUsage() });
  } else if (message.cmd === 'loop') {
    process.send!({ id: message.id, ok: true, p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 });
    loop.reset();
  } else if (message.cmd === 'cpu') {
    process.send!({ id: message.id, ok: true, ...process.cpuUsage() });
  }
});

process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});

process.send!({ ready: true, url: server.url });
