/**
 * A virtual ESC/POS receipt printer on the device end of a pty pair.
 *
 *  - Answers real-time status requests (DLE EOT n) as they arrive, the way an
 *    Epson TM-series printer does, even while it cannot print: one byte whose
 *    fixed bits satisfy (b & 0x93) === 0x12.
 *  - Decodes the rest of the stream (EscPosDecoder) into receipts, one per
 *    cut, and emits each as a `receipt` event; with `outDir` it also writes
 *    each one as .txt and .png for a person to look at.
 *  - Can be put into paper-out, cover-open, paper-near-end and offline. While
 *    it cannot print, received print data waits in its buffer (as in a real
 *    printer) and is printed when the condition clears.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandSet } from '../printer/codePages';
import { DLE, EOT, NORMAL_CONDITION, statusByte, type PrinterCondition } from '../printer/status';
import { EscPosDecoder, receiptToText, type DecodedReceipt } from './EscPosDecoder';
import { receiptToPng } from './receiptImage';
import { VirtualSerialDevice, type VirtualDeviceOptions } from './VirtualSerialDevice';

export { statusByte, type PrinterCondition } from '../printer/status';

export interface VirtualPrinterOptions extends VirtualDeviceOptions {
  commandSet?: CommandSet;
  /** Where to write receipt-<n>.txt / .png; none when omitted. */
  outDir?: string;
  /** Characters per line, for the text and image renderings. */
  lineWidth?: number;
}

export interface PrintedReceipt extends DecodedReceipt {
  seq: number;
  text: string;
  files?: { txt: string; png: string };
}

export type VirtualPrinterEvents = { receipt: [receipt: PrintedReceipt]; statusRequest: [n: number] };

export class VirtualPrinter extends VirtualSerialDevice {
  readonly events = new EventEmitter<VirtualPrinterEvents>();
  readonly receipts: PrintedReceipt[] = [];
  #condition: PrinterCondition = { ...NORMAL_CONDITION };
  #received: number[] = [];
  #held: number[] = [];
  #pendingDle = 0;
  #decoder: EscPosDecoder;
  readonly #printOpts: VirtualPrinterOptions;
  statusRequests = 0;

  constructor(opts: VirtualPrinterOptions) {
    super(opts);
    this.#printOpts = opts;
    this.#decoder = new EscPosDecoder(opts.commandSet ?? 'epson');
  }

  get condition(): Readonly<PrinterCondition> {
    return { ...this.#condition };
  }

  get ready(): boolean {
    const c = this.#condition;
    return !c.offline && !c.coverOpen && !c.paperOut;
  }

  /** Changes the printer's condition; held print data is printed once it can print again. */
  setCondition(patch: Partial<PrinterCondition>): void {
    this.#condition = { ...this.#condition, ...patch };
    if (this.ready && this.#held.length) {
      const held = Buffer.from(this.#held);
      this.#held = [];
      this.#print(held);
    }
  }

  /** Everything received so far that was not a status request. */
  get received(): Buffer {
    return Buffer.from(this.#received);
  }

  /** Waits for the next receipt (or returns one already printed after `afterSeq`). */
  nextReceipt(afterSeq = this.receipts.length): Promise<PrintedReceipt> {
    const have = this.receipts[afterSeq];
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => {
      const on = (r: PrintedReceipt): void => {
        if (r.seq > afterSeq) {
          this.events.off('receipt', on);
          resolve(r);
        }
      };
      this.events.on('receipt', on);
    });
  }

  protected onData(chunk: Buffer): void {
    const data: number[] = [];
    for (const byte of chunk) {
      if (this.#pendingDle === 1) {
        this.#pendingDle = byte === EOT ? 2 : 0;
        if (byte !== EOT) data.push(DLE, byte);
        continue;
      }
      if (this.#pendingDle === 2) {
        this.#pendingDle = 0;
        if (byte >= 1 && byte <= 4) {
          this.statusRequests++;
          this.events.emit('statusRequest', byte);
          // A status answer lost to an unplug is what a real printer does too: the host times out.
          this.write([statusByte(byte, this.#condition)]).catch(() => undefined);
        } else {
          data.push(DLE, EOT, byte);
        }
        continue;
      }
      if (byte === DLE) this.#pendingDle = 1;
      else data.push(byte);
    }
    if (!data.length) return;
    for (const b of data) this.#received.push(b);
    if (this.ready) this.#print(Buffer.from(data));
    else for (const b of data) this.#held.push(b);
  }

  #print(bytes: Buffer): void {
    for (const r of this.#decoder.push(bytes)) {
      const seq = this.receipts.length + 1;
      const width = this.#printOpts.lineWidth ?? 42;
      const printed: PrintedReceipt = { ...r, seq, text: receiptToText(r, width) };
      if (this.#printOpts.outDir) {
        mkdirSync(this.#printOpts.outDir, { recursive: true });
        const base = join(this.#printOpts.outDir, `receipt-${new Date().toISOString().replace(/[:.]/g, '-')}-${seq}`);
        printed.files = { txt: `${base}.txt`, png: `${base}.png` };
        writeFileSync(printed.files.txt, printed.text);
        writeFileSync(printed.files.png, receiptToPng(r, width));
      }
      this.receipts.push(printed);
      this.events.emit('receipt', printed);
    }
  }
}
