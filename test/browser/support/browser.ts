// Debian's Chromium driven by playwright-core: headless, --no-sandbox when running as root (CI, the
// test bed). One browser per test file; a fresh context (cookies, storage) per scenario.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.BERTH_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS_DIR = fileURLToPath(new URL('../screenshots/', import.meta.url));

export async function openBrowser(): Promise<Browser> {
  const args = ['--disable-dev-shm-usage', '--disable-gpu'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args, timeout: 60_000 });
}

export interface PageOptions {
  baseURL: string;
  /** Default 1280×800; use { width: 360, height: 740 } for the narrow layout. */
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Cookies and storage of another context (`await context.storageState()`): signed in without a login. */
  storageState?: Awaited<ReturnType<BrowserContext['storageState']>>;
}

export async function newPage(browser: Browser, opts: PageOptions): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    baseURL: opts.baseURL,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    colorScheme: opts.colorScheme ?? 'light',
    reducedMotion: 'reduce',
    ...(opts.storageState ? { storageState: opts.storageState } : {}),
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  // Uncaught exceptions and console errors in the page fail the scenario (assertNoPageErrors). An
  // expected failed request (a 4xx the UI shows) is logged by Chromium as a console error: those are
  // filtered out because the tests assert the message the UI shows instead.
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 500) errors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) errors.push(`console: ${msg.text()}`);
  });
  return { context, page, errors };
}

/**
 * Full-page PNG in test/browser/screenshots/<name>.png (gitignored; listed in the README). Toasts are
 * left out (they would cover the page) unless `toasts` is set.
 */
export async function screenshot(page: Page, name: string, opts: { toasts?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = join(SCREENSHOTS_DIR, `${name}.png`);
  // From the top, so the sticky header sits where it belongs in a full-page capture.
  await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', ...(opts.toasts ? {} : { style: '.toasts { display: none !important; }' }) });
  return file;
}
