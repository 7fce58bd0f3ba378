// The TOTP pages: the sign-in prompt for a one-time code, and enrolment (QR code or typed key, then a
// code to confirm). The QR code is server-rendered SVG, embedded only after qrCodeMarkup has checked it.
import { html, raw } from '../html.ts';
import type { SafeHTML } from '../html.ts';
import { AUTHENTICATOR_ICON } from '../icons.ts';
import { renderPage } from '../layout.ts';
import { csrfInput, errorAlert } from './parts.ts';
import { codeField, greetingName, methodsFooter } from './second-factor-parts.ts';
import type { MethodLink } from './second-factor-parts.ts';

export interface TOTPPromptModel {
  /** Where the code is posted (field `code`). */
  readonly action: string;
  readonly csrfToken: string;
  readonly username: string;
  /** Greets the user by this when present, else by username. */
  readonly displayName?: string;
  /** Shown in #error-message (a wrong or reused code). */
  readonly error?: string;
  /** Links under the card: the first is #methods-button (the chooser, or the one other method). */
  readonly otherMethods: readonly MethodLink[];
  readonly nonce: string;
}

export interface TOTPEnrolmentModel {
  /** Where the confirming code is posted (field `code`). */
  readonly action: string;
  readonly csrfToken: string;
  /** The base32 secret, shown in #totp-secret for typing in by hand. */
  readonly secret: string;
  /** The key URI the QR code encodes (otpauth://totp/…); its parameters are shown next to the secret. */
  readonly otpauthURI: string;
  /** SVG markup from the qrcode library (QRCode.toString(uri, { type: 'svg' })); see qrCodeMarkup. */
  readonly qrSVG: string;
  readonly error?: string;
  /** Links under the card: the first is #methods-button (another second-factor method). */
  readonly otherMethods?: readonly MethodLink[];
  readonly nonce: string;
}

/** What an SVG from the qrcode library never contains: scripts, foreign content, event handlers, links. */
const QR_FORBIDDEN = /<script|<foreignobject|<iframe|\son[a-z]+\s*=|\s(?:xlink:)?href\s*=/i;
const STYLE_ATTRIBUTE = /\sstyle\s*=\s*(?:"[^"]*"|'[^']*')/gi;
const TOTP_URI = /^otpauth:\/\/totp\//;
const SECRET_GROUP = /.{1,4}/g;

/**
 * The QR code's SVG as markup for the page, with a class and an accessible name. Throws for anything
 * that is not a plain <svg> document (a script, foreign content, an event handler or a link in it);
 * style attributes are removed, as the CSP forbids inline styles.
 */
export function qrCodeMarkup(svg: string): SafeHTML {
  const markup = svg.trim();
  if (!/^<svg[\s>]/.test(markup) || QR_FORBIDDEN.test(markup)) {
    throw new TypeError('QR code must be <svg> markup without scripts, foreign content, event handlers or links');
  }
  return raw(markup.replace(STYLE_ATTRIBUTE, '').replace(/^<svg/, '<svg class="qr-code" role="img" aria-label="QR code to scan with your authenticator app"'));
}

/** The key URI's parameters in words (RFC 6238 defaults when absent), for entering the secret by hand. */
function describeKey(otpauthURI: string): { readonly digits: string; readonly text: string } {
  const params = URL.canParse(otpauthURI) ? new URL(otpauthURI).searchParams : new URLSearchParams();
  const digits = params.get('digits') ?? '6';
  const text = `Time-based · ${params.get('algorithm') ?? 'SHA1'} · ${digits}\u00a0digits · ${params.get('period') ?? '30'}\u00a0seconds`;
  return { digits, text };
}

export function renderTOTPPrompt(model: TOTPPromptModel): string {
  const body = html`${AUTHENTICATOR_ICON}
<h1 class="title">Hi ${greetingName(model.username, model.displayName)}</h1>
<p class="subtitle">Enter the one-time code from your authenticator app</p>
${model.error ? errorAlert(model.error) : ''}
<form class="form" method="post" action="${model.action}">
${csrfInput(model.csrfToken)}
${codeField('One-time code', true)}
<div class="actions">
<button class="button button-primary" id="sign-in-button" type="submit">Sign in</button>
</div>
</form>`;
  return renderPage({ title: 'One-time code', nonce: model.nonce, body, footer: methodsFooter(model.otherMethods) });
}

/**
 * #totp-secret holds the raw secret as its text (4-character groups are separate inline boxes, with no
 * spaces between them, so a copy gives one string) and as data-secret.
 */
export function renderTOTPEnrolment(model: TOTPEnrolmentModel): string {
  const qr = qrCodeMarkup(model.qrSVG);
  const key = describeKey(model.otpauthURI);
  const groups = (model.secret.match(SECRET_GROUP) ?? []).map((group) => html`<span class="secret-group">${group}</span>`);
  const body = html`${AUTHENTICATOR_ICON}
<h1 class="title">Set up an authenticator app</h1>
<p class="subtitle">Add your account to the app, then confirm with a code from it.</p>
${model.error ? errorAlert(model.error) : ''}
<ol class="steps">
<li class="step">
<p class="step-title">Scan this QR code with your authenticator app</p>
<div class="qr">${qr}</div>
<p class="step-text">Can’t scan it? Enter this setup key instead:</p>
<code class="secret" id="totp-secret" data-secret="${model.secret}">${groups}</code>
<p class="step-hint">${key.text}</p>
${TOTP_URI.test(model.otpauthURI) ? html`<p class="step-hint"><a class="link" id="totp-open-link" href="${model.otpauthURI}">Open in an app on this device</a></p>` : ''}
</li>
<li class="step">
<p class="step-title">Confirm with the code the app shows</p>
<form class="step-form" method="post" action="${model.action}">
${csrfInput(model.csrfToken)}
${codeField(`${key.digits}-digit code`, true)}
<div class="actions">
<button class="button button-primary" id="sign-in-button" type="submit">Confirm</button>
</div>
</form>
</li>
</ol>`;
  return renderPage({ title: 'Set up an authenticator app', nonce: model.nonce, body, footer: methodsFooter(model.otherMethods ?? []) });
}
