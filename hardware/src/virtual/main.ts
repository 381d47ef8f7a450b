/**
 * Runs the kiosk's virtual hardware for the demo: a receipt printer and a
 * card reader, each on a socat pty pair at the paths config/kiosk names.
 * `tsx hardware/src/virtual/main.ts`; stops (and removes the device links) on
 * SIGINT/SIGTERM.
 */
import { loadConfig, resolveFromRoot } from '@citizen/config';
import { VirtualPrinter } from './VirtualPrinter';
import { VirtualCardReader } from './VirtualCardReader';

const config = loadConfig().kiosk;
const printer = new VirtualPrinter({ hostPath: resolveFromRoot(config.printer.path), baudRate: config.printer.baudRate });
const reader = new VirtualCardReader({ hostPath: resolveFromRoot(config.cardReader.path), baudRate: config.cardReader.baudRate });

async function stop(signal: string): Promise<void> {
  process.stdout.write(`virtual hardware: ${signal}, stopping\n`);
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
process.stdout.write(
  `virtual hardware ready: printer at ${config.printer.path} (${config.printer.baudRate} baud), card reader at ${config.cardReader.path}\n`,
);
