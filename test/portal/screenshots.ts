// Renders every portal view to test-results/portal/ as HTML and takes light/dark, desktop/phone
// screenshots with headless Chromium (the Debian package), for looking at the pages, not asserting.
// Run: node test/portal/screenshots.ts [chromium binary] [page name…]
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import QRCode from 'qrcode';
import { stylesheet } from '../../src/portal/stylesheet.ts';
import { renderConsent } from '../../src/portal/views/consent.ts';
import { renderError } from '../../src/portal/views/error.ts';
import { renderFormPost } from '../../src/portal/views/form-post.ts';
import { renderLoggedOut, renderLogoutConfirm } from '../../src/portal/views/logout.ts';
import { METHOD_LABELS, renderMethodChooser } from '../../src/portal/views/second-factor-methods.ts';
import { renderReauthenticate } from '../../src/portal/views/second-factor-reauthenticate.ts';
import { renderSecondFactorSettings } from '../../src/portal/views/second-factor-settings.ts';
import { renderTOTPEnrolment, renderTOTPPrompt } from '../../src/portal/views/second-factor-totp.ts';
import { renderWebAuthnPrompt } from '../../src/portal/views/second-factor-webauthn.ts';
import { renderSignedIn } from '../../src/portal/views/signed-in.ts';
import { renderSignIn, SIGN_IN_FAILED } from '../../src/portal/views/sign-in.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const OUT = join(ROOT, 'test-results/portal');
const CHROMIUM = process.argv[2] ?? 'chromium';
const ONLY = new Set(process.argv.slice(3));
const NONCE = 'screenshot';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSW';
const OTPAUTH = `otpauth://totp/Castellan:john?secret=${SECRET}&issuer=Castellan&algorithm=SHA1&digits=6&period=30`;
const OTHER_METHODS = [{ label: 'Choose another method', href: '/2fa/methods' }];
const SETTINGS_ACTIONS = {
  addTOTP: '#', removeTOTP: '#', addPasskey: '#', renamePasskey: () => '#', removePasskey: () => '#', preferred: { action: '#', current: 'webauthn' as const },
};

const SETTINGS = {
  username: 'john', displayName: 'John Doe', totp: { enrolled: true, createdAt: '2 May 2025' }, csrfToken: 't', actions: SETTINGS_ACTIONS, nonce: NONCE,
  passkeys: [
    { id: 'a', description: 'MacBook Touch ID', createdAt: '3 May 2025', lastUsedAt: '14 Jun 2025' },
    { id: 'b', description: 'YubiKey 5C "backup" in the office drawer', createdAt: '4 May 2025' },
  ],
};

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
  'totp-prompt': renderTOTPPrompt({ action: '#', csrfToken: 't', username: 'john', displayName: 'John Doe', otherMethods: OTHER_METHODS, nonce: NONCE }),
  'totp-prompt-error': renderTOTPPrompt({ action: '#', csrfToken: 't', username: 'john', displayName: 'John Doe', error: 'The code is incorrect or was already used.', otherMethods: OTHER_METHODS, nonce: NONCE }),
  'totp-enrolment': renderTOTPEnrolment({ action: '#', csrfToken: 't', secret: SECRET, otpauthURI: OTPAUTH, qrSVG: await QRCode.toString(OTPAUTH, { type: 'svg', margin: 0 }), nonce: NONCE }),
  'method-chooser': renderMethodChooser({
    methods: [{ id: 'totp', label: METHOD_LABELS.totp, href: '#', enrolled: true }, { id: 'webauthn', label: METHOD_LABELS.webauthn, href: '#', enrolled: false }], nonce: NONCE,
  }),
  'webauthn-sign-in': renderWebAuthnPrompt({ optionsURL: '#', verifyAction: '#', csrfToken: 't', mode: 'authenticate', otherMethods: OTHER_METHODS, nonce: NONCE }),
  'webauthn-register-error': renderWebAuthnPrompt({
    optionsURL: '#', verifyAction: '#', csrfToken: 't', mode: 'register', error: 'The passkey request was cancelled or timed out. Try again.', otherMethods: OTHER_METHODS, nonce: NONCE,
  }),
  'second-factor-settings': renderSecondFactorSettings(SETTINGS),
  // The first passkey's rename form opened, as after a click on Rename.
  'second-factor-settings-rename': renderSecondFactorSettings(SETTINGS).replace('<details class="passkey-rename">', '<details class="passkey-rename" open>'),
  'second-factor-settings-empty': renderSecondFactorSettings({ username: 'john', totp: { enrolled: false }, passkeys: [], csrfToken: 't', actions: SETTINGS_ACTIONS, nonce: NONCE }),
  reauthenticate: renderReauthenticate({ action: '#', csrfToken: 't', username: 'john', nonce: NONCE }),
};

const VIEWPORTS = { desktop: { width: 1280, height: 800, scale: '1' }, phone: { width: 375, height: 812, scale: '2' } } as const;
/** Pages taller than a screen get a taller window, so the screenshot shows all of them. */
const HEIGHTS: Readonly<Record<string, { desktop: number; phone: number }>> = {
  consent: { desktop: 980, phone: 1180 },
  'totp-enrolment': { desktop: 1100, phone: 1200 },
  'second-factor-settings': { desktop: 1000, phone: 1100 },
  'second-factor-settings-rename': { desktop: 1040, phone: 1150 },
};
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
