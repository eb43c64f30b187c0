// Browser-test harness: a real server (startServer), real Chromium (openBrowser/newPage), accessibility
// (checkA11y, checkFocusOrder) and screenshots (screenshot → test/browser/screenshots/).
export { startServer, ensureDashboardBuilt, type DashboardServer } from './server.ts';
export { openBrowser, newPage, screenshot, SCREENSHOTS_DIR, CHROMIUM } from './browser.ts';
export { checkA11y, checkFocusOrder, focusedName } from './a11y.ts';
