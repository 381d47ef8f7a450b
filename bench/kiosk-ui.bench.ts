/**
 * The kiosk renderer as a resident meets it, three figures:
 *
 *  1. Start-up JavaScript, gzipped: main.js and every chunk it imports
 *     statically (the call's code — signalling client, mediasoup-client — and
 *     the QR code are loaded on demand and counted apart). Baseline in the
 *     same run: a Preact + signals app with one button, built with the same
 *     esbuild settings. Target ≤ 60 kB.
 *  2. Navigation to an interactive attract screen in Chromium (the language
 *     buttons rendered, with the content and every catalogue loaded), cold:
 *     a new browser context per load. Baseline in the same run: a static page
 *     whose one button is in the HTML, from a loopback server. Target ≤ 300 ms.
 *  3. Taps from the attract screen to a ringing agent, in each language: the
 *     resident's taps are counted until the agent's console shows the offer.
 *     Target ≤ 3.
 *
 *   npx tsx bench/kiosk-ui.bench.ts [loads]   (default 15)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { launchBrowser } from '../tests/support/browser';
import { ROOT, startDemo } from '../tests/support/demo';
import { loadKioskContent } from '@citizen/config/kioskContent';

const LOADS = Number(process.argv[2] ?? 15);
const gz = (file: string): number => gzipSync(readFileSync(file), { level: 9 }).length;
const kB = (n: number): string => `${(n / 1024).toFixed(1)} kB`;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A module and what it imports statically (not `import()`), transitively. */
function startupFiles(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const src = readFileSync(entry, 'utf8');
  for (const m of src.matchAll(/(?:^|[;}\s])import\s*(?:[^"'();]*?from\s*)?["'](\.[^"']+)["']/g)) startupFiles(resolve(dirname(entry), m[1]!), seen);
  return seen;
}

// ---------------------------------------------------------------- 1. bundle
execFileSync('node', [join(ROOT, 'scripts/build-ui.mjs')], { stdio: 'ignore' });
const dist = join(ROOT, 'kiosk/dist/renderer');
const files = [...startupFiles(join(dist, 'main.js'))];
const startupJs = files.reduce((n, f) => n + gz(f), 0);
const css = gz(join(dist, 'main.css'));

const tmp = mkdtempSync(join(tmpdir(), 'kiosk-bench-'));
writeFileSync(
  join(tmp, 'hello.tsx'),
  `import { render } from 'preact'; import { signal } from '@preact/signals';
   const n = signal(0);
   render(<button onClick={() => n.value++}>Tap {n}</button>, document.body);`,
);
await build({
  entryPoints: [join(tmp, 'hello.tsx')],
  outfile: join(tmp, 'hello.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  nodePaths: [join(ROOT, 'node_modules')],
  logLevel: 'error',
});
const baselineJs = gz(join(tmp, 'hello.js'));
rmSync(tmp, { recursive: true, force: true });

console.log('Kiosk renderer');
console.log(`  start-up JavaScript, gzipped: ${kB(startupJs)} in ${files.length} files (CSS ${kB(css)})   target ≤ 60 kB`);
console.log(`  baseline, Preact + signals with one button: ${kB(baselineJs)}   ratio ${(startupJs / baselineJs).toFixed(1)}`);

// ---------------------------------------------------------------- 2. attract screen
const routing = JSON.parse(readFileSync(join(ROOT, 'config/default.json'), 'utf8')).routing as { queues: { widening: unknown[] }[] };
// Any agent may take any call at once: the taps are counted, not the routing.
const demo = await startDemo(49700, { routing: { ...routing, queues: routing.queues.map((q) => ({ ...q, widening: [{ afterSeconds: 0, match: 'any' }] })) } });
const browser = await launchBrowser();
const staticPage = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><html lang="en"><meta charset="utf-8"><title>baseline</title><main><button type="button" data-lang="en">English</button></main></html>');
});
await new Promise<void>((r) => staticPage.listen(0, '127.0.0.1', r));
const baselineUrl = `http://127.0.0.1:${(staticPage.address() as { port: number }).port}/`;

/**
 * Milliseconds from navigation start until a language button is in the page
 * (read in the page, when the button appears, so polling adds nothing).
 */
async function timeToButton(url: string): Promise<number> {
  const ctx = await browser.newContext();
  // No named functions in here: tsx would wrap them in a helper the page does not have.
  await ctx.addInitScript(() => {
    const w = window as unknown as { __ready?: number };
    new MutationObserver((_m, o) => {
      if (w.__ready === undefined && document.querySelector('[data-lang]')) {
        w.__ready = performance.now();
        o.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const page = await ctx.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => (window as unknown as { __ready?: number }).__ready !== undefined);
  const ms = await page.evaluate(() => (window as unknown as { __ready: number }).__ready);
  await ctx.close();
  return ms;
}

try {
  const app: number[] = [];
  const base: number[] = [];
  await timeToButton(demo.kioskUrl);
  await timeToButton(baselineUrl);
  for (let i = 0; i < LOADS; i++) {
    base.push(await timeToButton(baselineUrl));
    app.push(await timeToButton(demo.kioskUrl));
  }
  console.log(`  navigation → interactive attract screen, cold, median of ${LOADS}: ${median(app).toFixed(0)} ms   target ≤ 300 ms`);
  console.log(`  baseline, static page with one button: ${median(base).toFixed(0)} ms   ratio ${(median(app) / median(base)).toFixed(1)}`);

  // ---------------------------------------------------------------- 3. taps
  const agentCtx = await browser.newContext();
  const agent = await agentCtx.newPage();
  await agent.goto(`${demo.serverUrl}/console/?debug`);
  await agent.getByLabel('Username').fill('omar');
  await agent.getByLabel('Password').fill('demo-agent');
  await agent.getByRole('button', { name: 'Sign in' }).click();
  await agent.getByTestId('available').check();
  const { languages } = loadKioskContent();
  const rows: string[] = [];
  for (const l of languages) {
    const ctx = await browser.newContext();
    const kiosk = await ctx.newPage();
    await kiosk.goto(demo.kioskUrl);
    let taps = 0;
    const tap = async (selector: string): Promise<void> => {
      await kiosk.locator(selector).first().click();
      taps++;
    };
    await tap(`[data-testid=attract] [data-lang="${l.code}"]`);
    await tap('button.talk');
    await agent.getByTestId('offer').waitFor({ timeout: 20_000 });
    rows.push(`${l.code} ${taps}`);
    // The resident leaves the queue: the offer is withdrawn and the agent is free for the next language.
    await kiosk.getByTestId('leave-queue').click();
    await agent.getByTestId('offer').waitFor({ state: 'detached', timeout: 20_000 });
    await ctx.close();
  }
  console.log(`  taps from the attract screen to a ringing agent: ${rows.join(', ')}   target ≤ 3`);
} finally {
  staticPage.close();
  await browser.close();
  await demo.dispose();
}
