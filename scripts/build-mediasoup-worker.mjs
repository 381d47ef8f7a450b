#!/usr/bin/env node
// Builds mediasoup's C++ worker (mediasoup 3.8.x, gyp + make) after
// `patch-package` has applied patches/mediasoup+<version>.patch.
//
// Runs from the root postinstall. Works offline: mediasoup 3.8.4's npm tarball
// vendors every native dependency except OpenSSL, which the patch takes from
// the system (Debian libssl-dev, OpenSSL 3).
//
// Usage: node scripts/build-mediasoup-worker.mjs [rootDir] [--force]
//   rootDir  project whose node_modules holds mediasoup (default: this repo)
//   --force  rebuild even if the stamp says the worker is up to date
// Env:
//   MEDIASOUP_WORKER_BIN      site brings its own worker: skip the build
//   MEDIASOUP_FORCE_BUILD=1   same as --force
//   MEDIASOUP_MAX_CORES=N     cap parallel compile jobs (default: all cores)
//   MEDIASOUP_BUILD_VERBOSE=1 stream make's output (prefixed) to the console
//   KIOSK_NO_APT=1            never run apt-get, even as root

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TAG = 'mediasoup worker:';
const APT_ALL = 'apt-get install -y python3 make g++ libssl-dev';
const APT_SSL = ['install', '-y', '--no-install-recommends', 'libssl-dev'];

const log = (msg) => console.log(`${TAG} ${msg}`);
const fail = (msg, code = 1) => {
  console.error(`${TAG} ERROR: ${msg}`);
  process.exit(code);
};

// ---------------------------------------------------------------- arguments
const args = process.argv.slice(2);
const force = args.includes('--force') || process.env.MEDIASOUP_FORCE_BUILD === '1';
const rootArg = args.find((a) => !a.startsWith('--'));
const scriptDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(rootArg ?? path.join(scriptDir, '..'));

// ---------------------------------------------------------------- site-provided worker
if (process.env.MEDIASOUP_WORKER_BIN) {
  const bin = process.env.MEDIASOUP_WORKER_BIN;
  log(`MEDIASOUP_WORKER_BIN is set (${bin}); skipping the build of the bundled worker.`);
  if (!fs.existsSync(bin)) console.warn(`${TAG} WARNING: ${bin} does not exist (yet).`);
  process.exit(0);
}

// ---------------------------------------------------------------- locate mediasoup
const requireFromRoot = createRequire(path.join(root, 'package.json'));
let pkgJsonPath;
try {
  pkgJsonPath = requireFromRoot.resolve('mediasoup/package.json');
} catch {
  fail(`mediasoup is not installed under ${root} (cannot resolve 'mediasoup/package.json'); run npm install first.`);
}
const msDir = path.dirname(pkgJsonPath);
const { version } = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8'));
const workerDir = path.join(msDir, 'worker');
const outDir = path.join(workerDir, 'out');
const binPath = path.join(outDir, 'Release', 'mediasoup-worker'); // where mediasoup 3.8 looks
const stampPath = `${binPath}.stamp`;
const inputsPath = path.join(outDir, '.build-inputs.json');
const cacheDir = path.join(path.dirname(msDir), '.cache'); // <node_modules>/.cache
const logPath = path.join(cacheDir, 'mediasoup-worker-build.log');

if (!fs.existsSync(path.join(workerDir, 'Makefile'))) {
  fail(`${workerDir}/Makefile not found: mediasoup ${version} does not build with gyp + make (this script is for 3.8.x).`);
}

// The patch must already be applied (the root postinstall runs patch-package first).
const patchPath = path.join(root, 'patches', `mediasoup+${version}.patch`);
const patchHash = fs.existsSync(patchPath)
  ? createHash('sha256').update(fs.readFileSync(patchPath)).digest('hex')
  : 'no-patch-file';
const patched =
  /collections\.abc\.MutableSet/.test(readOr(path.join(workerDir, 'deps/gyp/pylib/gyp/common.py'))) &&
  /'type':\s*'none'/.test(readOr(path.join(workerDir, 'deps/openssl/openssl.gyp')));
if (!patched) {
  fail(
    `mediasoup ${version} under ${msDir} is not patched ` +
      `(expected ${path.relative(root, patchPath)} applied). Run \`npx patch-package\` in ${root} first.`,
  );
}
const buildKey = { mediasoupVersion: version, patchSha256: patchHash };

// ---------------------------------------------------------------- up to date?
if (!force && fs.existsSync(binPath)) {
  const stamp = readJson(stampPath);
  if (stamp && stamp.mediasoupVersion === version && stamp.patchSha256 === patchHash) {
    log(`up to date (mediasoup ${version}, patch ${patchHash.slice(0, 12)}): ${binPath}`);
    process.exit(0);
  }
  log('existing worker binary has no matching stamp; rebuilding.');
}

