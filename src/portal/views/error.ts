// The portal's error page: what happened (title, #error-message) and what to do next (hint, retry link).
// The message is for people; callers must not put internal details or request data into it.
import { STATUS_CODES } from 'node:http';
import { html, safeHref } from '../html.ts';
import { WARNING_ICON } from '../icons.ts';
import { renderPage } from '../layout.ts';

export interface ErrorModel {
  /** The HTTP status the response carries; shown with its reason phrase. */
  readonly status: number;
  readonly title: string;
  readonly message: string;
  /** What the user can do about it. */
  readonly hint?: string;
  /** A same-origin path or http(s) URL for a "Try again" button; anything else is left out. */
  readonly retryHref?: string;
  readonly nonce: string;
}

export function renderError(model: ErrorModel): string {
  const href = model.retryHref === undefined ? undefined : safeHref(model.retryHref);
  const reason = STATUS_CODES[model.status];
  const body = html`${WARNING_ICON}
<p class="status-code">Error ${model.status}${reason ? html` · ${reason}` : ''}</p>
<h1 class="title">${model.title}</h1>
<p class="subtitle" id="error-message">${model.message}</p>
${model.hint ? html`<p class="text text-muted text-small centered">${model.hint}</p>` : ''}
${href ? html`<div class="actions"><a class="button button-primary" id="retry-button" href="${href}">Try again</a></div>` : ''}`;
  return renderPage({ title: model.title, nonce: model.nonce, body });
}
