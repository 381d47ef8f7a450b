/**
 * `npm start`: the whole demo on one machine. Starts, in order, the virtual
 * hardware (socat pty pairs with a virtual printer and card reader), the
 * booth-server (SFU workers, store, demo seed), and the kiosk shell; prints
 * the URLs and demo logins. With `turn.enabled` and `turn.startLocal` it
 * first starts a coturn on loopback (booth-server/src/turn/Coturn.ts).
 * Ctrl-C (or SIGTERM) stops every child and waits for it, so no socat,
 * mediasoup-worker, turnserver or browser process is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { loadConfig, ConfigError, REPO_ROOT } from '@citizen/config';
import { DEMO_ACCOUNTS } from '../booth-server/src/demo/seed';
import { Coturn } from '../booth-server/src/turn/Coturn';
import { DEMO_TECHNICIAN_PIN, DEMO_TECHNICIAN_PIN_HASH } from '../kiosk/src/technician/demoPin';
import { prefixLines } from './prefixLines';

const STOP_TIMEOUT_MS = 10_000;
const colors = { hardware: 35, server: 36, kiosk: 33 } as const;
type Part = keyof typeof colors;
const TURN_COLOR = 32;

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  throw err;
}

const children = new Map<Part, ChildProcess>();
let coturn: Coturn | null = null;
let stopping = false;

/** Starts a part and resolves when it prints a line matching `ready`. */
function startPart(part: Part, entry: string, ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(part, child);
  return new Promise((resolve, reject) => {
    let done = false;
    const check = (line: string): void => {
      if (!done && ready.test(line)) {
        done = true;
        resolve(child);
      }
    };
    prefixLines(part, colors[part], child.stdout!, process.stdout, check);
    prefixLines(part, colors[part], child.stderr!, process.stderr, check);
    child.once('exit', (code, signal) => {
      children.delete(part);
      if (!done) {
        done = true;
        reject(new Error(`${part} exited during start-up (${signal ?? `code ${code}`})`));
      } else if (!stopping) {
        process.stderr.write(`[${part}] exited unexpectedly (${signal ?? `code ${code}`}); stopping the demo\n`);
        void stopAll(1);
      }
    });
  });
}

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    // Reverse start order: kiosk, server (closes its mediasoup workers), hardware (socat).
    for (const part of ['kiosk', 'server', 'hardware'] as const) {
      const child = children.get(part);
      if (!child || child.exitCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await coturn?.stop();
    process.stdout.write('demo stopped\n');
  }
  process.exit(code);
}
process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

try {
  if (config.turn.enabled && config.turn.startLocal) {
    const l = config.turn.local;
    coturn = await Coturn.start({
      secret: config.turn.secret,
      realm: l.realm,
      port: l.port,
      ...(l.tlsPort ? { tlsPort: l.tlsPort, certFile: l.certFile, keyFile: l.keyFile } : {}),
      relayMinPort: l.relayMinPort,
      relayMaxPort: l.relayMaxPort,
      // Everything here is 127.0.0.1, the SFU too: coturn refuses loopback peers unless told. Never on a real site.
      allowLoopbackPeers: true,
      onLog: (line) => process.stdout.write(`\x1b[${TURN_COLOR}m[turn]\x1b[0m ${line}\n`),
    });
    process.stdout.write(`\x1b[${TURN_COLOR}m[turn]\x1b[0m coturn ready on 127.0.0.1:${l.port} (UDP, TCP${l.tlsPort ? `, TLS ${l.tlsPort}` : ''}), relays ${l.relayMinPort}-${l.relayMaxPort}\n`);
  }
  await startPart('hardware', 'hardware/src/virtual/main.ts', /^virtual hardware ready/);
  // The demo is the one place demo accounts (published passwords) are seeded.
  await startPart('server', 'booth-server/src/main.ts', /Server listening at/, {
    BOOTH_LOG_PRETTY: process.env.BOOTH_LOG_PRETTY ?? 'true',
    BOOTH_DEMO_SEED: process.env.BOOTH_DEMO_SEED ?? 'true',
  });
  // The demo kiosk's technician PIN is the published demo one (README, "Technician mode").
  await startPart('kiosk', 'kiosk/src/shell.ts', /^kiosk: /, { KIOSK_TECHNICIAN_PIN_HASH: process.env.KIOSK_TECHNICIAN_PIN_HASH ?? DEMO_TECHNICIAN_PIN_HASH });
} catch (err) {
  process.stderr.write(`demo failed to start: ${(err as Error).message}\n`);
  await stopAll(1);
}

const server = config.server.publicUrl;
const lines = [
  '',
  'Citizen kiosk demo is running.',
  `  Kiosk UI        http://127.0.0.1:${config.kiosk.hostPort}/kiosk/   (browser shell; Electron opens it itself when installed)`,
  `  Agent console   ${server}/console/`,
  `  API docs        ${server}/docs`,
  `  Health          ${server}/health   ${server}/ready`,
  `  Metrics         ${server}/metrics  (technician session or metrics token)`,
  ...(coturn ? [`  TURN            ${config.turn.urls.join('  ')}  (local coturn, credentials for ${config.turn.credentialTtlSeconds} s)`] : []),
  `  Virtual devices printer ${config.kiosk.printer.path}, card reader ${config.kiosk.cardReader.path} (${config.kiosk.cardReader.protocol})`,
  `  Receipts        ${join(config.dataDir, 'receipts')}/  (.txt and .png of every printed receipt)`,
  ...(config.kiosk.virtualHardwarePort
    ? [
        `  Card / printer  http://127.0.0.1:${config.kiosk.virtualHardwarePort}/  (dev only)  npm run card -w hardware -- magstripe|rfid-em4100|barcode-line`,
        `                  npm run printer -w hardware -- paper-out|cover-open|near-end|offline|ok`,
      ]
    : []),
  '  Demo logins (agent console):',
  ...DEMO_ACCOUNTS.map((a) => `    ${a.role.padEnd(11)} ${a.username.padEnd(6)} / ${a.password}`),
  `  Technician mode on the kiosk: five taps in the bottom-left corner of the attract screen, PIN ${DEMO_TECHNICIAN_PIN}`,
  'Press Ctrl-C to stop everything.',
  '',
];
process.stdout.write(`${lines.join('\n')}\n`);
