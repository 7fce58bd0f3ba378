// Steps through the portal's second-factor pages as a person would (by the stable ids of issue 4), for
// the browser suites: the TOTP code form, the enrolment page's secret, and a code no window accepts.
import type { Page, Response } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';

const CODE_POST = /^\/interaction\/[^/]+\/totp(?:\/enrol)?$/;

/** The base32 secret the enrolment page shows (#totp-secret's data-secret). */
export async function enrolmentSecret(page: Page): Promise<string> {
  const secret = await page.locator('#totp-secret').getAttribute('data-secret');
  if (!secret) throw new Error('the enrolment page has no #totp-secret data-secret');
  return secret;
}

/**
 * Types `code` into #one-time-password and presses #sign-in-button; resolves with the response to the
 * POST once the page it leads to (the prompt again, consent, the relying party) has loaded.
 */
export async function submitCode(page: Page, code: string): Promise<Response> {
  await page.locator('#one-time-password').fill(code);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && CODE_POST.test(new URL(r.url()).pathname)),
    page.waitForEvent('load'),
    page.locator('#sign-in-button').click(),
  ]);
  return response;
}

/** A 6-digit code that no step within ±2 of now accepts for `secret` (SHA1, 30 s), so it is surely wrong. */
export function wrongCode(secret: string, now = Date.now()): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  const step = Math.floor(now / 30_000);
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totp.generate({ timestamp: (step + d) * 30_000 })));
  for (let n = 123_456; ; n = (n + 1) % 1_000_000) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}
