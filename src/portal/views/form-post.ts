// OAuth 2.0 Form Post Response Mode: a page that posts the authorization response to the client's
// redirect URI. A nonce'd inline script submits it at once; without JavaScript the user presses Continue.
// The response's CSP must allow the action's origin in form-action (allowFormAction in security-headers.ts).
import { html } from '../html.ts';
import { FORWARD_ICON } from '../icons.ts';
import { renderPage } from '../layout.ts';
import { hiddenInputs } from './parts.ts';

export interface FormPostModel {
  /** The client's verified redirect_uri. */
  readonly action: string;
  /** The response parameters (code, state, iss, id_token, error, …). */
  readonly fields: Readonly<Record<string, string>>;
  readonly nonce: string;
}

const FORM_ID = 'form-post';
const AUTO_SUBMIT = `document.getElementById(${JSON.stringify(FORM_ID)}).submit();`;

export function renderFormPost(model: FormPostModel): string {
  const body = html`${FORWARD_ICON}
<h1 class="title">Returning to the application</h1>
<p class="subtitle">If nothing happens, select Continue.</p>
<form class="form" id="${FORM_ID}" method="post" action="${model.action}">
${hiddenInputs(model.fields)}
<div class="actions">
<button class="button button-primary" id="form-post-continue" type="submit">Continue</button>
</div>
</form>`;
  return renderPage({ title: 'Continue', nonce: model.nonce, body, script: AUTO_SUBMIT });
}
