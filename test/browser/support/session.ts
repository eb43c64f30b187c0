// Small pieces every browser test needs: waiting for the page (or the server) to reach a state, and
// signing a page in as an API client that already has a session.
import { setTimeout as delay } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import type { Client } from '../../support/client.ts';

/**
 * Polls `probe` every 300 ms until it returns something truthy. A probe that throws (an element not
 * there yet, a locator timing out) counts as "not yet"; only the deadline ends the wait.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await delay(300);
  }
}

/** Gives the page's browser context `client`'s session cookies for the dashboard at `url`. */
export function signInAs(page: Page, client: Client, url: string): Promise<void> {
  return page.context().addCookies([...client.cookies].map(([name, value]) => ({ name, value, url })));
}
