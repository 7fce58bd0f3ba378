// V8 heap limits for `castellan serve`. Castellan's live heap is ~30 MB, but V8 sizes its heap for
// throughput, not for a small long-running server: left alone, RSS grew past 350 MB under load.
// These limits keep it under 200 MB at a few per cent of throughput (README "Performance").
// The operator's own choice wins: any of the flags in NODE_OPTIONS or on node's command line, or
// X_CASTELLAN_HEAP_LIMITS=off, and Castellan adds nothing.

/** Semi-spaces of 8 MiB (4 MiB cost ~15 % of signed-in flow throughput in more scavenges) and a 96 MiB old generation. */
export const SERVE_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--max-old-space-size=96'];

const HEAP_FLAG = /(^|\s)--(max-semi-space-size|max-old-space-size|max-heap-size|max-young-generation-size)\b/;

/**
 * The flags to restart node with before running `args`, or an empty list: only `serve` gets them,
 * and only when nobody chose heap limits already.
 */
export function heapFlagsFor(args: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): readonly string[] {
  if (args[0] !== 'serve') return [];
  if ((env['X_CASTELLAN_HEAP_LIMITS'] ?? '').toLowerCase() === 'off') return [];
  if (HEAP_FLAG.test(env['NODE_OPTIONS'] ?? '') || execArgv.some((a) => HEAP_FLAG.test(a))) return [];
  return SERVE_HEAP_FLAGS;
}
