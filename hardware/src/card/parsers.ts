/**
 * Frame parsers for the card readers the kiosk supports. Each is a byte-wise
 * state machine, so how the serial driver happens to chunk the stream never
 * changes the result; each has a hard limit on how much it buffers, checks the
 * frame's checksum, and resynchronises on the protocol's start byte after
 * garbage (line noise, a reader switched on mid-frame, a half swipe).
 *
 * Frames enter the system here, so this is where they are validated: a frame
 * that fails yields a `reject` with a stable code and a detail that never
 * contains the card number.
 */
import { CardNumber, luhnValid, type CardKind, type CardRead } from './CardNumber';

export type CardRejectCode = 'CARD_CHECKSUM' | 'CARD_FRAME_TOO_LONG' | 'CARD_MALFORMED';

export type ParseEvent = { type: 'card'; read: CardRead } | { type: 'reject'; code: CardRejectCode; detail: string };

export interface CardFrameParser {
  readonly protocol: CardKind;
  /** The most bytes the parser ever holds. */
  readonly maxFrameBytes: number;
  /** Bytes held right now (a partial frame). */
  readonly buffered: number;
  push(chunk: Uint8Array): ParseEvent[];
  /** Drops a partial frame (the port went away: the rest will never come). */
  reset(): void;
}

const card = (kind: CardKind, clear: string): ParseEvent => {
  const id = new CardNumber(clear);
  return { type: 'card', read: { kind, id, masked: id.masked } };
};
const reject = (code: CardRejectCode, detail: string): ParseEvent => ({ type: 'reject', code, detail });

const PERCENT = 0x25;
const SEMICOLON = 0x3b;
const QUESTION = 0x3f;
const CR = 0x0d;
const LF = 0x0a;

/**
 * ISO/IEC 7813 magnetic stripe, as serial readers send it: track 1
 * `%B<PAN>^<NAME>^<YYMM><service code><discretionary>?` and/or track 2
 * `;<PAN>=<YYMM><service code><discretionary>?`, usually followed by CR.
 *
 * Checksum: the reader checks each character's parity and the track's LRC
 * on the card and does not transmit them; what reaches us and can be
 * checked is the PAN's ISO/IEC 7812 Luhn check digit.
 *
 * A card with both tracks yields one read: a track 2 whose PAN equals the
 * track 1 decoded just before it is the same swipe. The cardholder name on
 * track 1 is dropped here (data minimisation: nothing in the kiosk needs it).
 */
export class MagstripeParser implements CardFrameParser {
  readonly protocol = 'magstripe' as const;
  static readonly TRACK1_MAX = 79;
  static readonly TRACK2_MAX = 40;
  readonly maxFrameBytes = MagstripeParser.TRACK1_MAX;
  #buf: number[] = [];
  #lastTrack1: CardNumber | null = null;

  get buffered(): number {
    return this.#buf.length;
  }

  reset(): void {
    this.#buf = [];
    this.#lastTrack1 = null;
  }

  push(chunk: Uint8Array): ParseEvent[] {
    const out: ParseEvent[] = [];
    for (const b of chunk) {
      if (b === PERCENT || b === SEMICOLON) {
        if (this.#buf.length > 1) out.push(reject('CARD_MALFORMED', 'track interrupted by a new start sentinel'));
        this.#buf = [b];
        continue;
      }
      if (this.#buf.length === 0) {
        if (b !== CR && b !== LF) this.#lastTrack1 = null;
        continue;
      }
      if (b === QUESTION) {
        const ev = this.#decode(String.fromCharCode(...this.#buf));
        this.#buf = [];
        if (ev) out.push(ev);
        continue;
      }
      if (b < 0x20 || b > 0x7e) {
        out.push(reject('CARD_MALFORMED', 'control byte inside a track'));
        this.#buf = [];
        this.#lastTrack1 = null;
        continue;
      }
      this.#buf.push(b);
      const max = this.#buf[0] === PERCENT ? MagstripeParser.TRACK1_MAX : MagstripeParser.TRACK2_MAX;
      // +1: the end sentinel still has to come.
      if (this.#buf.length + 1 > max) {
        out.push(reject('CARD_FRAME_TOO_LONG', `track longer than ${max} characters`));
        this.#buf = [];
        this.#lastTrack1 = null;
      }
    }
    return out;
  }

  #decode(track: string): ParseEvent | null {
    const t1 = /^%B(\d{12,19})\^[ A-Z0-9/.'-]{2,26}\^(\d{4}|\^)[0-9A-Z ]*$/.exec(track);
    const t2 = t1 ? null : /^;(\d{12,19})=(\d{4}|=)[0-9]*$/.exec(track);
    const pan = t1?.[1] ?? t2?.[1];
    if (!pan) {
      this.#lastTrack1 = null;
      return reject('CARD_MALFORMED', `not an ISO/IEC 7813 track ${track[0] === '%' ? 1 : 2}`);
    }
    if (!luhnValid(pan)) {
      this.#lastTrack1 = null;
      return reject('CARD_CHECKSUM', 'card number fails its Luhn check digit');
    }
    const ev = card('magstripe', pan);
    if (t1) {
      this.#lastTrack1 = (ev as { read: CardRead }).read.id;
      return ev;
    }
    const dup = this.#lastTrack1?.equals((ev as { read: CardRead }).read.id) ?? false;
    this.#lastTrack1 = null;
    return dup ? null : ev;
  }
}

const STX = 0x02;
const ETX = 0x03;
const isHex = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

/**
 * 125 kHz EM4100 readers of the RDM6300 kind: STX, 10 hex digits (version
 * byte + 32-bit tag id), 2 hex digits of checksum (XOR of the five data
 * bytes), ETX. 14 bytes, fixed.
 */
export class Em4100Parser implements CardFrameParser {
  readonly protocol = 'rfid-em4100' as const;
  static readonly FRAME_BYTES = 14;
  readonly maxFrameBytes = Em4100Parser.FRAME_BYTES;
  #buf: number[] = [];

