/**
 * ESC/POS real-time status (DLE EOT n). The printer answers each request with
 * one byte whose fixed bits satisfy (b & 0x93) === 0x12; anything else on the
 * line (automatic status blocks, noise, XON/XOFF) is not an answer and is
 * ignored. Requests are sent only between jobs: the write queue guarantees
 * they never land inside a multi-byte command.
 */

export const DLE = 0x10;
export const EOT = 0x04;

/** n = 1 printer status, 2 offline cause, 4 roll paper sensor. */
export const STATUS_REQUESTS = [1, 2, 4] as const;
export type StatusRequest = (typeof STATUS_REQUESTS)[number];

export const isStatusByte = (b: number): boolean => (b & 0x93) === 0x12;

export interface PrinterCondition {
  /** The printer is not accepting data (it says so in DLE EOT 1 bit 3). */
  offline: boolean;
  coverOpen: boolean;
  paperNearEnd: boolean;
  paperOut: boolean;
}

export const NORMAL_CONDITION: PrinterCondition = Object.freeze({ offline: false, coverOpen: false, paperNearEnd: false, paperOut: false });

/** Decodes the answers to DLE EOT 1, 2 and 4. */
export function decodeStatus(answers: Record<StatusRequest, number>): PrinterCondition {
  const s1 = answers[1];
  const s2 = answers[2];
  const s4 = answers[4];
  return {
    offline: (s1 & 0x08) !== 0,
    coverOpen: (s2 & 0x04) !== 0,
    paperOut: (s2 & 0x20) !== 0 || (s4 & 0x60) !== 0,
    paperNearEnd: (s4 & 0x0c) !== 0,
  };
}

/** The status byte a TM-series printer answers to DLE EOT n (n = 1..4), for the virtual printer. */
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
