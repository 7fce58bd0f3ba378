// What the interaction steps (sign-in, second factor, consent) share: their options, the details
// oidc-provider gives for the interaction, and small helpers to answer with a page or finish.
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import type { Regulator } from '../identity/regulation.ts';
import type { TimingPad } from '../identity/timing.ts';
import type { ClientPolicy } from '../oidc/clients.ts';
import type { ProviderContext } from '../oidc/context.ts';
import { csrfToken } from './csrf.ts';
import { allowFormAction } from './security-headers.ts';

export interface InteractionOptions {
  readonly provider: Provider;
  readonly context: ProviderContext;
  readonly csrfSecret: Buffer;
  readonly regulator: Regulator;
  /** Pads first-factor answers so unknown, banned and wrong-password attempts look alike. */
  readonly timingPad: TimingPad;
}

export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** One request to one interaction step. */
export interface Step {
  readonly options: InteractionOptions;
  readonly ctx: Context;
  readonly details: Details;
  readonly policy: ClientPolicy;
}

export function nonce(ctx: Context): string {
  return ctx.state['cspNonce'] as string;
}

export function csrfFor(step: Step): string {
  return csrfToken(step.options.csrfSecret, step.details.uid);
}

export function stepURL(step: Step, path = ''): string {
  return `/interaction/${step.details.uid}${path}`;
}

export function page(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = body;
}

/**
 * Portal forms of an interaction end in redirects to the client's redirect URI (already verified by
 * oidc-provider); browsers apply the page's form-action to that whole chain.
 */
export function allowRedirectTarget(step: Step): void {
  const target = step.details.params['redirect_uri'];
  if (typeof target === 'string') allowFormAction(step.ctx, target);
}

export async function finishWithError(step: Step, description: string): Promise<void> {
  await step.options.provider.interactionFinished(step.ctx.req, step.ctx.res, { error: 'access_denied', error_description: description }, { mergeWithLastSubmission: false });
  step.ctx.respond = false;
}

export function requestedScopes(details: Details): string[] {
  return String(details.params['scope'] ?? '').split(' ').filter((s) => s !== '');
}
