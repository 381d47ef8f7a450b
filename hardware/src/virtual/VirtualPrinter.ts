/**
 * A virtual ESC/POS receipt printer on the device end of a pty pair. It keeps
 * the byte stream it receives and answers real-time status requests
 * (DLE EOT n) the way an Epson TM-series printer does: one byte whose fixed
 * bits satisfy (b & 0x93) === 0x12.
 *
 * Decoding the whole ESC/POS stream into receipts (text, styles, cuts, QR) and
 * rendering them is built on top of this in the hardware issue (#5).
 */
import { VirtualSerialDevice, type VirtualDeviceOptions } from './VirtualSerialDevice';

export interface PrinterCondition {
  offline: boolean;
  coverOpen: boolean;
  paperNearEnd: boolean;
  paperOut: boolean;
}

const DLE = 0x10;
const EOT = 0x04;

/** The status byte a TM-series printer answers to DLE EOT n (n = 1..4). */
export function statusByte(n: number, c: PrinterCondition): number {
  let b = 0x12;
  switch (n) {
    case 1: // printer status: bit 3 offline
      if (c.offline || c.coverOpen || c.paperOut) b |= 0x08;
      break;
    case 2: // offline cause: bit 2 cover open, bit 5 stopped by paper end
      if (c.coverOpen) b |= 0x04;
      if (c.paperOut) b |= 0x20;
      break;
    case 3: // error status: none modelled
      break;
    case 4: // roll paper sensor: bits 2-3 near end, bits 5-6 paper end
      if (c.paperNearEnd || c.paperOut) b |= 0x0c;
      if (c.paperOut) b |= 0x60;
      break;
    default:
      throw new RangeError(`DLE EOT n must be 1..4, got ${n}`);
  }
  return b;
}

export class VirtualPrinter extends VirtualSerialDevice {
  readonly condition: PrinterCondition = { offline: false, coverOpen: false, paperNearEnd: false, paperOut: false };
  #received: number[] = [];
  #pendingDle = 0;
  statusRequests = 0;

  constructor(opts: VirtualDeviceOptions) {
    super(opts);
  }

  /** Everything received so far that was not a status request. */
  get received(): Buffer {
    return Buffer.from(this.#received);
  }

  protected onData(chunk: Buffer): void {
    for (const byte of chunk) {
      if (this.#pendingDle === 1) {
        this.#pendingDle = byte === EOT ? 2 : 0;
        if (byte !== EOT) this.#received.push(DLE, byte);
        continue;
      }
      if (this.#pendingDle === 2) {
        this.#pendingDle = 0;
        if (byte >= 1 && byte <= 4) {
          this.statusRequests++;
          void this.write([statusByte(byte, this.condition)]).catch(() => undefined);
        } else {
          this.#received.push(DLE, EOT, byte);
        }
        continue;
      }
      if (byte === DLE) this.#pendingDle = 1;
      else this.#received.push(byte);
    }
  }
}
