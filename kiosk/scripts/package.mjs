// Packages the Electron kiosk shell with electron-builder (kiosk/electron-builder.json):
//   node kiosk/scripts/package.mjs [--linux|--win|--mac] [--dir]
// 1. builds the renderer and the main/preload bundles (npm run build);
// 2. bundles the afterPack hook (kiosk/src/main/packaging/afterPack.ts, which
//    flips KIOSK_FUSES) to kiosk/dist/packaging/afterPack.cjs;
// 3. runs electron-builder.
// Needs electron-builder and @electron/fuses (devDependencies of packaging),
// Node 22 and the Electron binary, which electron-builder downloads: none of
// that is available on the development machines, see kiosk/LOCKDOWN.md.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const kiosk = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(kiosk, '..');

execFileSync(process.execPath, [join(root, 'scripts/build-ui.mjs')], { stdio: 'inherit', cwd: root });
await build({
  entryPoints: [join(kiosk, 'src/main/packaging/afterPack.ts')],
  outfile: join(kiosk, 'dist/packaging/afterPack.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: ['@electron/fuses'],
  logLevel: 'warning',
});
console.log('built afterPack hook -> kiosk/dist/packaging/afterPack.cjs');
if (process.argv.includes('--hook-only')) process.exit(0);

let builder;
try {
  builder = await import('electron-builder');
} catch {
  console.error('kiosk: electron-builder is not installed. Add electron-builder and @electron/fuses as devDependencies (kiosk/LOCKDOWN.md, "Packaging").');
  process.exit(1);
}
const platforms = { '--linux': 'LINUX', '--win': 'WINDOWS', '--mac': 'MAC' };
const chosen = Object.entries(platforms).filter(([flag]) => process.argv.includes(flag)).map(([, p]) => builder.Platform[p]);
await builder.build({
  projectDir: kiosk,
  config: JSON.parse(readFileSync(join(kiosk, 'electron-builder.json'), 'utf8')),
  publish: 'never',
  dir: process.argv.includes('--dir'),
  ...(chosen.length > 0 ? { targets: chosen.reduce((map, p) => new Map([...map, ...p.createTarget()]), new Map()) } : {}),
});
