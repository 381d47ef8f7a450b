/**
 * Runs the kiosk's virtual hardware for the demo: a receipt printer and a
 * card reader, each on a socat pty pair at the paths config/kiosk names, and
 * (when kiosk.virtualHardwarePort is not 0) the loopback control endpoint of
 * devServer.ts. Receipts are written to <dataDir>/receipts as .txt and .png.
 * `tsx hardware/src/virtual/main.ts`; stops (and removes the device links) on
 * SIGINT/SIGTERM.
 */
import { join } from 'node:path';
import { loadConfig, resolveFromRoot } from '@citizen/config';
import { createDevServer } from './devServer';
import { VirtualCardReader } from './VirtualCardReader';
import { VirtualPrinter } from './VirtualPrinter';

const full = loadConfig();
const config = full.kiosk;
const receiptsDir = join(resolveFromRoot(full.dataDir), 'receipts');
// With USB ids configured there is no path to put a virtual device at: the demo always uses paths.
const printer = new VirtualPrinter({
  hostPath: resolveFromRoot(config.printer.path),
  baudRate: config.printer.baudRate,
  commandSet: config.printer.commandSet,
  lineWidth: config.printer.lineWidth,
  outDir: receiptsDir,
});
const reader = new VirtualCardReader({ hostPath: resolveFromRoot(config.cardReader.path), baudRate: config.cardReader.baudRate });
const server = createDevServer({ printer, cardReader: reader });

printer.events.on('receipt', (r) => process.stdout.write(`virtual printer: receipt ${r.seq} printed${r.files ? ` -> ${r.files.png}` : ''}\n`));

async function stop(signal: string): Promise<void> {
  process.stdout.write(`virtual hardware: ${signal}, stopping\n`);
  server.close();
  await Promise.allSettled([printer.close(), reader.close()]);
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));

try {
  await printer.start();
  await reader.start();
} catch (err) {
  process.stderr.write(`virtual hardware: failed to start: ${(err as Error).message}\n`);
  await Promise.allSettled([printer.close(), reader.close()]);
  process.exit(1);
}

let control = 'off (kiosk.virtualHardwarePort is 0)';
if (config.virtualHardwarePort) {
  control = await new Promise<string>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      // A second demo on this machine (e.g. the browser tests next to a developer's `npm start`) must still run.
      resolve(`not started: port ${config.virtualHardwarePort} ${err.code === 'EADDRINUSE' ? 'is in use' : `failed (${err.code ?? err.message})`}`),
    );
    server.listen(config.virtualHardwarePort, '127.0.0.1', () => resolve(`http://127.0.0.1:${config.virtualHardwarePort}/`));
  });
}
process.stdout.write(
  `virtual hardware ready: printer at ${config.printer.path} (${config.printer.commandSet}, ${config.printer.baudRate} baud), card reader at ${config.cardReader.path} (${config.cardReader.protocol}); receipts in ${receiptsDir}; control ${control}\n`,
);