  get buffered(): number {
    return this.#buf.length;
  }

  reset(): void {
    this.#buf = [];
  }

  push(chunk: Uint8Array): ParseEvent[] {
    const out: ParseEvent[] = [];
    for (const b of chunk) {
      if (b === STX) {
        if (this.#buf.length > 1) out.push(reject('CARD_MALFORMED', 'frame interrupted by a new STX'));
        this.#buf = [b];
        continue;
      }
      if (this.#buf.length === 0) continue;
      if (this.#buf.length < 13) {
        if (isHex(b)) this.#buf.push(b);
        else {
          out.push(reject('CARD_MALFORMED', 'non-hex byte inside a frame'));
          this.#buf = [];
        }
        continue;
      }
      // 13 bytes held: this one must be ETX.
      const hex = String.fromCharCode(...this.#buf.slice(1)).toUpperCase();
      this.#buf = [];
      if (b !== ETX) {
        out.push(reject('CARD_FRAME_TOO_LONG', 'no ETX after 12 hex digits'));
        continue;
      }
      let x = 0;
      for (let i = 0; i < 10; i += 2) x ^= parseInt(hex.slice(i, i + 2), 16);
      if (x !== parseInt(hex.slice(10, 12), 16)) out.push(reject('CARD_CHECKSUM', 'EM4100 XOR checksum mismatch'));
      else out.push(card('rfid-em4100', hex.slice(0, 10)));
    }
    return out;
  }
}

export interface LineParserOptions {
  /** Longest code accepted, in characters. */
  maxLength?: number;
  minLength?: number;
  /** Library cards carry a mod-10 (Luhn) check digit; other codes none. */
  checkDigit?: 'luhn' | 'none';
}

/**
 * Barcode and serial scanners in "one line per code" mode: printable ASCII
 * terminated by CR, LF or CRLF. A control or non-ASCII byte inside a line is
 * noise: the line so far is dropped and parsing starts afresh after it. An
 * overlong line is dropped up to its terminator.
 */
export class LineParser implements CardFrameParser {
  readonly protocol = 'barcode-line' as const;
  readonly maxFrameBytes: number;
  readonly #min: number;
  readonly #check: 'luhn' | 'none';
  #buf: number[] = [];
  #discarding = false;

  constructor(opts: LineParserOptions = {}) {
    this.maxFrameBytes = opts.maxLength ?? 64;
    this.#min = opts.minLength ?? 4;
    this.#check = opts.checkDigit ?? 'luhn';
    if (!(this.#min >= 1 && this.maxFrameBytes >= this.#min)) throw new TypeError('LineParser: need 1 <= minLength <= maxLength');
  }

  get buffered(): number {
    return this.#buf.length;
  }

  reset(): void {
    this.#buf = [];
    this.#discarding = false;
  }

  push(chunk: Uint8Array): ParseEvent[] {
    const out: ParseEvent[] = [];
    for (const b of chunk) {
      if (b === CR || b === LF) {
        if (!this.#discarding && this.#buf.length > 0) out.push(this.#decode(String.fromCharCode(...this.#buf)));
        this.reset();
        continue;
      }
      if (b < 0x21 || b > 0x7e) {
        if (this.#buf.length > 0) out.push(reject('CARD_MALFORMED', 'control or non-ASCII byte inside a code'));
        this.reset();
        continue;
      }
      if (this.#discarding) continue;
      if (this.#buf.length >= this.maxFrameBytes) {
        out.push(reject('CARD_FRAME_TOO_LONG', `code longer than ${this.maxFrameBytes} characters`));
        this.#buf = [];
        this.#discarding = true;
        continue;
      }
      this.#buf.push(b);
    }
    return out;
  }

  #decode(code: string): ParseEvent {
    if (code.length < this.#min) return reject('CARD_MALFORMED', `code shorter than ${this.#min} characters`);
    if (this.#check === 'luhn') {
      if (!/^\d+$/.test(code)) return reject('CARD_MALFORMED', 'library card codes are digits only');
      if (!luhnValid(code)) return reject('CARD_CHECKSUM', 'code fails its mod-10 check digit');
    }
    return card('barcode-line', code);
  }
}

export function createCardParser(protocol: CardKind, line?: LineParserOptions): CardFrameParser {
  switch (protocol) {
    case 'magstripe':
      return new MagstripeParser();
    case 'rfid-em4100':
      return new Em4100Parser();
    case 'barcode-line':
      return new LineParser(line);
  }
}
