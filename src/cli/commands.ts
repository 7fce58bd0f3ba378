// The list of every `castellan` command; one module per command.
import type { Command } from './command.ts';
import { CONFIG_VALIDATE, VALIDATE_CONFIG } from './validate-config.ts';

export const COMMANDS: readonly Command[] = [
  VALIDATE_CONFIG,
  CONFIG_VALIDATE,
];
