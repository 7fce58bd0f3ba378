// The real-browser harness: Debian's Chromium (/usr/bin/chromium) driven by playwright-core, never a
// browser Playwright downloads. One browser per test file, a fresh context (no cookies) per test, every
// page watched for CSP violations and uncaught script errors, and each test's last page saved as
// test-results/browser/<name>.png (git-ignored) for people to look at. BROWSER_TRACE=1 logs each page's
// navigations and console.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * No network of its own, no first-run or sync machinery. Playwright gives every launch a fresh
 * temporary user-data dir and removes it on close (it refuses a --user-data-dir argument).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const SCREENSHOT_DIRECTORY = fileURLToPath(new URL('../../test-results/browser/', import.meta.url));

/** Playwright's actions wait this long (ms) at most: a stuck page fails fast instead of after 30 s. */
const ACTION_TIMEOUT = 10_000;

/**
 * Why the browser suites are skipped, or false: only when Chromium is missing on a developer's machine.
 * In CI (process.env.CI set) a missing Chromium fails the suite, since .ci/run installs it.
 */
export const SKIP: string | false = !existsSync(CHROMIUM) && !process.env['CI']
  ? `browser tests skipped: ${CHROMIUM} is missing (sudo apt-get install --no-install-recommends chromium, or run .ci/run)`
  : false;

/** Console text Chromium writes for a Content Security Policy violation, and what the page script below writes. */
const CSP_MESSAGE = /Content Security Policy|CSP violation/i;

/** Reports securitypolicyviolation events too (Playwright's init scripts are not subject to the page's CSP). */
const REPORT_CSP_EVENTS = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' on ' + e.documentURI);
});`;

let launched: Promise<Browser> | undefined;
const PROBLEMS = new WeakMap<Page, string[]>();

/**
 * The file's one Chromium, launched on first use; an `after` hook of the suite that first asks for it
 * closes it (call it from a describe body, not from inside a hook or test).
 */
export function launchBrowser(): Promise<Browser> {
  if (!launched) {
    const starting = chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true }).catch((error: unknown) => {
      throw new Error(`could not start ${CHROMIUM} (install Debian's chromium package): ${(error as Error).message}`, { cause: error });
    });
    launched = starting;
    after(async () => {
      const browser = await starting.catch(() => undefined);
      await browser?.close();
    });
  }
  return launched;
}

/** A page in a new browser context (its own cookies), watched for CSP violations and uncaught errors. */
export async function newPage(): Promise<Page> {
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  context.setDefaultTimeout(ACTION_TIMEOUT);
  await context.addInitScript({ content: REPORT_CSP_EVENTS });
  const page = await context.newPage();
  const problems: string[] = [];
  PROBLEMS.set(page, problems);
  page.on('console', (message) => {
    if (CSP_MESSAGE.test(message.text())) problems.push(`console ${message.type()} at ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught error at ${page.url()}: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    if (/csp/i.test(reason)) problems.push(`request blocked (${reason}): ${request.method()} ${request.url()}`);
  });
  if (process.env['BROWSER_TRACE']) trace(page);
  return page;
}

/** BROWSER_TRACE=1: prints every navigation (method, status, URL), console message and failed request. */
function trace(page: Page): void {
  page.on('response', (r) => {
    if (r.request().isNavigationRequest()) console.log(`[navigation] ${r.request().method()} ${r.status()} ${r.url()}`);
  });
  page.on('console', (m) => console.log(`[console ${m.type()}] ${page.url()}: ${m.text()}`));
  page.on('requestfailed', (r) => console.log(`[failed] ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
}

/** CSP violations and uncaught errors seen on the page so far. */
export function problemsOf(page: Page): readonly string[] {
  return PROBLEMS.get(page) ?? [];
}

/** Saves the whole page as test-results/browser/<name>.png and returns the file. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIRECTORY, { recursive: true });
  const file = join(SCREENSHOT_DIRECTORY, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * A node:test test with a fresh page: runs `body`, always saves a screenshot of the last page as
 * `name`, closes the context, and fails on any CSP violation or uncaught error seen on the way.
 */
export function browserTest(title: string, name: string, body: (page: Page) => Promise<void>): void {
  test(title, async () => {
    const page = await newPage();
    let failure: unknown;
    try {
      await body(page);
    } catch (error) {
      failure = error;
    }
    await screenshot(page, name).catch((error: unknown) => {
      failure ??= error;
    });
    const problems = problemsOf(page);
    await page.context().close();
    if (failure !== undefined) {
      if (failure instanceof Error && problems.length > 0) failure.message += `\nbrowser problems:\n${problems.join('\n')}`;
      throw failure;
    }
    // CSP Level 3 §5: a violation means the page did something its own policy forbids.
    assert.deepEqual(problems, [], 'CSP violations or uncaught errors in the browser');
  });
}
