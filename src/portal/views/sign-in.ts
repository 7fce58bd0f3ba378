// The first-factor sign-in page. Element ids are Authelia's (its browser suites depend on them); every
// failure shows the same message so the page never tells which of username or password was wrong.
import { CHECKED, FIELDS } from '../fields.ts';
import { html } from '../html.ts';
import { renderPage } from '../layout.ts';
import { csrfInput, errorAlert } from './parts.ts';

/** The only failure text the sign-in page shows (ASVS 6.3.8: no account enumeration). */
export const SIGN_IN_FAILED = 'Incorrect username or password.';

export interface SignInModel {
  /** Where the form posts. */
  readonly action: string;
  readonly csrfToken: string;
  /** The relying party's display name, when the sign-in is for one. */
  readonly clientName?: string;
  /** Pre-fills the username (after a failure); the password field then gets the focus. */
  readonly username?: string;
  /** Shown in #error-message; pass SIGN_IN_FAILED for every authentication failure. */
  readonly error?: string;
  /** Whether to offer "Remember me" (session.remember_me is enabled). */
  readonly rememberMe: boolean;
  readonly nonce: string;
}

export function renderSignIn(model: SignInModel): string {
  const username = model.username ?? '';
  const focusPassword = username !== '';
  const body = html`<h1 class="title">Sign in</h1>
${model.clientName ? html`<p class="subtitle">to continue to <strong>${model.clientName}</strong></p>` : ''}
${model.error ? errorAlert(model.error) : ''}
<form class="form" method="post" action="${model.action}">
${csrfInput(model.csrfToken)}
<div class="field">
<label class="label" for="username-textfield">Username</label>
<input class="input" id="username-textfield" name="${FIELDS.username}" type="text" value="${username}" autocomplete="username" autocapitalize="none" spellcheck="false" required${focusPassword ? '' : html` autofocus`}>
</div>
<div class="field">
<label class="label" for="password-textfield">Password</label>
<input class="input" id="password-textfield" name="${FIELDS.password}" type="password" autocomplete="current-password" required${focusPassword ? html` autofocus` : ''}>
</div>
${model.rememberMe ? html`<div class="check">
<input class="check-input" id="remember-checkbox" name="${FIELDS.rememberMe}" type="checkbox" value="${CHECKED}">
<label class="check-label" for="remember-checkbox">Remember me</label>
</div>` : ''}
<div class="actions">
<button class="button button-primary" id="sign-in-button" type="submit">Sign in</button>
</div>
</form>`;
  return renderPage({ title: 'Sign in', nonce: model.nonce, body });
}
