// The list of every `castellan` command; one module per command.
import type { Command } from './command.ts';
import { SERVE } from './serve.ts';
import { CONFIG_VALIDATE, VALIDATE_CONFIG } from './validate-config.ts';
import { CRYPTO_HASH_GENERATE_COMMANDS } from './crypto-hash-generate.ts';
import { CRYPTO_HASH_VALIDATE } from './crypto-hash-validate.ts';
import { CRYPTO_PAIR_COMMANDS } from './crypto-pair.ts';
import { CRYPTO_RAND } from './crypto-rand.ts';
import { STORAGE_USER_TOTP_COMMANDS } from './storage-user-totp.ts';

export const COMMANDS: readonly Command[] = [
  SERVE,
  VALIDATE_CONFIG,
  CONFIG_VALIDATE,
  ...CRYPTO_HASH_GENERATE_COMMANDS,
  CRYPTO_HASH_VALIDATE,
  CRYPTO_RAND,
  ...CRYPTO_PAIR_COMMANDS,
  ...STORAGE_USER_TOTP_COMMANDS,
];
