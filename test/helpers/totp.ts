// An authenticator app for tests: remembers the secret shown at enrolment and gives codes for time
// steps it has not used yet (within the server's skew of ±1), so quick successive sign-ins work.
import { Secret, TOTP } from 'otpauth';

export class TOTPDevice {
  secret: string | undefined;
  private readonly used = new Set<number>();
  private readonly period: number;

  constructor(secret?: string, period = 30) {
    this.secret = secret;
    this.period = period;
  }

  /** A valid code not given before; throws when the ±1 window is used up. */
  code(now = Date.now()): string {
    if (!this.secret) throw new Error('the device has no secret yet');
    const current = Math.floor(now / 1000 / this.period);
    const step = [current, current + 1, current - 1].find((s) => !this.used.has(s));
    if (step === undefined) throw new Error('no unused TOTP step left in the skew window');
    this.used.add(step);
    return new TOTP({ secret: Secret.fromBase32(this.secret), algorithm: 'SHA1', digits: 6, period: this.period }).generate({ timestamp: step * this.period * 1000 });
  }
}
