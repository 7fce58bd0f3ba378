// Password re-entry before a change to the second factors (registering one needs a fresh first factor,
// as there is no e-mail confirmation). The username is shown read-only and is not posted: the route
// checks the password of the session's user.
import { FIELDS } from '../fields.ts';
import { html } from '../html.ts';
import { LOCK_ICON } from '../icons.ts';
import { renderPage } from '../layout.ts';
import { csrfInput, errorAlert } from './parts.ts';

export interface ReauthenticateModel {
  /** Where the form posts `password`. */
  readonly action: string;
  readonly csrfToken: string;
  /** The session's user, shown (and offered to password managers) but not posted. */
  readonly username: string;
  /** Shown in #error-message; pass SIGN_IN_FAILED (sign-in.ts) for a wrong password. */
  readonly error?: string;
  readonly nonce: string;
}

export function renderReauthenticate(model: ReauthenticateModel): string {
  const body = html`${LOCK_ICON}
<h1 class="title">Confirm it’s you</h1>
<p class="subtitle">Confirm your password to change your second factors</p>
${model.error ? errorAlert(model.error) : ''}
<form class="form" method="post" action="${model.action}">
${csrfInput(model.csrfToken)}
<div class="field">
<label class="label" for="reauthenticate-username">Username</label>
<input class="input" id="reauthenticate-username" type="text" value="${model.username}" autocomplete="username" readonly>
</div>
<div class="field">
<label class="label" for="password-textfield">Password</label>
<input class="input" id="password-textfield" name="${FIELDS.password}" type="password" autocomplete="current-password" required autofocus>
</div>
<div class="actions">
<button class="button button-primary" id="sign-in-button" type="submit">Continue</button>
</div>
</form>`;
  return renderPage({ title: 'Confirm your password', nonce: model.nonce, body });
}
