// Root postinstall: everything `npm install` must leave behind for
// `npm start` and `npm test` to work on a fresh Debian machine.
//  1. Debian packages the project needs (installed when running as root,
//     otherwise we stop and print the exact command):
//       socat        pseudo-terminal pairs for the virtual printer and card reader
//       fonts-dejavu-core  the monospaced font of the virtual printer's receipt images
//       chromium     browser tests, and the kiosk's fallback shell without Electron
//       libssl-dev   OpenSSL 3 headers the mediasoup worker is linked against
//       python3 make g++  the worker's gyp build
//       coturn       the TURN server (`turnserver`) the demo and tests start on loopback;
//                    when we install it, its own system service is stopped and disabled
//       redis-server the shared live state of a site's nodes; tests start their own on a
//                    free loopback port (the package's service is not used)
//       postgresql   server binaries (initdb, postgres) the PostgreSQL store's
//                    tests start their own server from; the package's own
//                    service is not used
//  2. patch-package applies patches/ (mediasoup 3.8.4 fixes, see README "Why this mediasoup").
//  3. Builds the mediasoup worker (scripts/build-mediasoup-worker.mjs), with progress.
//  4. As root, the `citizen-pg` system user: PostgreSQL refuses to run as root,
//     so tests started as root run their server as this user.
// KIOSK_NO_APT=1 forbids apt-get even as root.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => console.log(`postinstall: ${m}`);

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const dpkgInstalled = (pkg) =>
  spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('install ok installed') ?? false;

function postgresInstalled() {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'postgres'));
  const root = '/usr/lib/postgresql';
  return existsSync(root) && readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'postgres')));
}

const needs = [
  { pkg: 'socat', why: 'virtual serial devices', present: () => onPath('socat') },
  { pkg: 'fonts-dejavu-core', why: 'the virtual printer renders receipts to PNG in DejaVu Sans Mono', present: () => existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf') },
  { pkg: 'chromium', why: 'browser tests and the kiosk browser shell', present: () => existsSync('/usr/lib/chromium/chromium') || !!process.env.CHROMIUM_PATH },
  { pkg: 'libssl-dev', why: 'mediasoup worker (OpenSSL 3)', present: () => dpkgInstalled('libssl-dev') || !onPath('dpkg-query') },
  { pkg: 'python3', why: 'mediasoup worker build (gyp)', present: () => onPath('python3') },
  { pkg: 'make', why: 'mediasoup worker build', present: () => onPath('make') },
  { pkg: 'g++', why: 'mediasoup worker build', present: () => onPath('g++') },
  { pkg: 'coturn', why: 'TURN server for the demo and tests (turnserver)', present: () => onPath('turnserver') || existsSync('/usr/bin/turnserver') },
  { pkg: 'postgresql', why: 'the PostgreSQL store and its tests (initdb, postgres)', present: postgresInstalled },
  { pkg: 'redis-server', why: 'shared live state of a site\'s nodes and its tests (redis-server)', present: () => onPath('redis-server') || existsSync('/usr/bin/redis-server') },
];
const missing = needs.filter((n) => !n.present());

if (missing.length) {
  const pkgs = missing.map((m) => m.pkg);
  const command = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  for (const m of missing) say(`missing Debian package ${m.pkg} (needed for ${m.why})`);
  const canApt = process.getuid?.() === 0 && !process.env.KIOSK_NO_APT && onPath('apt-get');
  if (!canApt) {
    console.error(`postinstall: cannot install system packages here (not root, or KIOSK_NO_APT set). Run as root:\n\n    ${command}\n\nthen run npm install again.`);
    process.exit(1);
  }
  say(`running as root, so installing them: ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env }).status === 0;
  // Try without `update` first: on a machine with fresh package lists that saves a minute.
  if (!install()) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    if (!install()) {
      console.error(`postinstall: apt-get failed. Run by hand:\n\n    ${command}\n`);
      process.exit(1);
    }
  }
  // The demo and tests start their own turnserver on loopback ports; the package's service
  // (all interfaces, port 3478, /etc/turnserver.conf) is not wanted on a development machine.
  if (pkgs.includes('coturn') && onPath('systemctl')) spawnSync('systemctl', ['disable', '--now', 'coturn'], { stdio: 'ignore' });
}

// Keep in step with PG_TEST_USER in booth-server/src/store/testing/postgres.ts.
const PG_USER = 'citizen-pg';
if (process.getuid?.() === 0 && spawnSync('id', ['-u', PG_USER], { stdio: 'ignore' }).status !== 0) {
  say(`creating the ${PG_USER} system user (test PostgreSQL servers run as it; PostgreSQL refuses root)`);
  const r = spawnSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', PG_USER], { stdio: 'inherit' });
  if (r.status !== 0) say(`useradd failed; tests will run PostgreSQL as nobody instead`);
}

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
say('applying patches/ with patch-package');
run(join(root, 'node_modules/.bin/patch-package'), ['--error-on-fail']);
run(process.execPath, [join(root, 'scripts/build-mediasoup-worker.mjs')]);
