// Fragments several views share: hidden inputs, the CSRF field and the error alert.
import { FIELDS } from '../fields.ts';
import { html } from '../html.ts';
import type { SafeHTML } from '../html.ts';
import { ALERT_ICON } from '../icons.ts';

/** One hidden input per entry, in insertion order. */
export function hiddenInputs(fields: Readonly<Record<string, string>>): SafeHTML {
  return html`${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}

export function csrfInput(token: string, name: string = FIELDS.csrf): SafeHTML {
  return hiddenInputs({ [name]: token });
}

/** The alert region browser tests look for (`#error-message`), announced by screen readers. */
export function errorAlert(message: string): SafeHTML {
  return html`<div class="alert" id="error-message" role="alert">${ALERT_ICON}<span>${message}</span></div>`;
}
