// Inline SVG icons for the portal, drawn with currentColor so CSS themes them. Each is decorative
// (aria-hidden); the text next to it carries the meaning.
import { raw } from './html.ts';
import type { SafeHTML } from './html.ts';

function icon(className: string, body: string): SafeHTML {
  return raw(`<svg class="${className}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${body}</svg>`);
}

const STROKE = 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"';

/** The Castellan mark: a shield with a keep (three merlons and a gate) cut out of it. */
export const LOGO: SafeHTML = icon(
  'brand-logo',
  '<path fill="currentColor" fill-rule="evenodd" d="M12 1.5 21 5v6.5c0 5.3-3.8 9.9-9 11-5.2-1.1-9-5.7-9-11V5ZM7.5 8h2.25v1.75h1.125V8h2.25v1.75h1.125V8H16.5v3.25l-1.25 1.25V18h-2.5v-2.5a.75.75 0 0 0-1.5 0V18h-2.5v-5.5L7.5 11.25Z"/>',
);

export const ALERT_ICON: SafeHTML = icon('alert-icon', `<g ${STROKE}><circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.01"/></g>`);

export const CHECK_ICON: SafeHTML = icon('scope-icon', `<path ${STROKE} d="M5 12.5l4.5 4.5L19 7.5"/>`);

export const WARNING_ICON: SafeHTML = icon('status-icon status-icon-danger', `<g ${STROKE}><path d="M12 3.5 2.5 20h19Z"/><path d="M12 10v4.5M12 17.5v.01"/></g>`);

export const SIGN_OUT_ICON: SafeHTML = icon('status-icon', `<g ${STROKE}><path d="M10 4H6a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h4"/><path d="M15 8l4 4-4 4M19 12H9"/></g>`);

export const SUCCESS_ICON: SafeHTML = icon('status-icon status-icon-success', `<g ${STROKE}><circle cx="12" cy="12" r="9"/><path d="M8 12.5l2.75 2.75L16 10"/></g>`);

export const FORWARD_ICON: SafeHTML = icon('status-icon', `<g ${STROKE}><path d="M5 12h14M13 6l6 6-6 6"/></g>`);

// Second factor. The method icons come in two sizes: a page's header (status-icon) and a list row (method-icon).
const AUTHENTICATOR = `<g ${STROKE}><rect x="6" y="2.5" width="12" height="19" rx="2.5"/><path d="M11 18.5h2M9.25 10.5h.01M12 10.5h.01M14.75 10.5h.01"/></g>`;
const PASSKEY = `<g ${STROKE}><circle cx="8" cy="16" r="5"/><path d="M11.5 12.5 20.5 3.5M17.25 6.75 20 9.5M14.75 9.25l2 2"/></g>`;

export const AUTHENTICATOR_ICON: SafeHTML = icon('status-icon', AUTHENTICATOR);

export const AUTHENTICATOR_METHOD_ICON: SafeHTML = icon('method-icon', AUTHENTICATOR);

export const PASSKEY_ICON: SafeHTML = icon('status-icon', PASSKEY);

export const PASSKEY_METHOD_ICON: SafeHTML = icon('method-icon', PASSKEY);

export const LOCK_ICON: SafeHTML = icon('status-icon', `<g ${STROKE}><rect x="4.5" y="10.5" width="15" height="10.5" rx="2"/><path d="M8 10.5v-3a4 4 0 0 1 8 0v3M12 14.75v2.5"/></g>`);

export const SHIELD_ICON: SafeHTML = icon('status-icon', `<g ${STROKE}><path d="M12 3 19.5 6v5.5c0 4.4-3.1 8.2-7.5 9.5-4.4-1.3-7.5-5.1-7.5-9.5V6Z"/><path d="M9 12l2.25 2.25L15.25 10"/></g>`);
