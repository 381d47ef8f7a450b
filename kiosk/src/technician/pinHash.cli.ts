/**
 * Makes a technician PIN hash for `kiosk.technicianPinHash`:
 *
 *   npm run -s technician-pin -w kiosk            (asks for the PIN)
 *   printf '%s' 583920 | npm run -s technician-pin -w kiosk
 *
 * The PIN is read from standard input, never from the command line, so it
 * stays out of shell history and the process list. Prints only the hash.
 */
import { createInterface } from 'node:readline/promises';
import { text } from 'node:stream/consumers';
import { hashPin, PIN_PATTERN } from './pin';

async function readPin(): Promise<string> {
  if (!process.stdin.isTTY) return (await text(process.stdin)).trim();
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const pin = await rl.question('Technician PIN (4 to 12 digits): ');
  rl.close();
  return pin.trim();
}

const pin = await readPin();
if (!PIN_PATTERN.test(pin)) {
  process.stderr.write('technician-pin: a technician PIN has 4 to 12 digits\n');
  process.exit(2);
}
process.stdout.write(`${await hashPin(pin)}\n`);
process.stderr.write('Put this in the kiosk\'s site config as kiosk.technicianPinHash (or set KIOSK_TECHNICIAN_PIN_HASH).\n');
