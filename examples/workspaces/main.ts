// Starts the Workspaces demo app: node examples/workspaces/main.ts --config FILE (npm run workspaces),
// or tests one of its LDAP configurations: … --config FILE ldap-test (see ldap-test.ts).
// A configuration problem is printed as FILE:LINE:COLUMN path: message and exits 1; SIGINT and SIGTERM
// stop the server and close the database.
import { parseArgs } from 'node:util';
import { createLogger } from '../../src/logging.ts';
import { startWorkspaces } from './app.ts';
import { loadWorkspacesConfig, WorkspacesConfigError, type WorkspacesConfig } from './config.ts';
import { LDAP_TEST_USAGE, runLDAPTest } from './ldap-test.ts';

const USAGE = `usage: node examples/workspaces/main.ts --config FILE\n       ${LDAP_TEST_USAGE.replace(/^usage: /, '')}`;

function commandLine(): { file: string; command: string | undefined; values: { id?: string | undefined; username?: string | undefined; 'password-file'?: string | undefined } } {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, id: { type: 'string' }, username: { type: 'string' }, 'password-file': { type: 'string' } },
    });
    const [command, ...rest] = positionals;
    const valid = rest.length === 0 && (command === undefined || command === 'ldap-test');
    const testOnly = values.id !== undefined || values.username !== undefined || values['password-file'] !== undefined;
    if (values.config !== undefined && valid && (command !== undefined || !testOnly)) return { file: values.config, command, values };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
  }
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

const { file, command, values } = commandLine();
let config: WorkspacesConfig;
try {
  config = loadWorkspacesConfig(file);
} catch (error) {
  if (!(error instanceof WorkspacesConfigError) && (error as NodeJS.ErrnoException).code === undefined) throw error;
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

/** Listens until SIGINT or SIGTERM. */
async function serve(config: WorkspacesConfig): Promise<void> {
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
}

if (command === 'ldap-test') {
  // exitCode, not exit(): the report on a piped stdout is written out first.
  process.exitCode = await runLDAPTest(config, { id: values.id, username: values.username, passwordFile: values['password-file'] }, process.stdout, process.stderr);
} else {
  await serve(config);
}
