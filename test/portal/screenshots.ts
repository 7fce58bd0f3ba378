// Renders every portal view to test-results/portal/ as HTML and takes light/dark, desktop/phone
// screenshots with headless Chromium (the Debian package), for looking at the pages, not asserting.
// Run: node test/portal/screenshots.ts [chromium binary] [page name…]
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stylesheet } from '../../src/portal/stylesheet.ts';
import { renderConsent } from '../../src/portal/views/consent.ts';
import { renderError } from '../../src/portal/views/error.ts';
import { renderFormPost } from '../../src/portal/views/form-post.ts';
import { renderLoggedOut, renderLogoutConfirm } from '../../src/portal/views/logout.ts';
import { renderSignedIn } from '../../src/portal/views/signed-in.ts';
import { renderSignIn, SIGN_IN_FAILED } from '../../src/portal/views/sign-in.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const OUT = join(ROOT, 'test-results/portal');
const CHROMIUM = process.argv[2] ?? 'chromium';
const ONLY = new Set(process.argv.slice(3));
const NONCE = 'screenshot';

const PAGES: Record<string, string> = {
  'sign-in': renderSignIn({ action: '#', csrfToken: 't', clientName: 'Kasm Workspaces', rememberMe: true, nonce: NONCE }),
  'sign-in-error': renderSignIn({ action: '#', csrfToken: 't', clientName: 'Kasm Workspaces', username: 'john', error: SIGN_IN_FAILED, rememberMe: true, nonce: NONCE }),
  consent: renderConsent({
    action: '#', csrfToken: 't', clientName: 'Kasm Workspaces', clientID: 'kasm', username: 'john', displayName: 'John Doe',
    scopes: ['openid', 'profile', 'email', 'groups', 'offline_access', 'kasm:admin'], audience: ['https://kasm.example.com'], showRemember: true, nonce: NONCE,
  }),
  error: renderError({ status: 400, title: 'Sign-in expired', message: 'This sign-in request has expired or was opened in another browser.', hint: 'Go back to the application and start signing in again.', retryHref: '/', nonce: NONCE }),
  'logout-confirm': renderLogoutConfirm({ action: '#', csrfToken: 't', clientName: 'Kasm Workspaces', nonce: NONCE }),
  'logged-out': renderLoggedOut({ clientName: 'Kasm Workspaces', nonce: NONCE }),
  'signed-in': renderSignedIn({ displayName: 'John Doe', username: 'john', logoutAction: '#', csrfToken: 't', nonce: NONCE }),
  // The auto-submit script is left out so the screenshot shows the no-JavaScript fallback.
  'form-post': renderFormPost({ action: '#', fields: { code: 'x', state: 'y' }, nonce: NONCE }).replace(/<script[^>]*>.*?<\/script>/s, ''),
};

const VIEWPORTS = { desktop: { width: 1280, height: 800, scale: '1' }, phone: { width: 375, height: 812, scale: '2' } } as const;
/** Pages taller than a screen get a taller window, so the screenshot shows all of them. */
const HEIGHTS: Readonly<Record<string, { desktop: number; phone: number }>> = { consent: { desktop: 980, phone: 1180 } };
const SCHEMES = { light: [], dark: ['--force-dark-mode'] } as const;

interface Window {
  readonly width: number;
  readonly height: number;
  readonly scale: string;
}

async function screenshot(file: string, png: string, window: Window, extra: readonly string[], profile: string): Promise<void> {
  await run(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`,
    `--window-size=${window.width},${window.height}`, `--force-device-scale-factor=${window.scale}`, ...extra, `--screenshot=${png}`, `file://${file}`,
  ], { timeout: 60_000 });
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'castellan-portal-'));
  try {
    await copyFile(new URL('../../src/portal/assets/castellan.css', import.meta.url), join(work, 'castellan.css'));
    for (const [name, page] of Object.entries(PAGES)) {
      if (ONLY.size > 0 && !ONLY.has(name)) continue;
      const file = join(work, `${name}.html`);
      await writeFile(file, page.replace(stylesheet().url, 'castellan.css'));
      await writeFile(join(OUT, `${name}.html`), page);
      for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
        const height = HEIGHTS[name]?.[viewportName as keyof typeof VIEWPORTS] ?? viewport.height;
        for (const [scheme, extra] of Object.entries(SCHEMES)) {
          const png = join(OUT, `${name}-${viewportName}-${scheme}.png`);
          await screenshot(file, png, { ...viewport, height }, extra, join(work, 'profile'));
          console.log(png);
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
