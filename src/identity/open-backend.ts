// Opens the configured authentication backend (exactly one of file or ldap, as validated) behind
// the refresh_interval of live sessions. An LDAP directory is checked in the background at start
// (connect, service bind, rootDSE): the result is logged, and a directory that is down does not
// keep Castellan from starting, since sign-ins succeed again once it is back.
import type { AuthenticationBackendConfig } from '../config/types.ts';
import { LDAPError } from '../ldap/errors.ts';
import { openFileBackend, type BackendLogger } from './file-backend.ts';
import { openLDAPBackend, type LDAPBackend } from './ldap-backend.ts';
import { withRefreshInterval } from './refresh.ts';
import type { AuthenticationBackend } from './user.ts';

export interface OpenBackendOptions {
  readonly logger: BackendLogger;
  /** Milliseconds since the epoch, for refresh_interval (tests pass a controllable clock). */
  readonly clock?: () => number;
}

function checkDirectory(backend: LDAPBackend, address: string, logger: BackendLogger): void {
  backend.directory.supportsInChain().then(
    (inChain) => logger.info(`LDAP directory ${address} is reachable and the service bind succeeded; LDAP_MATCHING_RULE_IN_CHAIN is ${inChain ? 'evaluated by the server' : 'not supported by the server (emulated client-side where a filter uses it)'}`),
    (error: unknown) => {
      // Closed before the check finished (a quick stop): nothing to report.
      if (error instanceof LDAPError && error.code === 'CLOSED') return;
      logger.error(`LDAP directory ${address} is not usable yet, sign-ins will fail until it is: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
}

export async function openAuthenticationBackend(config: AuthenticationBackendConfig, options: OpenBackendOptions): Promise<AuthenticationBackend> {
  const { logger } = options;
  let backend: AuthenticationBackend;
  if (config.ldap !== undefined) {
    const ldap = openLDAPBackend(config.ldap, { logger });
    checkDirectory(ldap, config.ldap.address ?? '', logger);
    backend = ldap;
  } else {
    backend = await openFileBackend(config.file!, { logger });
  }
  return withRefreshInterval(backend, config.refresh_interval, options.clock);
}
