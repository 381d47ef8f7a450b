/**
 * Drives the running demo's virtual hardware through its control endpoint
 * (devServer.ts) at kiosk.virtualHardwarePort:
 *
 *   npm run card -w hardware -- magstripe|rfid-em4100|barcode-line [id]
 *   npm run printer -w hardware -- paper-out|cover-open|near-end|offline|ok|unplug|replug
 */
import { loadConfig } from '@citizen/config';

const [, , command, arg, id] = process.argv;
const port = loadConfig().kiosk.virtualHardwarePort;

const PRINTER_STATES: Record<string, { path: string; body?: object }> = {
  'paper-out': { path: '/printer', body: { paperOut: true } },
  'cover-open': { path: '/printer', body: { coverOpen: true } },
  'near-end': { path: '/printer', body: { paperNearEnd: true } },
  offline: { path: '/printer', body: { offline: true } },
  ok: { path: '/printer', body: { paperOut: false, coverOpen: false, paperNearEnd: false, offline: false } },
  unplug: { path: '/printer/unplug' },
  replug: { path: '/printer/replug' },
};

function usage(): never {
  process.stderr.write(
    'usage: cli.ts card <magstripe|rfid-em4100|barcode-line> [id]\n       cli.ts printer <paper-out|cover-open|near-end|offline|ok|unplug|replug>\n',
  );
  process.exit(64);
}

let target: { path: string; body?: object };
if (command === 'card' && arg) target = { path: `/card/${arg}`, body: id ? { id } : {} };
else if (command === 'printer' && arg && PRINTER_STATES[arg]) target = PRINTER_STATES[arg];
else usage();

if (!port) {
  process.stderr.write('kiosk.virtualHardwarePort is 0: the virtual hardware has no control endpoint\n');
  process.exit(1);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}${target.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(target.body ?? {}),
  });
  process.stdout.write(await res.text());
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`cannot reach the virtual hardware at 127.0.0.1:${port} (is \`npm start\` running?): ${(err as Error).message}\n`);
  process.exit(1);
}
