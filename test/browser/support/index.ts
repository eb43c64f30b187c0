// Browser-test harness: a real server (startServer), real Chromium (openBrowser/newPage), accessibility
// (checkA11y, checkFocusOrder), screenshots (screenshot → test/browser/screenshots/), waiting (until) and
// signing a page in as an API client (signInAs).
export { startServer, ensureDashboardBuilt, type DashboardServer } from './server.ts';
export { openBrowser, newPage, screenshot, SCREENSHOTS_DIR, CHROMIUM } from './browser.ts';
export { checkA11y, checkFocusOrder, focusedName } from './a11y.ts';
export { until, signInAs } from './session.ts';
