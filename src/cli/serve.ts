// `castellan serve`: validates the configuration, starts the provider and portal, and stops
// gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the database).
import { ConfigError, formatIssue, loadConfig } from '../config/index.ts';
import { createLogger } from '../logging.ts';
import { startServer } from '../server.ts';
import { EXIT_FAILURE, EXIT_OK, parseFlags, type Command } from './command.ts';
import { CONFIG_FLAG, CONFIG_HELP, configFiles } from './config-options.ts';

const HELP = `Usage: castellan serve [--config FILE]...

Starts the OpenID Connect provider and the sign-in portal on server.address. A configuration with
errors never starts: every error is printed (as validate-config does) and the exit code is 1.
SIGTERM or SIGINT stops the server gracefully.

Flags:
${CONFIG_HELP}
  -h, --help          show this help`;

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, CONFIG_FLAG);
  let loaded;
  try {
    loaded = await loadConfig({ files: configFiles(values.config) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) process.stderr.write(`${issue.severity}: ${formatIssue(issue)}\n`);
    process.stderr.write(`Castellan did not start: the configuration has ${error.errors.length} error(s).\n`);
    return EXIT_FAILURE;
  }
  const logger = createLogger(loaded.config.log);
  for (const warning of loaded.warnings) logger.warn(formatIssue(warning));
  const server = await startServer(loaded.config, logger).catch((error: unknown) => {
    logger.error({ err: error }, `Castellan did not start: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
  if (!server) return EXIT_FAILURE;
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      server.close().then(() => {
        logger.info('stopped');
        resolve(EXIT_OK);
      }, (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        resolve(EXIT_FAILURE);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

export const SERVE: Command = { path: ['serve'], summary: 'run the OpenID Connect provider and the portal', help: HELP, run };
