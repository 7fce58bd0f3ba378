// The second-factor method each user prefers (Authelia's user_preferences): the page shown first
// when a second factor is required. Absent means "use default_2fa_method".
import type { Storage } from './database.ts';
import { StorageError } from './errors.ts';

export type SecondFactorMethod = 'totp' | 'webauthn';

export const SECOND_FACTOR_METHODS: readonly SecondFactorMethod[] = ['totp', 'webauthn'];

const SELECT = `SELECT second_factor_method FROM user_preferences WHERE username = ?`;
const UPSERT = `INSERT INTO user_preferences (username, second_factor_method) VALUES (?, ?)
  ON CONFLICT (username) DO UPDATE SET second_factor_method = excluded.second_factor_method`;

/** The user's preferred second-factor method, if they chose one. */
export function preferredMethod(storage: Storage, username: string): SecondFactorMethod | undefined {
  return (storage.statement(SELECT).get(username) as { second_factor_method: SecondFactorMethod } | undefined)?.second_factor_method;
}

/** Remembers the user's preferred second-factor method. */
export function setPreferredMethod(storage: Storage, username: string, method: SecondFactorMethod): void {
  if (!SECOND_FACTOR_METHODS.includes(method)) throw new StorageError('INVALID_INPUT', `second factor method must be one of ${SECOND_FACTOR_METHODS.join(', ')} but is '${String(method)}'`);
  storage.statement(UPSERT).run(username, method);
}
