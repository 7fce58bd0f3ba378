// The passkey page, for registering a passkey or signing in with one. Its nonce'd script (WEBAUTHN_SCRIPT)
// runs the WebAuthn ceremony and posts the result as an ordinary form, so the server answers with a redirect.
// The response's CSP must allow the options fetch: connect-src 'self'.
import { FIELDS, PASSKEY_NAME_MAX_LENGTH } from '../fields.ts';
import { html } from '../html.ts';
import { PASSKEY_ICON } from '../icons.ts';
import { renderPage } from '../layout.ts';
import { csrfInput, hiddenInputs } from './parts.ts';
import { liveErrorAlert, methodsFooter } from './second-factor-parts.ts';
import type { MethodLink } from './second-factor-parts.ts';
import { WEBAUTHN_FORM_ID, WEBAUTHN_SCRIPT } from './second-factor-webauthn-script.ts';

export type WebAuthnMode = 'register' | 'authenticate';

export interface WebAuthnPromptModel {
  /**
   * Same-origin URL the script POSTs `csrf_token` to (urlencoded, so requireCSRF applies); it answers with
   * the JSON of generateRegistrationOptions / generateAuthenticationOptions (or `{ publicKey: … }`).
   */
  readonly optionsURL: string;
  /** Where the form posts `csrf_token`, `credential` (JSON) and, when registering, `description`. */
  readonly verifyAction: string;
  readonly csrfToken: string;
  readonly mode: WebAuthnMode;
  /** Shown in #error-message, e.g. after a verification the server refused. */
  readonly error?: string;
  /** Links under the card: the first is #methods-button (the chooser, or the one other method). */
  readonly otherMethods: readonly MethodLink[];
  readonly nonce: string;
}

/** The name a new passkey gets unless the user types another. */
export const DEFAULT_PASSKEY_NAME = 'Passkey';

export function renderWebAuthnPrompt(model: WebAuthnPromptModel): string {
  const register = model.mode === 'register';
  const body = html`${PASSKEY_ICON}
<h1 class="title">${register ? 'Register a passkey' : 'Sign in with a passkey'}</h1>
<p class="subtitle">${register ? 'Next time, sign in with your fingerprint, face, screen lock or a security key.' : 'Use your fingerprint, face, screen lock or security key.'}</p>
${liveErrorAlert(model.error)}
<form class="form" id="${WEBAUTHN_FORM_ID}" method="post" action="${model.verifyAction}" data-options-url="${model.optionsURL}" data-mode="${model.mode}">
${csrfInput(model.csrfToken)}
${hiddenInputs({ [FIELDS.credential]: '' })}
${register ? html`<div class="field">
<label class="label" for="webauthn-description">Passkey name</label>
<input class="input" id="webauthn-description" name="${FIELDS.description}" type="text" value="${DEFAULT_PASSKEY_NAME}" maxlength="${PASSKEY_NAME_MAX_LENGTH}" autocomplete="off" required aria-describedby="webauthn-description-hint">
<p class="field-hint" id="webauthn-description-hint">To tell your passkeys apart, such as “Work laptop”.</p>
</div>` : ''}
<div class="actions">
${register
    ? html`<button class="button button-primary" id="webauthn-register-button" type="submit">Register passkey</button>`
    : html`<button class="button button-primary" id="webauthn-sign-in-button" type="submit">Use passkey</button>`}
</div>
</form>
<noscript><p class="text text-muted text-small centered">Passkeys need JavaScript, which is turned off in this browser.</p></noscript>`;
  return renderPage({
    title: register ? 'Register a passkey' : 'Sign in with a passkey',
    nonce: model.nonce,
    body,
    footer: methodsFooter(model.otherMethods),
    script: WEBAUTHN_SCRIPT,
  });
}
