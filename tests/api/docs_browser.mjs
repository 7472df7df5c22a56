// docs_browser.mjs: opens a page in Debian's headless Chromium and reports, as one JSON
// object on stdout, what the page rendered and every request it tried to make. Used by
// test_docs.py, which judges the report; this file asserts nothing.
//
//   node tests/api/docs_browser.mjs URL NETLOG PATHS_JSON MAX_ROUNDS
//
// PATHS_JSON maps each path of openapi.yaml to its number of operations. Chromium is
// driven through playwright-core (pinned in package.json; it downloads no browser): it is
// /usr/bin/chromium (IASC_CHROMIUM overrides), with a fresh temporary profile, without its
// sandbox (the tests run as root), with its background services off, and with every host
// name but 127.0.0.1 resolving to nothing, so that not even a DNS query leaves the machine.
// Chromium writes its network log (every request and connection of the whole browser) to
// NETLOG when it closes.
//
// Requests: every request of the page goes through a route that records it and lets it
// through only to the page's own origin (others are aborted in the browser, never sent).
// CSP violations are recorded by a listener installed before any script of the page runs.
// Rendering: Redoc renders only the sections near the viewport, so the viewport is made as
// tall as the page until every path shows as an operation's path (the text of a button, one
// per operation), or MAX_ROUNDS rounds of 250 ms have passed. Then the page's search is used
// (Ctrl+K, a word: it reports how many results it listed), and the network must go idle.
// Exit status: 0 with a report, 1 when the browser could not be driven (message on stderr).
import { chromium } from 'playwright-core';

const [url, netlog, pathsJson, maxRoundsArg] = process.argv.slice(2);
const paths = JSON.parse(pathsJson);
const maxRounds = Number(maxRoundsArg);
const origin = new URL(url).origin;
const WIDTH = 1280;
const MAX_HEIGHT = 200000;
const SEARCH_WORD = 'helplines';
// A --disable-features given here replaces playwright-core's own (Chromium keeps the last
// one), so this is playwright-core 1.65.2's list (chromiumSwitches.ts: among them the
// features that query Google at start-up) and AutofillServerCommunication: typing in the
// page's search box would otherwise make Chromium ask Google's autofill servers about it.
const DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding',
  'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'OptimizationHints',
  'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch', 'AutofillServerCommunication',
];

// In the page: how many operations show each path, and how tall the page is.
function measure(paths) {
  const shown = {};
  for (const el of document.querySelectorAll('button *')) {
    const text = el.textContent.trim();
    if (el.children.length === 0 && Object.hasOwn(paths, text)) shown[text] = (shown[text] || 0) + 1;
  }
  const done = Object.keys(paths).every((p) => (shown[p] || 0) >= paths[p]);
  return { shown, done, height: document.documentElement.scrollHeight };
}

const report = { requests: [], websockets: [], console: [], page_errors: [], violations: [] };
const browser = await chromium.launch({
  executablePath: process.env.IASC_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  chromiumSandbox: false,
  timeout: 60000,
  args: [
    '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    `--disable-features=${DISABLED_FEATURES.join(',')}`,
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    `--log-net-log=${netlog}`, '--net-log-capture-mode=Default',
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: WIDTH, height: 1000 }, serviceWorkers: 'block' });
  await context.route('**/*', (route) => {
    const req = route.request();
    const ours = new URL(req.url()).origin === origin;
    report.requests.push({ method: req.method(), url: req.url(), type: req.resourceType(), sent: ours });
    return ours ? route.continue() : route.abort('blockedbyclient');
  });
  await context.addInitScript(() => {
    window.__iascViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__iascViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
        line: e.lineNumber });
    });
  });
  const page = await context.newPage();
  page.on('console', (m) => report.console.push({ type: m.type(), text: m.text().slice(0, 500) }));
  page.on('pageerror', (e) => report.page_errors.push(String(e.message).slice(0, 500)));
  page.on('websocket', (ws) => report.websockets.push(ws.url()));

  const response = await page.goto(url, { waitUntil: 'load', timeout: 60000 });
  report.status = response ? response.status() : null;
  let state = null;
  let height = 1000;
  for (report.rounds = 0; report.rounds < maxRounds; report.rounds++) {
    state = await page.evaluate(measure, paths);
    if (state.done) break;
    if (state.height > height && height < MAX_HEIGHT) {
      height = Math.min(state.height + 1000, MAX_HEIGHT);
      await page.setViewportSize({ width: WIDTH, height });
    }
    await page.waitForTimeout(250);
  }
  report.shown = state ? state.shown : {};
  report.all_shown = Boolean(state && state.done);
  await page.keyboard.press('Control+k');
  await page.keyboard.type(SEARCH_WORD);
  report.search_hits = 0;
  for (let round = 0; round < maxRounds && report.search_hits === 0; round++) {
    report.search_hits = await page.locator('[data-component-name="Search/SearchItem"]').count();
    if (report.search_hits === 0) await page.waitForTimeout(250);
  }
  try {
    await page.waitForLoadState('networkidle', { timeout: 15000 });
    report.network_idle = true;
  } catch {
    report.network_idle = false;
  }
  report.violations = await page.evaluate(() => window.__iascViolations || []);
} catch (e) {
  process.stderr.write(`docs_browser: ${e.stack || e}\n`);
  await browser.close();
  process.exit(1);
}
await browser.close();
process.stdout.write(JSON.stringify(report) + '\n');
