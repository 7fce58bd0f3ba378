// Steps through the portal's real pages as a person would, by the stable element ids (Authelia's,
// where it has them), for the browser suites.
import type { Page, Response } from 'playwright-core';

const SIGN_IN_POST = /^\/interaction\/[^/]+\/login$/;

/**
 * Fills and submits the sign-in form; resolves with the response to the form's POST once the page it
 * leads to (the sign-in page again, consent, the relying party) has loaded.
 */
export async function signIn(page: Page, username: string, password: string): Promise<Response> {
  await page.locator('#username-textfield').fill(username);
  await page.locator('#password-textfield').fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && SIGN_IN_POST.test(new URL(r.url()).pathname)),
    page.waitForEvent('load'),
    page.locator('#sign-in-button').click(),
  ]);
  return response;
}

/** The trimmed text of the first element matching `selector`, once it is there. */
export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

/** The JSON the relying party shows in an element (#rp-groups, #rp-amr). */
export async function jsonOf(page: Page, selector: string): Promise<unknown> {
  return JSON.parse(await textOf(page, selector));
}

/** Collects the URL of every document the page's main frame loads from now on. */
export function recordNavigations(page: Page): string[] {
  const urls: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  return urls;
}

/** The portal's sign-in and consent pages among recorded navigations (`/interaction/:uid`). */
export function interactionPages(urls: readonly string[]): string[] {
  return urls.filter((url) => /^\/interaction\/[^/]+$/.test(new URL(url).pathname));
}
