// Accessibility checks in the real browser:
// - checkA11y(page, scope): injects node_modules/axe-core/axe.min.js and runs the WCAG 2 A/AA rules
//   (labels, roles, names, contrast, …) on `scope` (a CSS selector, default the whole page); any
//   violation fails with the rule, the impact and the offending elements.
// - checkFocusOrder(page, expected): presses Tab from the top of the page and checks that the focused
//   elements come in the expected order (each entry matched against the element's accessible text:
//   its label, aria-label, or text) — a form can be filled in and submitted from the keyboard.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { BrowserGlobals } from './dom.ts';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function checkA11y(page: Page, scope = 'body', opts: { disableRules?: string[] } = {}): Promise<void> {
  const hasAxe = await page.evaluate(() => typeof (globalThis as unknown as BrowserGlobals).axe !== 'undefined');
  // Evaluated through the DevTools protocol: the dashboard's CSP (no inline scripts) stays in force.
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(
    async ({ scope, disable }) => {
      const axe = (globalThis as unknown as BrowserGlobals).axe!;
      const rules: Record<string, { enabled: boolean }> = {};
      for (const r of disable) rules[r] = { enabled: false };
      const res = await axe.run(scope, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, rules, resultTypes: ['violations'] });
      return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
    },
    { scope, disable: opts.disableRules ?? [] },
  );
  const text = violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`).join('\n')}`)
    .join('\n');
  assert.equal(violations.length, 0, `accessibility violations in ${scope}:\n${text}`);
}

/** What the focused element is called: its label, aria-label, or text (for focus-order checks). */
export async function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as BrowserGlobals;
    const el = document.activeElement;
    if (!el || el === document.body) return '';
    const labelledBy = el.getAttribute('aria-labelledby');
    if (labelledBy) return labelledBy.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
    const aria = el.getAttribute('aria-label');
    if (aria) return aria.trim();
    const labels = el.labels;
    if (labels && labels.length) return Array.from(labels).map((l) => l.textContent ?? '').join(' ').trim();
    return (el.textContent ?? '').replace(/\s+/g, ' ').trim();
  });
}

/**
 * Tabs through the page from `start` (a selector focused first; default: the top of the document) and
 * asserts that the expected names come in this order (others may come in between, e.g. nav links).
 */
export async function checkFocusOrder(page: Page, expected: (string | RegExp)[], opts: { start?: string; maxTabs?: number } = {}): Promise<string[]> {
  if (opts.start) await page.focus(opts.start);
  else await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.blur());
  const seen: string[] = [];
  let i = 0;
  for (let n = 0; n < (opts.maxTabs ?? 40) && i < expected.length; n++) {
    await page.keyboard.press('Tab');
    const name = await focusedName(page);
    seen.push(name);
    const want = expected[i]!;
    if (typeof want === 'string' ? name === want : want.test(name)) i++;
  }
  assert.equal(i, expected.length, `focus order: expected ${expected.map(String).join(' → ')}, tabbing met ${seen.map((s) => JSON.stringify(s)).join(' → ')}`);
  return seen;
}
