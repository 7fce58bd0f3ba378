// Chromium's virtual WebAuthn authenticator (DevTools protocol, WebAuthn domain) for the passkey suite:
// one per page, answering navigator.credentials.create/get without any UI, whose credentials (private
// keys included) can be read out and put into another authenticator, as a synced passkey would be.
import type { Page } from 'playwright-core';

/** A credential as WebAuthn.getCredentials returns it and WebAuthn.addCredential takes it (binary fields base64). */
export interface VirtualCredential {
  readonly credentialId: string;
  readonly isResidentCredential: boolean;
  readonly rpId?: string;
  readonly privateKey: string;
  readonly userHandle?: string;
  readonly signCount: number;
}

export interface VirtualAuthenticator {
  credentials(): Promise<VirtualCredential[]>;
  addCredential(credential: VirtualCredential): Promise<void>;
  /** Detaches the authenticator: the page has no passkey any more. */
  remove(): Promise<void>;
}

/**
 * A CTAP2 authenticator with resident keys and user verification that always succeeds, attached to
 * `page` (and the later documents of its tab). A security key ("usb") by default: Castellan asks for
 * webauthn.selection_criteria.attachment cross-platform (Authelia's default), and for that Chromium
 * never uses a platform ("internal") authenticator: the ceremony would wait for its timeout.
 */
export async function addVirtualAuthenticator(page: Page, transport: 'usb' | 'internal' = 'usb'): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport, hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    async credentials(): Promise<VirtualCredential[]> {
      return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    },
    async addCredential(credential: VirtualCredential): Promise<void> {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    },
    async remove(): Promise<void> {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}

/** WebAuthn's base64url credential id (as the server stores it) of a DevTools credential (standard base64). */
export function credentialIDOf(credential: VirtualCredential): string {
  return Buffer.from(credential.credentialId, 'base64').toString('base64url');
}