// ---------------------------------------------------------------- prerequisites
function has(cmd, argv = ['--version']) {
  const r = spawnSync(cmd, argv, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

function checkOpenSSL() {
  // Compile and link a probe: headers must be OpenSSL >= 3 and -lssl -lcrypto must resolve.
  const src = [
    '#include <openssl/ssl.h>',
    '#include <openssl/opensslv.h>',
    '#if !defined(OPENSSL_VERSION_MAJOR) || OPENSSL_VERSION_MAJOR < 3',
    '#error "OpenSSL 3 headers required"',
    '#endif',
    'int main() { return OPENSSL_init_ssl(0, nullptr) ? 0 : 1; }',
    '',
  ].join('\n');
  const out = path.join(os.tmpdir(), `ms-openssl-probe-${process.pid}`);
  const r = spawnSync('g++', ['-x', 'c++', '-', '-o', out, '-lssl', '-lcrypto'], { input: src, encoding: 'utf8' });
  fs.rmSync(out, { force: true });
  return !r.error && r.status === 0;
}

function missingPrereqs() {
  const missing = [];
  if (!has('python3')) missing.push('python3');
  if (!has('make')) missing.push('make');
  if (!has('g++') || !has('cc')) missing.push('g++');
  if (!missing.includes('g++') && !checkOpenSSL()) missing.push('libssl-dev (OpenSSL 3 headers /usr/include/openssl/ssl.h + libssl.so)');
  return missing;
}

let missing = missingPrereqs();
const onlySsl = missing.length === 1 && missing[0].startsWith('libssl-dev');
// Only when the package is really absent (apt-get would not fix a broken probe otherwise).
const sslPkgInstalled =
  spawnSync('dpkg-query', ['-W', '-f=${Status}', 'libssl-dev'], { encoding: 'utf8' }).stdout?.includes('install ok installed') ?? false;
if (onlySsl && !sslPkgInstalled && process.getuid?.() === 0 && !process.env.KIOSK_NO_APT && has('apt-get', ['--version'])) {
  log(`OpenSSL 3 development files are missing; running as root, so: apt-get ${APT_SSL.join(' ')}`);
  log('(set KIOSK_NO_APT=1 to forbid this)');
  let r = spawnSync('apt-get', APT_SSL, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) {
    log('apt-get install failed; running apt-get update and retrying once.');
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    r = spawnSync('apt-get', APT_SSL, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  missing = missingPrereqs();
}
if (missing.length) {
  console.error(`${TAG} ERROR: missing build prerequisites: ${missing.join(', ')}`);
  console.error(`${TAG} install them with:\n\n    ${process.getuid?.() === 0 ? '' : 'sudo '}${APT_ALL}\n`);
  console.error(`${TAG} then run: npm run postinstall  (or: node ${path.relative(process.cwd(), fileURLToPath(import.meta.url)) || 'scripts/build-mediasoup-worker.mjs'})`);
  console.error(`${TAG} (a site that builds the worker elsewhere can set MEDIASOUP_WORKER_BIN=/path/to/mediasoup-worker instead)`);
  process.exit(1);
}

// ---------------------------------------------------------------- build
const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const maxCores = Number.parseInt(process.env.MEDIASOUP_MAX_CORES ?? '', 10);
const jobs = Math.max(1, maxCores > 0 ? Math.min(cores, maxCores) : cores);

// A previous build with different inputs (other version/patch, e.g. vendored OpenSSL)
// leaves objects that must not be reused; a half-finished build with the same inputs resumes.
const prevInputs = readJson(inputsPath);
if (fs.existsSync(outDir) && !(prevInputs && prevInputs.mediasoupVersion === version && prevInputs.patchSha256 === patchHash)) {
  log(`removing stale build directory ${outDir}`);
  fs.rmSync(outDir, { recursive: true, force: true });
}
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(inputsPath, JSON.stringify(buildKey, null, 2) + '\n');
fs.rmSync(stampPath, { force: true });
fs.mkdirSync(cacheDir, { recursive: true });

const env = { ...process.env, PYTHON: 'python3', MEDIASOUP_BUILDTYPE: 'Release', CORES: String(jobs), JOBS: String(jobs) };
delete env.MEDIASOUP_OUT_DIR; // mediasoup 3.8 loads worker/out/Release/mediasoup-worker
delete env.MEDIASOUP_WORKER_BIN;
delete env.MAKEFLAGS;
delete env.MFLAGS;

const makeArgs = ['-C', workerDir, `PYTHON=python3`, 'MEDIASOUP_BUILDTYPE=Release', `CORES=${jobs}`];
const verbose = process.env.MEDIASOUP_BUILD_VERBOSE === '1';
const logStream = fs.createWriteStream(logPath);
logStream.write(`# ${new Date().toISOString()} make ${makeArgs.join(' ')}\n# mediasoup ${version} in ${msDir}\n`);

log(`building mediasoup ${version} C++ worker with ${jobs} job(s) (python3, system OpenSSL); this takes a few minutes.`);
log(`full log: ${logPath}`);

const started = Date.now();
const elapsed = () => Math.round((Date.now() - started) / 1000);
let totalObjects = 0;
let linking = false;
let configured = false;

function countObjectsTotal() {
  // gyp writes one <target>.target.mk per target with an OBJS list.
  let n = 0;
  for (const f of walk(outDir)) {
    if (!f.endsWith('.target.mk')) continue;
    n += (readOr(f).match(/^\t\$\(obj\)\.target\/\$\(TARGET\)\/\S+\.o\b/gm) ?? []).length;
  }
  return n;
}
function countObjectsDone() {
  let n = 0;
  for (const f of walk(path.join(outDir, 'Release', 'obj.target'))) if (f.endsWith('.o')) n++;
  return n;
}

const child = spawn('make', makeArgs, { cwd: workerDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { child.kill(sig); process.exit(130); });

let partial = '';
const onData = (buf) => {
  logStream.write(buf);
  const text = partial + buf.toString();
  const lines = text.split('\n');
  partial = lines.pop();
  for (const line of lines) {
    if (!configured && /make\b.*-C out|Entering directory .*\/out'/.test(line)) {
      configured = true;
      log(`gyp configure done (${elapsed()} s); compiling...`);
    }
    if (!linking && /^\s*LINK\(target\)\s.*mediasoup-worker\s*$/.test(line)) {
      linking = true;
      log(`linking mediasoup-worker (${elapsed()} s)`);
    }
    if (verbose) console.log(`[mediasoup-worker] ${line}`);
  }
};
child.stdout.on('data', onData);
child.stderr.on('data', onData);

const ticker = setInterval(() => {
  if (!totalObjects && fs.existsSync(path.join(outDir, 'Makefile'))) totalObjects = countObjectsTotal();
  if (!totalObjects) return log(`configuring (gyp), ${elapsed()} s`);
  log(`${countObjectsDone()}/${totalObjects} objects compiled, ${elapsed()} s`);
}, 5000);

const code = await new Promise((resolve) => {
  child.on('error', (err) => { logStream.write(`\nspawn error: ${err.message}\n`); resolve(127); });
  child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
});
clearInterval(ticker);
if (partial) logStream.write('\n');
await new Promise((r) => logStream.end(r));

const secs = elapsed();
const dur = `${Math.floor(secs / 60)} min ${secs % 60} s`;

if (code !== 0 || !fs.existsSync(binPath)) {
  const tail = readOr(logPath).split('\n').filter(Boolean).slice(-40).join('\n');
  console.error(`${TAG} ERROR: build failed after ${dur} (make exit code ${code}${code === 0 ? `, but ${binPath} is missing` : ''}).`);
  console.error(`${TAG} full log: ${logPath}\n----- last 40 lines -----\n${tail}\n-------------------------`);
  process.exit(code || 1);
}

// ---------------------------------------------------------------- verify + stamp
const size = fs.statSync(binPath).size;
const ldd = spawnSync('ldd', [binPath], { encoding: 'utf8' });
const lddOut = ldd.stdout ?? '';
const notFound = lddOut.split('\n').filter((l) => /not found/.test(l));
if (notFound.length) {
  fail(`${binPath} has unresolved shared libraries:\n${notFound.join('\n')}`);
}
const sslLine = lddOut.split('\n').find((l) => /libssl\.so/.test(l))?.trim() ?? '(libssl not dynamically linked)';

log(`built in ${dur}: ${binPath}`);
log(`size ${(size / 1024 / 1024).toFixed(1)} MB (${size} bytes); ldd: ${sslLine}`);

fs.writeFileSync(
  stampPath,
  JSON.stringify({ ...buildKey, builtAt: new Date().toISOString(), buildSeconds: secs, size, libssl: sslLine }, null, 2) + '\n',
);
process.exit(0);

// ---------------------------------------------------------------- helpers
function readOr(file, fallback = '') {
  try { return fs.readFileSync(file, 'utf8'); } catch { return fallback; }
}
function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return null; }
}
function* walk(dir) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}
