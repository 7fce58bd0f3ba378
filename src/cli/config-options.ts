// The `--config/-c FILE` flag shared by every command that reads the configuration.
import { configFilesFrom } from '../config/index.ts';

export const CONFIG_FLAG = { config: { type: 'string', short: 'c', multiple: true } } as const;

export const CONFIG_HELP = `  -c, --config FILE   configuration file or directory; repeat or separate with commas,
                      later files win (default: $X_CASTELLAN_CONFIG, $X_AUTHELIA_CONFIG or configuration.yml)`;

export function configFiles(values: string[] | undefined): string[] {
  return configFilesFrom(values ?? []);
}
