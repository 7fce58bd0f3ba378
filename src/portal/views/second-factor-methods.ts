// The second-factor method chooser: one row per method the configuration enables, each a link
// (#method-totp, #method-webauthn) that either uses an enrolled method or sets it up.
import { html } from '../html.ts';
import type { SafeHTML } from '../html.ts';
import { AUTHENTICATOR_METHOD_ICON, PASSKEY_METHOD_ICON, SHIELD_ICON } from '../icons.ts';
import { renderPage } from '../layout.ts';

export type SecondFactorMethod = 'totp' | 'webauthn';

export interface MethodChoice {
  readonly id: SecondFactorMethod;
  /** The method's name, e.g. "Authenticator app" or "Passkey". */
  readonly label: string;
  /** The method's sign-in page when enrolled, else its set-up page. */
  readonly href: string;
  readonly enrolled: boolean;
}

export interface MethodChooserModel {
  /** In the order to show them. */
  readonly methods: readonly MethodChoice[];
  readonly nonce: string;
}

const METHOD_ICONS: Readonly<Record<SecondFactorMethod, SafeHTML>> = { totp: AUTHENTICATOR_METHOD_ICON, webauthn: PASSKEY_METHOD_ICON };

/** The methods' names as the portal shows them (pass them as the chooser's labels too). */
export const METHOD_LABELS: Readonly<Record<SecondFactorMethod, string>> = {
  totp: 'Authenticator app',
  webauthn: 'Passkey',
};

/** What each method asks of the user, in plain words. */
export const METHOD_DESCRIPTIONS: Readonly<Record<SecondFactorMethod, string>> = {
  totp: 'A code from an app on your phone',
  webauthn: 'Fingerprint, face, screen lock or security key',
};

export function renderMethodChooser(model: MethodChooserModel): string {
  const rows = model.methods.map((method) => html`<li>
<a class="method" id="method-${method.id}" href="${method.href}">
${METHOD_ICONS[method.id]}
<span class="method-text"><span class="method-label">${method.label}</span><span class="method-description">${METHOD_DESCRIPTIONS[method.id]}</span></span>
<span class="method-action${method.enrolled ? '' : ' method-action-setup'}">${method.enrolled ? 'Use' : 'Set up'}</span>
</a>
</li>`);
  const body = html`${SHIELD_ICON}
<h1 class="title">Choose a method</h1>
<p class="subtitle">How do you want to confirm it’s you?</p>
<ul class="methods">
${rows}
</ul>`;
  return renderPage({ title: 'Choose a method', nonce: model.nonce, body });
}
