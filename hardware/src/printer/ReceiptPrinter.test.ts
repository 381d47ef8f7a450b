/**
 * The receipt printer driver against the virtual printer over real socat
 * ptys, plus the status protocol against both the mock binding and a pty.
 * Every wait is on an event; nothing sleeps.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockLink, createPtyLink, type DeviceLink } from '../testing/DeviceLink';
import { VirtualPrinter } from '../virtual/VirtualPrinter';
import { receiptPlainText } from '../virtual/EscPosDecoder';
import { buildReceipt, type ReceiptSite } from './receipt';
import { ReceiptPrinter, type PrintJobInfo, type PrinterHealth } from './ReceiptPrinter';
import type { CommandSet } from './codePages';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const FAST = { initialMs: 5, maxMs: 40 };
const framing = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } as const;
export const SITE: ReceiptSite = {
  municipality: 'Aarhus Kommune',
  place: 'Borgerservice Mini, Dokk1',
  statusPageUrl: 'https://status.example.dk/sag/{reference}',
  timeZone: 'Europe/Copenhagen',
  fallbackLanguage: 'da',
};

function receipt(reference: string, commandSet: CommandSet = 'epson', language: 'da' | 'pl' = 'da'): Buffer {
  return buildReceipt({ reference, language, nextSteps: ['answer-digital-post', 'track-online'], issuedAt: new Date('2026-11-23T10:15:00Z') }, SITE, {
    commandSet,
    codePage: 'PC858_EURO',
    lineWidth: 42,
  }).bytes;
}

async function setup(commandSet: CommandSet = 'epson', outDir?: string): Promise<{ vp: VirtualPrinter; printer: ReceiptPrinter }> {
  const dir = mkdtempSync(join(tmpdir(), 'printer-'));
  const vp = new VirtualPrinter({ hostPath: join(dir, 'printer'), baudRate: 115200, commandSet, ...(outDir ? { outDir } : {}) });
  await vp.start();
  cleanup.push(() => vp.close());
  const printer = new ReceiptPrinter({ serial: { port: { path: vp.hostPath }, backoff: FAST, ...framing }, pollIntervalMs: 60_000 });
  cleanup.push(() => printer.close());
  const ready = health(printer, (h) => h.state === 'ready');
  printer.start();
  await ready;
  return { vp, printer };
}

function health(p: ReceiptPrinter, pred: (h: PrinterHealth) => boolean): Promise<PrinterHealth> {
  if (pred(p.health)) return Promise.resolve(p.health);
  return new Promise((resolve) => {
    const on = (h: PrinterHealth): void => {
      if (pred(h)) {
        p.off('status', on);
        resolve(h);
      }
    };
    p.on('status', on);
  });
}

function jobEvent(p: ReceiptPrinter, pred: (j: PrintJobInfo) => boolean): Promise<PrintJobInfo> {
  return new Promise((resolve) => {
    const on = (j: PrintJobInfo): void => {
      if (pred(j)) {
        p.off('job', on);
        resolve(j);
      }
    };
    p.on('job', on);
  });
}

function qrFromPng(file: string): string | undefined {
  const png = PNG.sync.read(readFileSync(file));
  return jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data;
}

describe.each(['epson', 'star'] as const)('ReceiptPrinter → VirtualPrinter over a real pty (%s)', (commandSet) => {
  it('prints a receipt the virtual printer decodes, with the reference and a QR that scans to the status URL', async () => {
    const out = mkdtempSync(join(tmpdir(), 'receipts-'));
    const { vp, printer } = await setup(commandSet, out);
    const next = vp.nextReceipt();
    const info = await printer.submit(receipt('BS-2026-004A', commandSet)).done;
    expect(info).toMatchObject({ state: 'printed', attempts: 1 });
    const r = await next;
    expect(r.unknownCommands).toBe(0);
    expect(r.cut).toBe('full');
    const big = r.blocks.flatMap((b) => (b.type === 'line' ? b.spans : [])).find((s) => s.text === 'BS-2026-004A');
    expect(big).toMatchObject({ width: 2, height: 2, bold: true });
    expect(receiptPlainText(r)).toContain('Følg sagen på adressen under QR-koden.');
    const qr = r.blocks.find((b) => b.type === 'qr');
    expect(qr).toMatchObject({ data: 'https://status.example.dk/sag/BS-2026-004A', ecc: 'M' });
    expect(r.text).toContain('B S - 2 0 2 6 - 0 0 4 A');
    expect(qrFromPng(r.files!.png)).toBe('https://status.example.dk/sag/BS-2026-004A');
  });
});

describe('ReceiptPrinter queue and health over a real pty', () => {
  it('paper out: a queued job blocks, a new job fails fast, and after refill the queued job prints once', async () => {
    const { vp, printer } = await setup();
    vp.setCondition({ paperOut: true });
    const blocked = jobEvent(printer, (j) => j.state === 'blocked');
    const job = printer.submit(receipt('BS-0000-001Y'), { tag: 'session-a' });
    expect(await blocked).toMatchObject({ id: job.id, reason: 'PRINTER_PAPER_OUT' });
    expect(printer.health).toMatchObject({ state: 'blocked', reason: 'PRINTER_PAPER_OUT' });
    expect(() => printer.submit(receipt('BS-0000-002W'))).toThrow(expect.objectContaining({ code: 'PRINTER_PAPER_OUT' }));

    vp.setCondition({ paperOut: false });
    await printer.refreshStatus();
    expect(await job.done).toMatchObject({ state: 'printed', attempts: 1 });
    await printer.refreshStatus(); // one more poll: a second copy would have been sent by now
    expect(vp.receipts.map((r) => receiptPlainText(r).includes('BS-0000-001Y'))).toEqual([true]);
  });

  it('cover open and near-end become typed status events', async () => {
    const { vp, printer } = await setup();
    vp.setCondition({ coverOpen: true });
    expect(await printer.refreshStatus()).toMatchObject({ state: 'blocked', reason: 'PRINTER_COVER_OPEN' });
    vp.setCondition({ coverOpen: false, paperNearEnd: true });
    expect(await printer.refreshStatus()).toEqual({ state: 'ready', condition: { offline: false, coverOpen: false, paperOut: false, paperNearEnd: true } });
    vp.setCondition({ offline: true });
    expect(await printer.refreshStatus()).toMatchObject({ state: 'blocked', reason: 'PRINTER_OFFLINE' });
  });

  it('unplug and replug: a job queued before the unplug prints exactly once after it', async () => {
    const { vp, printer } = await setup();
    vp.setCondition({ offline: true });
    const blocked = jobEvent(printer, (j) => j.state === 'blocked');
    const job = printer.submit(receipt('BS-0000-003T'));
    await blocked;

    const gone = health(printer, (h) => h.state === 'disconnected');
    await vp.unplug();
    await gone;
    expect(() => printer.submit(receipt('BS-0000-004R'))).toThrow(expect.objectContaining({ code: 'DEVICE_DISCONNECTED' }));

    vp.setCondition({ offline: false });
    const back = once(printer.device, 'open');
    const [[, reconnected]] = await Promise.all([back, vp.replug()]);
    expect(reconnected).toBe(true);
    // The driver's own first poll may have gone out before the printer end
    // was open (a printer still powering up); poll again now that it is.
    await printer.refreshStatus();
    expect(await job.done).toMatchObject({ state: 'printed' });
    await printer.refreshStatus();
    expect(vp.receipts.filter((r) => receiptPlainText(r).includes('BS-0000-003T'))).toHaveLength(1);
  });

  it('cancel() drops a blocked job of a session; it is never printed', async () => {
    const { vp, printer } = await setup();
    vp.setCondition({ paperOut: true });
    const blocked = jobEvent(printer, (j) => j.state === 'blocked');
    const job = printer.submit(receipt('BS-0000-005P'), { tag: 'session-b' });
    await blocked;
    expect(printer.cancel((j) => j.tag === 'session-b')).toBe(1);
    await expect(job.done).rejects.toMatchObject({ code: 'PRINT_CANCELLED' });
    vp.setCondition({ paperOut: false });
    await printer.refreshStatus();
    expect(vp.receipts).toHaveLength(0);
  });
});

describe.each([
  ['mock binding', async () => createMockLink()],
  ['real pty', () => createPtyLink()],
] as [string, () => Promise<DeviceLink>][])('printer status protocol (%s)', (_name, makeLink) => {
  async function printerOn(link: DeviceLink, statusTimeoutMs = 2000): Promise<ReceiptPrinter> {
    const p = new ReceiptPrinter({ serial: { port: { path: link.path }, binding: link.binding, backoff: FAST, ...framing }, pollIntervalMs: 60_000, statusTimeoutMs });
    cleanup.push(() => p.close());
    const opened = once(p.device, 'open');
    p.start();
    await opened;
    return p;
  }

  it('ignores bytes that are not status answers and decodes the rest', async () => {
    const link = await makeLink();
    cleanup.push(() => link.close());
    // Answer every DLE EOT n with noise first: 0xFF and 0x00 fail (b & 0x93) === 0x12.
    let answered = 0;
    let stop = false;
    cleanup.push(async () => void (stop = true));
    const answer = async (): Promise<void> => {
      while (!stop) {
        await link.waitReceived((answered + 1) * 3);
        const n = link.received()[answered * 3 + 2]!;
        answered++;
        await link.send(Buffer.from([0xff, 0x00, n === 4 ? 0x1e : 0x12])).catch(() => undefined);
      }
    };
    const printer = await printerOn(link);
    void answer();
    // The driver polls on open by itself; this is (at least) its second poll.
    const h = await printer.refreshStatus();
    expect(h).toEqual({ state: 'ready', condition: { offline: false, coverOpen: false, paperOut: false, paperNearEnd: true } });
    expect(printer.ignoredBytes).toBeGreaterThanOrEqual(6);
    expect([...link.received().subarray(0, 9)]).toEqual([0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04]);
  });

  it('status requests never land inside a job: a poll asked for mid-job goes out after its last byte', async () => {
    const link = await makeLink();
    cleanup.push(() => link.close());
    // A printer that answers every DLE EOT n with "all well".
    let scanned = 0;
    let seen = 0;
    let stop = false;
    cleanup.push(async () => void (stop = true));
    void (async () => {
      while (!stop) {
        const buf = await link.waitReceived(seen + 1);
        seen = buf.length;
        for (; scanned + 2 < buf.length; scanned++) {
          if (buf[scanned] === 0x10 && buf[scanned + 1] === 0x04) await link.send(Buffer.of(0x12)).catch(() => undefined);
        }
      }
    })();
    const printer = await printerOn(link);
    await printer.refreshStatus();
    const job = Buffer.alloc(8192, 0x41);
    // Ask for status while the job is being written.
    const polls: Promise<unknown>[] = [];
    printer.on('job', (j) => {
      if (j.state === 'printing') polls.push(printer.refreshStatus(), printer.refreshStatus());
    });
    await printer.submit(job).done;
    await Promise.all(polls);
    expect(polls).toHaveLength(2);
    // On a pty, "drained" means handed to the kernel: wait until the device has read it all.
    for (let n = link.received().length; !link.received().includes(job); n = link.received().length) await link.waitReceived(n + 1);
    const wire = link.received().toString('latin1');
    expect(wire).toContain('A'.repeat(8192));
    expect(wire.replace(/\x10\x04[\x01\x02\x04]/g, '')).toBe('A'.repeat(8192));
  });

  it('a printer that never answers is PRINTER_NOT_RESPONDING and jobs fail fast', async () => {
    const link = await makeLink();
    cleanup.push(() => link.close());
    const printer = await printerOn(link, 30);
    expect(await printer.refreshStatus()).toEqual({ state: 'blocked', reason: 'PRINTER_NOT_RESPONDING' });
    expect(() => printer.submit(Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'PRINTER_NOT_RESPONDING' }));
  });
});
