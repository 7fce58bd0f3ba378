#!/usr/bin/env node
// Entry point for `castellan` and `npx castellan`. Node 24 runs the TypeScript sources directly.
// `castellan serve` replaces this process with one that has heap limits (src/cli/heap-limits.ts),
// same PID and signals, before anything else is loaded.
import { fileURLToPath } from 'node:url';
import { heapFlagsFor } from '../src/cli/heap-limits.ts';

const args = process.argv.slice(2);
const flags = heapFlagsFor(args, process.execArgv, process.env);
// process.execve is POSIX-only (and Node ≥ 22.15); elsewhere serve runs with V8's own limits.
if (flags.length > 0 && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, fileURLToPath(import.meta.url), ...args], process.env);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(args);
