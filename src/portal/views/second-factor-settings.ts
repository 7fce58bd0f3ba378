// The portal page where a signed-in user manages their second factors: the authenticator app (set up or
// remove), their passkeys (each named, renamable, removable) and the method shown first at sign-in.
// Every change is its own small form posting `csrf_token`.
import { FIELDS, PASSKEY_NAME_MAX_LENGTH } from '../fields.ts';
import { html } from '../html.ts';
import type { SafeHTML } from '../html.ts';
import { AUTHENTICATOR_METHOD_ICON, PASSKEY_METHOD_ICON, SHIELD_ICON } from '../icons.ts';
import { renderPage } from '../layout.ts';
import { csrfInput } from './parts.ts';
import { METHOD_LABELS } from './second-factor-methods.ts';
import type { SecondFactorMethod } from './second-factor-methods.ts';
import { greetingName } from './second-factor-parts.ts';

export interface PasskeySummary {
  /** The stored credential's id, echoed in the row's data-passkey-id and the rename/remove actions. */
  readonly id: string;
  readonly description: string;
  /** Dates as the page shows them (the route formats them). */
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

export interface SecondFactorActions {
  /** Each action is a form target; every form posts `csrf_token`. */
  readonly addTOTP: string;
  readonly removeTOTP: string;
  readonly addPasskey: string;
  /** Posts `description`. */
  readonly renamePasskey: (id: string) => string;
  readonly removePasskey: (id: string) => string;
  /** Posts `method` ("totp" or "webauthn"); `current` is ticked. */
  readonly preferred: { readonly action: string; readonly current: SecondFactorMethod | undefined };
}

export interface SecondFactorSettingsModel {
  readonly username: string;
  readonly displayName?: string;
  readonly totp: { readonly enrolled: boolean; readonly createdAt?: string };
  readonly passkeys: readonly PasskeySummary[];
  readonly csrfToken: string;
  readonly actions: SecondFactorActions;
  readonly nonce: string;
}

function postButton(action: string, csrfToken: string, button: SafeHTML): SafeHTML {
  return html`<form class="inline-form" method="post" action="${action}">
${csrfInput(csrfToken)}
${button}
</form>`;
}

function totpSection(model: SecondFactorSettingsModel): SafeHTML {
  const { enrolled, createdAt } = model.totp;
  const status = enrolled ? html`<strong class="status-on">On</strong>${createdAt ? ` · added ${createdAt}` : ''}` : 'Not set up';
  const button = enrolled
    ? html`<button class="button button-small button-danger" id="totp-remove-button" type="submit">Remove</button>`
    : html`<button class="button button-small button-secondary" id="totp-setup-button" type="submit">Set up</button>`;
  return html`<section class="settings-section" id="totp-settings" aria-labelledby="totp-heading">
<div class="settings-head">
${AUTHENTICATOR_METHOD_ICON}
<div class="settings-head-text">
<h2 class="section-title" id="totp-heading">${METHOD_LABELS.totp}</h2>
<p class="section-meta" id="totp-status">${status}</p>
</div>
${postButton(enrolled ? model.actions.removeTOTP : model.actions.addTOTP, model.csrfToken, button)}
</div>
</section>`;
}

function passkeyRow(model: SecondFactorSettingsModel, passkey: PasskeySummary, index: number): SafeHTML {
  const inputID = `passkey-name-${index}`;
  return html`<li class="passkey" data-passkey-id="${passkey.id}">
<div class="passkey-text">
<p class="passkey-name">${passkey.description}</p>
<p class="passkey-meta">Added ${passkey.createdAt} · ${passkey.lastUsedAt ? `last used ${passkey.lastUsedAt}` : 'never used'}</p>
</div>
${postButton(model.actions.removePasskey(passkey.id), model.csrfToken, html`<button class="button button-small button-danger passkey-remove" type="submit" aria-label="Remove ${passkey.description}">Remove</button>`)}
<details class="passkey-rename">
<summary class="disclosure">Rename</summary>
<form class="rename-form" method="post" action="${model.actions.renamePasskey(passkey.id)}">
${csrfInput(model.csrfToken)}
<label class="visually-hidden" for="${inputID}">New name for ${passkey.description}</label>
<input class="input input-small" id="${inputID}" name="${FIELDS.description}" type="text" value="${passkey.description}" maxlength="${PASSKEY_NAME_MAX_LENGTH}" autocomplete="off" required>
<button class="button button-small button-secondary passkey-rename-save" type="submit">Save</button>
</form>
</details>
</li>`;
}

function passkeysSection(model: SecondFactorSettingsModel): SafeHTML {
  const count = model.passkeys.length;
  const status = count === 0 ? 'None registered' : html`<strong class="status-on">${count} registered</strong>`;
  return html`<section class="settings-section" id="passkey-settings" aria-labelledby="passkeys-heading">
<div class="settings-head">
${PASSKEY_METHOD_ICON}
<div class="settings-head-text">
<h2 class="section-title" id="passkeys-heading">Passkeys</h2>
<p class="section-meta" id="passkey-status">${status}</p>
</div>
${postButton(model.actions.addPasskey, model.csrfToken, html`<button class="button button-small button-secondary" id="passkey-add-button" type="submit">Add</button>`)}
</div>
${count > 0 ? html`<ul class="passkeys">
${model.passkeys.map((passkey, i) => passkeyRow(model, passkey, i))}
</ul>` : ''}
</section>`;
}

/** Offered once a method is enrolled; methods not set up are shown but cannot be chosen. */
function preferredSection(model: SecondFactorSettingsModel): SafeHTML {
  const enrolled: Readonly<Record<SecondFactorMethod, boolean>> = { totp: model.totp.enrolled, webauthn: model.passkeys.length > 0 };
  if (!enrolled.totp && !enrolled.webauthn) return html``;
  const { action, current } = model.actions.preferred;
  const choices = (['totp', 'webauthn'] as const).map((method) => html`<div class="check">
<input class="check-input" id="preferred-${method}" name="${FIELDS.method}" type="radio" value="${method}"${current === method ? html` checked` : ''}${enrolled[method] ? '' : html` disabled`} required>
<label class="check-label" for="preferred-${method}">${METHOD_LABELS[method]}${enrolled[method] ? '' : html`<span class="check-hint">Not set up</span>`}</label>
</div>`);
  return html`<section class="settings-section" id="preferred-settings" aria-labelledby="preferred-heading">
<h2 class="section-title" id="preferred-heading">Preferred method</h2>
<p class="section-meta">Asked for first when you sign in</p>
<form class="preferred-form" method="post" action="${action}">
${csrfInput(model.csrfToken)}
<div class="choices">
${choices}
</div>
<button class="button button-small button-secondary" id="preferred-method-button" type="submit">Save</button>
</form>
</section>`;
}

export function renderSecondFactorSettings(model: SecondFactorSettingsModel): string {
  const body = html`${SHIELD_ICON}
<h1 class="title">Two-factor authentication</h1>
<p class="subtitle">Signed in as <strong>${greetingName(model.username, model.displayName)}</strong></p>
${totpSection(model)}
${passkeysSection(model)}
${preferredSection(model)}`;
  return renderPage({ title: 'Two-factor authentication', nonce: model.nonce, body });
}
