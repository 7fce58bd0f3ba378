// `npm run demo`: Castellan (config.example.yml) and the Workspaces demo app
// (examples/workspaces/workspaces.example.yml) side by side on loopback, as two child processes whose
// output is prefixed with their names. Prints both URLs and the demo credentials once both answer;
// SIGINT or SIGTERM stops both, and either one exiting stops the other.
//   node examples/demo.ts [--castellan-config FILE] [--workspaces-config FILE]
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPOSITORY = fileURLToPath(new URL('..', import.meta.url));
const CASTELLAN_URL = 'http://127.0.0.1:9091';
const WORKSPACES_URL = 'http://127.0.0.1:8080';
const START_TIMEOUT_MS = 30_000;

const { values } = parseArgs({
  options: {
    'castellan-config': { type: 'string', default: 'config.example.yml' },
    'workspaces-config': { type: 'string', default: 'examples/workspaces/workspaces.example.yml' },
  },
});

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
}

function start(name: string, args: readonly string[]): Child {
  const child = spawn(process.execPath, args, { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
  return { name, process: child, exited: once(child, 'exit').then(([code]) => code as number | null) };
}

/** Resolves once `url` answers at all (any status), or rejects when `child` exits first or time runs out. */
async function answers(url: string, child: Child): Promise<void> {
  let gone = false;
  void child.exited.then(() => (gone = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (gone) throw new Error(`${child.name} exited before it answered at ${url}`);
    try {
      await fetch(url, { redirect: 'manual' });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${child.name} did not answer at ${url} within ${START_TIMEOUT_MS / 1000} s`);
      await sleep(100);
    }
  }
}

const children = [
  start('castellan', ['bin/castellan.js', 'serve', '--config', values['castellan-config']]),
  start('workspaces', ['examples/workspaces/main.ts', '--config', values['workspaces-config']]),
];

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGTERM');
    await Promise.all(children.map((child) => child.exited));
  }
  process.exit(code);
}

process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
for (const child of children) {
  void child.exited.then((code) => {
    if (!stopping) {
      process.stdout.write(`${child.name} exited (code ${String(code)}); stopping the demo\n`);
      void stop(code === 0 ? 1 : (code ?? 1));
    }
  });
}

try {
  await Promise.all([answers(`${CASTELLAN_URL}/api/health`, children[0]!), answers(WORKSPACES_URL, children[1]!)]);
} catch (error) {
  process.stdout.write(`${(error as Error).message}\n`);
  await stop(1);
}
process.stdout.write(`
  Workspaces demo app:  ${WORKSPACES_URL}   click "Continue with Castellan"
  Castellan (provider): ${CASTELLAN_URL}
  Castellan user:       john / password     (enrol TOTP with an authenticator app if the client asks for two_factor)
  Local Workspaces user: admin / password
  Ctrl-C stops both.
`);
