// `castellan` command dispatcher: finds the command named by the leading words, handles `--help`,
// and maps a UsageError to one line on stderr with exit code 2.
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type Command } from './command.ts';
import { COMMANDS, type CommandEntry } from './commands.ts';

const PROGRAM = 'castellan';

async function overview(): Promise<string> {
  const commands = await Promise.all(COMMANDS.map((c) => c.load()));
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  const lines = commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return [
    `${PROGRAM}: an OpenID Connect 1.0 provider configured like Authelia.`,
    '',
    `Usage: ${PROGRAM} <command> [flags]`,
    '',
    'Commands:',
    ...lines,
    '',
    `Run '${PROGRAM} <command> --help' for a command's flags.`,
  ].join('\n');
}

/** Longest command path that prefixes `args`. */
function findCommand(args: string[]): { command: CommandEntry; rest: string[] } | undefined {
  let best: CommandEntry | undefined;
  for (const command of COMMANDS) {
    const matches = command.path.every((word, i) => args[i] === word);
    if (matches && (!best || command.path.length > best.path.length)) best = command;
  }
  return best ? { command: best, rest: args.slice(best.path.length) } : undefined;
}

function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  return flags.includes('--help') || flags.includes('-h');
}

export async function main(args: string[]): Promise<number> {
  if (args.length === 0 || (wantsHelp(args) && !findCommand(args))) {
    const unknown = args.find((a) => !a.startsWith('-'));
    if (unknown) return usageError(`unknown command '${args.filter((a) => !a.startsWith('-')).join(' ')}'`);
    process.stdout.write(`${await overview()}\n`);
    return EXIT_OK;
  }
  const found = findCommand(args);
  if (!found) {
    const words = args.filter((a) => !a.startsWith('-'));
    const group = COMMANDS.filter((c) => words.length > 0 && c.path[0] === words[0]);
    const hint = group.length > 0 ? `; did you mean one of: ${group.map((c) => c.path.join(' ')).join(', ')}` : '';
    return usageError(`unknown command '${words.join(' ') || args.join(' ')}'${hint}`);
  }
  const { rest } = found;
  const command: Command = await found.command.load();
  if (wantsHelp(rest)) {
    process.stdout.write(`${command.help.trimEnd()}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) return usageError(`${error.message} (see '${PROGRAM} ${command.path.join(' ')} --help')`);
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

function usageError(message: string): number {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  return EXIT_USAGE;
}
