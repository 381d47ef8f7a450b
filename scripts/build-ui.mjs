// Builds the browser bundles (kiosk renderer, agent console) and the Electron
// main/preload bundles with esbuild. Fast (about a second), so `npm start` and
// `npm test` always run it; tests never depend on a stale build.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');

const browser = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: true,
  minify: !watch,
  logLevel: 'warning',
  entryNames: 'main',
  // Code loaded on demand (the call: signalling client and mediasoup-client; the QR code) goes into chunks of its own.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  // Development builds (the default, also for npm start and npm test) check every signalling result against its schema.
  define: { __CITIZEN_DEV__: JSON.stringify(process.env.NODE_ENV !== 'production') },
};

async function page(name, srcDir, outDir) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({ ...browser, entryPoints: [join(srcDir, 'main.dom.tsx')], outdir: outDir, metafile: true });
  // The chunks main.js imports statically are announced in the page, so they load beside main.js, not after it.
  const main = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint)?.[1];
  const preloads = (main?.imports ?? [])
    .filter((i) => i.kind === 'import-statement')
    .map((i) => `    <link rel="modulepreload" href="${relative(outDir, join(root, i.path))}" />`);
  const html = await readFile(join(srcDir, 'index.html'), 'utf8');
  await writeFile(join(outDir, 'index.html'), preloads.length ? html.replace('  </head>', `${preloads.join('\n')}\n  </head>`) : html);
  console.log(`built ${name} -> ${outDir.slice(root.length + 1)}`);
}

const started = Date.now();
await page('kiosk renderer', join(root, 'kiosk/src/renderer'), join(root, 'kiosk/dist/renderer'));
await page('agent console', join(root, 'agent-console/src'), join(root, 'agent-console/dist'));

// Electron bundles: CommonJS, `electron` provided by the runtime. The main
// bundle finds config/ through CITIZEN_ROOT (three levels up from kiosk/dist/main).
const electronCommon = { bundle: true, platform: 'node', format: 'cjs', target: 'node22', external: ['electron', 'serialport', '@serialport/*'], logLevel: 'warning', sourcemap: true };
await build({
  ...electronCommon,
  entryPoints: [join(root, 'kiosk/src/main/kiosk.main.ts')],
  outfile: join(root, 'kiosk/dist/main/kiosk.main.cjs'),
  banner: { js: 'process.env.CITIZEN_ROOT ??= require("node:path").resolve(__dirname, "../../..");' },
  define: { 'import.meta.url': '"file:///"' },
});
await build({ ...electronCommon, entryPoints: [join(root, 'kiosk/src/main/kiosk.preload.ts')], outfile: join(root, 'kiosk/dist/main/kiosk.preload.cjs') });
console.log(`built electron main + preload -> kiosk/dist/main (${Date.now() - started} ms total)`);
