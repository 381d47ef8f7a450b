/**
 * Receipt printing on the wire: bytes per standard receipt and the time from
 * `print` to the printer having the receipt's last byte, at 9600, 38400 and
 * 115200 baud, against the floor the serial line allows (bytes × 10 / baud:
 * start bit, 8 data bits, stop bit).
 *
 * A pty carries bytes at memory speed whatever the baud rate, so the virtual
 * printer paces the line itself (VirtualSerialDevice `paceWire`): bytes reach
 * it, and its status answers reach the kiosk, no faster than the baud rate.
 * The measured time therefore is the wire time plus everything the driver
 * adds: the status poll before the job (3 × DLE EOT n and their answers), the
 * queue, and event-loop hand-offs. That overhead is what the ratio shows.
 *
 *   npx tsx bench/hardware.bench.ts        (npm run bench:hardware)
 * Target: ≤ 2.5 kB per receipt, ratio ≤ 1.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ReceiptPrinter, buildReceipt, type CommandSet, type ReceiptSite } from '@citizen/hardware';
import { VirtualPrinter } from '@citizen/hardware/virtual';

const BAUDS = [9600, 38400, 115200] as const;
const RUNS: Record<(typeof BAUDS)[number], number> = { 9600: 3, 38400: 5, 115200: 9 };
const STATUS_BYTES = 3 * 3 + 3; // DLE EOT n out, one answer byte back, for n = 1, 2, 4

const site: ReceiptSite = {
  municipality: 'Aarhus Kommune',
  place: 'Borgerservice Mini, Dokk1',
  statusPageUrl: 'https://aarhus.dk/status/{reference}',
  timeZone: 'Europe/Copenhagen',
  fallbackLanguage: 'da',
};

function standardReceipt(commandSet: CommandSet, n: number): Buffer {
  return buildReceipt(
    { reference: `BS-2026-${String(4200 + n).padStart(6, '0')}`, language: 'da', nextSteps: ['answer-digital-post', 'bring-id', 'track-online'], issuedAt: new Date('2026-11-23T10:15:00Z') },
    site,
    { commandSet, codePage: 'PC858_EURO', lineWidth: 42 },
  ).bytes;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(baud: (typeof BAUDS)[number], commandSet: CommandSet): Promise<{ bytes: number; ms: number; floorMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-hw-'));
  const vp = new VirtualPrinter({ hostPath: join(dir, 'printer'), baudRate: baud, commandSet, paceWire: true });
  await vp.start();
  const printer = new ReceiptPrinter({ serial: { port: { path: vp.hostPath }, baudRate: baud, dataBits: 8, parity: 'none', stopBits: 1 }, pollIntervalMs: 60_000 });
  const ready = once(printer, 'status');
  printer.start();
  await ready;
  await printer.refreshStatus();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS[baud]; i++) {
    const job = standardReceipt(commandSet, i);
    bytes = job.length;
    const got = vp.nextReceipt();
    const t0 = performance.now();
    printer.submit(job);
    await got;
    times.push(performance.now() - t0);
  }
  await printer.close();
  await vp.close();
  rmSync(dir, { recursive: true, force: true });
  return { bytes, ms: median(times), floorMs: (bytes * 10 * 1000) / baud };
}

const rows: string[] = [];
let worst = 0;
for (const commandSet of ['epson', 'star'] as const) {
  for (const baud of BAUDS) {
    const r = await measure(baud, commandSet);
    const ratio = r.ms / r.floorMs;
    worst = Math.max(worst, ratio);
    rows.push(
      `${commandSet.padEnd(6)} ${String(baud).padStart(6)}  ${String(r.bytes).padStart(5)} B (+${STATUS_BYTES} status)  floor ${r.floorMs.toFixed(1).padStart(7)} ms  measured ${r.ms.toFixed(1).padStart(7)} ms  ratio ${ratio.toFixed(3)}`,
    );
    process.stdout.write(`${rows.at(-1)}\n`);
  }
}
const size = standardReceipt('epson', 0).length;
process.stdout.write(
  `\nstandard receipt: ${size} B (target ≤ 2500) ${size <= 2500 ? 'OK' : 'OVER'}; worst ratio ${worst.toFixed(3)} (target ≤ 1.1) ${worst <= 1.1 ? 'OK' : 'OVER'}\n` +
    'floor = receipt bytes × 10 / baud; measured = median time from print to the last byte at the printer, status poll included\n',
);
