// The page frame every portal view shares: document head, the centred card with the Castellan mark,
// and the stylesheet link. No inline styles or scripts except one optional nonce'd script, so the
// pages work under the portal CSP (default-src 'none'; style-src 'self').
import { html, raw } from './html.ts';
import type { SafeHTML } from './html.ts';
import { LOGO } from './icons.ts';
import { stylesheet } from './stylesheet.ts';

export const PRODUCT_NAME = 'Castellan';

export interface Page {
  /** The page's own name; the document title reads "<title> · Castellan". */
  readonly title: string;
  /** The response's CSP nonce (ctx.state.cspNonce). */
  readonly nonce: string;
  /** The card's content under the brand line. */
  readonly body: SafeHTML;
  /** Content under the card (e.g. links to other second-factor methods). */
  readonly footer?: SafeHTML;
  /** Trusted inline JavaScript, emitted with the nonce; only the form_post page needs one. */
  readonly script?: string;
}

function inlineScript(source: string, nonce: string): SafeHTML {
  if (/<\/script|<!--/i.test(source)) throw new Error('inline script must not contain "</script" or "<!--"');
  return html`<script nonce="${nonce}">${raw(source)}</script>`;
}

/** A complete HTML document for one portal page. */
export function renderPage(page: Page): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${page.title} · ${PRODUCT_NAME}</title>
<link rel="stylesheet" href="${stylesheet().url}">
<link rel="icon" href="data:,">
</head>
<body>
<main class="shell">
<div class="card">
<p class="brand">${LOGO}<span>${PRODUCT_NAME}</span></p>
${page.body}
</div>
${page.footer ? html`<div class="page-footer">${page.footer}</div>` : ''}
</main>
${page.script === undefined ? '' : inlineScript(page.script, page.nonce)}
</body>
</html>
`.value;
}
