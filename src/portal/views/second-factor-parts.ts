// Fragments the second-factor pages share: the one-time code input (#one-time-password), the links to the
// other methods under the card (#methods-button) and an error region a script can fill in.
import { FIELDS } from '../fields.ts';
import { html, safeHref } from '../html.ts';
import type { SafeHTML } from '../html.ts';
import { ALERT_ICON } from '../icons.ts';
import { errorAlert } from './parts.ts';

/** A link to another second-factor method or to the method chooser. */
export interface MethodLink {
  readonly label: string;
  /** A same-origin path or http(s) URL; any other link is left out. */
  readonly href: string;
}

/** The code input of the TOTP prompt and enrolment pages: 6 to 8 digits, filled in by one-time-code autofill. */
export function codeField(label: string, autofocus: boolean): SafeHTML {
  return html`<div class="field">
<label class="label" for="one-time-password">${label}</label>
<input class="input input-code" id="one-time-password" name="${FIELDS.code}" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6,8}" minlength="6" maxlength="8" title="6 to 8 digits" spellcheck="false" required${autofocus ? html` autofocus` : ''}>
</div>`;
}

/**
 * The links under the card to the other second-factor methods, the first with id `methods-button`
 * (the method switch browser tests use); undefined when there is none, so the page has no footer.
 */
export function methodsFooter(links: readonly MethodLink[]): SafeHTML | undefined {
  const safe = links.flatMap((link) => {
    const href = safeHref(link.href);
    return href === undefined ? [] : [{ label: link.label, href }];
  });
  if (safe.length === 0) return undefined;
  const items = safe.map((link, i) => html`<a class="footer-link"${i === 0 ? html` id="methods-button"` : ''} href="${link.href}">${link.label}</a>`);
  return html`<nav class="methods-nav" aria-label="Other ways to sign in">${items}</nav>`;
}

/**
 * #error-message for a page whose script reports errors without a reload: the server's message when
 * there is one, else the same region empty and hidden until the script fills it.
 */
export function liveErrorAlert(message: string | undefined): SafeHTML {
  if (message) return errorAlert(message);
  return html`<div class="alert" id="error-message" role="alert" hidden>${ALERT_ICON}<span></span></div>`;
}

/** How a page greets the user: the display name when there is one, else the username. */
export function greetingName(username: string, displayName: string | undefined): string {
  return displayName?.trim() || username;
}
