// Starts the Workspaces demo app: node examples/workspaces/main.ts --config FILE (npm run workspaces).
// A configuration problem is printed as FILE:LINE:COLUMN path: message and exits 1; SIGINT and SIGTERM
// stop the server and close the database.
import { parseArgs } from 'node:util';
import { createLogger } from '../../src/logging.ts';
import { startWorkspaces } from './app.ts';
import { loadWorkspacesConfig, WorkspacesConfigError, type WorkspacesConfig } from './config.ts';

const USAGE = 'usage: node examples/workspaces/main.ts --config FILE';

function configFile(): string {
  try {
    const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
    if (values.config !== undefined) return values.config;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
  }
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

let config: WorkspacesConfig;
try {
  config = loadWorkspacesConfig(configFile());
} catch (error) {
  if (!(error instanceof WorkspacesConfigError) && (error as NodeJS.ErrnoException).code === undefined) throw error;
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

const logger = createLogger({ level: config.logLevel, format: 'text' });
const running = await startWorkspaces(config, logger).catch((error: unknown) => {
  logger.error({ code: (error as NodeJS.ErrnoException).code }, `Workspaces could not start: ${(error as Error).message}`);
  process.exit(1);
});
logger.info({ url: running.url }, `Workspaces listening on ${running.url}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A terminal's Ctrl-C reaches `npm run demo` and its children alike; the demo then sends SIGTERM too.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Workspaces stopping');
    void running.close().then(() => process.exit(0));
  });
}
