/**
 * Encoders for what each kind of card reader sends when a card is presented:
 * the inverse of card/parsers.ts, used by the virtual card reader, its CLI and
 * the tests. The demo identifiers are test numbers, not anyone's card.
 */
import { luhnDigit, type CardKind } from '../card/CardNumber';

export { CARD_KINDS } from '@citizen/protocol';

/** Demo card identifiers (valid check digits, fictitious issuers). */
export const DEMO_CARDS: Record<CardKind, string> = {
  magstripe: `990001234567890${luhnDigit('990001234567890')}`,
  'rfid-em4100': '0F00A1B2C3',
  'barcode-line': `2900012345678${luhnDigit('2900012345678')}`,
};

export interface MagstripeCard {
  pan: string;
  name?: string;
  /** YYMM */
  expiry?: string;
  tracks?: 1 | 2 | 'both';
}

/** ISO/IEC 7813 track 1 and/or 2 as a serial magstripe reader sends them, ending in CR. */
export function magstripeFrame(c: MagstripeCard): Buffer {
  const name = c.name ?? 'RESIDENT/TEST';
  const exp = c.expiry ?? '3012';
  const t1 = `%B${c.pan}^${name}^${exp}1010000000000?`;
  const t2 = `;${c.pan}=${exp}1010000000000?`;
  const tracks = c.tracks ?? 'both';
  return Buffer.from(`${tracks === 2 ? '' : t1}${tracks === 1 ? '' : t2}\r`, 'latin1');
}

/** RDM6300 frame: STX, 10 hex digits, XOR checksum as 2 hex digits, ETX. */
export function em4100Frame(hex10: string): Buffer {
  if (!/^[0-9A-Fa-f]{10}$/.test(hex10)) throw new TypeError(`em4100Frame: need 10 hex digits, got ${hex10.length} characters`);
  const id = hex10.toUpperCase();
  let x = 0;
  for (let i = 0; i < 10; i += 2) x ^= parseInt(id.slice(i, i + 2), 16);
  return Buffer.concat([Buffer.from([0x02]), Buffer.from(`${id}${x.toString(16).toUpperCase().padStart(2, '0')}`, 'ascii'), Buffer.from([0x03])]);
}

/** One scanned code as a line. */
export function barcodeFrame(code: string): Buffer {
  return Buffer.from(`${code}\r\n`, 'ascii');
}

export function frameFor(kind: CardKind, id: string = DEMO_CARDS[kind]): Buffer {
  switch (kind) {
    case 'magstripe':
      return magstripeFrame({ pan: id });
    case 'rfid-em4100':
      return em4100Frame(id);
    case 'barcode-line':
      return barcodeFrame(id);
  }
}
