// Cookie options from one object (ASVS 3.3.1–3.3.4): HttpOnly, SameSite, Secure over https, path /.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cookieOptions } from '../../src/portal/cookies.ts';

describe('cookieOptions', () => {
  test('is HttpOnly, SameSite=Lax and path / by default, Secure over https', () => {
    assert.deepEqual({ ...cookieOptions({ secure: true }) }, { httpOnly: true, sameSite: 'lax', secure: true, path: '/', overwrite: true });
  });

  test('is not Secure over plain http (development)', () => {
    assert.equal(cookieOptions({ secure: false }).secure, false);
  });

  test('takes the configured SameSite', () => {
    assert.equal(cookieOptions({ secure: true, sameSite: 'strict' }).sameSite, 'strict');
    assert.equal(cookieOptions({ secure: true, sameSite: 'none' }).sameSite, 'none');
  });

  test('refuses SameSite=None without Secure, which browsers would drop', () => {
    assert.throws(() => cookieOptions({ secure: false, sameSite: 'none' }), RangeError);
  });

  test('cannot be weakened after the fact', () => {
    const options = cookieOptions({ secure: true });
    assert.throws(() => {
      (options as { httpOnly: boolean }).httpOnly = false;
    }, TypeError);
  });
});
