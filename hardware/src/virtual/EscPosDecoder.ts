/**
 * Decodes the print stream a receipt printer receives into receipts: lines of
 * styled text, native QR symbols, feeds, and the cut that ends each receipt.
 * It understands the commands node-thermal-printer emits for the Epson
 * (ESC/POS) and Star (Star Line Mode) command sets, which is what the kiosk
 * sends; unknown commands are skipped and counted, so a test can tell that
 * nothing unexpected was sent.
 *
 * Real-time status requests (DLE EOT n) are not seen here: the virtual printer
 * answers them as they arrive, before the print data is processed, as a real
 * printer does even while it cannot print.
 */
import { codePageBySelector, decodeText, type CodePage, type CommandSet } from '../printer/codePages';

export type Align = 'left' | 'center' | 'right';

export interface TextStyle {
  bold: boolean;
  underline: boolean;
  invert: boolean;
  /** Character magnification. */
  width: number;
  height: number;
  font: 'A' | 'B';
}

export interface Span extends TextStyle {
  text: string;
}

export type ReceiptBlock =
  | { type: 'line'; align: Align; spans: Span[] }
  | { type: 'qr'; align: Align; data: string; cellSize: number; ecc: 'L' | 'M' | 'Q' | 'H' };

export interface DecodedReceipt {
  blocks: ReceiptBlock[];
  cut: 'full' | 'partial';
  /** Commands the decoder did not know (0 for what the kiosk sends). */
  unknownCommands: number;
}

const ECC = ['L', 'M', 'Q', 'H'] as const;
const NORMAL: TextStyle = { bold: false, underline: false, invert: false, width: 1, height: 1, font: 'A' };

/** Bytes still missing for the command at the head of the buffer. */
const INCOMPLETE = -1;

export class EscPosDecoder {
  readonly #set: CommandSet;
  #buf: Buffer = Buffer.alloc(0);
  #style: TextStyle = { ...NORMAL };
  #align: Align = 'left';
  #codePage: CodePage = 'PC437_USA';
  #text: number[] = [];
  #spans: Span[] = [];
  #blocks: ReceiptBlock[] = [];
  #qr = { data: '', cellSize: 3, ecc: 'M' as (typeof ECC)[number] };
  #unknown = 0;

  constructor(commandSet: CommandSet) {
    this.#set = commandSet;
  }

  /** Feeds print data; returns the receipts completed (cut) by it. */
  push(chunk: Uint8Array): DecodedReceipt[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: DecodedReceipt[] = [];
    let i = 0;
    for (let n = this.#command(i, out); n !== INCOMPLETE; n = this.#command(i, out)) i += n;
    this.#buf = this.#buf.subarray(i);
    return out;
  }

  /** Bytes held waiting for the rest of a command. */
  get pending(): number {
    return this.#buf.length;
  }

  #flushText(): void {
    if (!this.#text.length) return;
    this.#spans.push({ ...this.#style, text: decodeText(Uint8Array.from(this.#text), this.#codePage) });
    this.#text = [];
  }

  #setStyle(patch: Partial<TextStyle>): void {
    this.#flushText();
    this.#style = { ...this.#style, ...patch };
  }

  #lineFeed(): void {
    this.#flushText();
    this.#blocks.push({ type: 'line', align: this.#align, spans: this.#spans });
    this.#spans = [];
  }

  #reset(): void {
    this.#flushText();
    this.#style = { ...NORMAL };
    this.#align = 'left';
    this.#codePage = 'PC437_USA';
  }

  #cut(kind: 'full' | 'partial', out: DecodedReceipt[]): void {
    this.#flushText();
    if (this.#spans.length) this.#lineFeed();
    out.push({ blocks: this.#blocks, cut: kind, unknownCommands: this.#unknown });
    this.#blocks = [];
    this.#unknown = 0;
  }

  #printQr(): void {
    this.#flushText();
    if (this.#spans.length) this.#lineFeed();
    this.#blocks.push({ type: 'qr', align: this.#align, data: this.#qr.data, cellSize: this.#qr.cellSize, ecc: this.#qr.ecc });
  }

  #selectCodePage(n: number): void {
    this.#flushText();
    const page = codePageBySelector(this.#set, n);
    if (page) this.#codePage = page;
    else this.#unknown++;
  }

  /** Decodes the command at `i`; returns its length, or INCOMPLETE. */
  #command(i: number, out: DecodedReceipt[]): number {
    const b = this.#buf;
    if (i >= b.length) return INCOMPLETE;
    const at = (k: number): number | undefined => b[i + k];
    const need = (k: number): boolean => i + k <= b.length;
    const c = b[i]!;
    if (c >= 0x20 && c !== 0x7f) {
      this.#text.push(c);
      return 1;
    }
    switch (c) {
      case 0x0a:
        this.#lineFeed();
        return 1;
      case 0x0b: // Star: vertical tab, used as a feed before the cut
        this.#lineFeed();
        return 1;
      case 0x09:
        this.#text.push(0x20);
        return 1;
      case 0x0d:
        return 1;
      case 0x1b:
        return this.#set === 'star' ? this.#starEsc(i, at, need, out) : this.#epsonEsc(at, need);
      case 0x1d:
        if (this.#set === 'epson') return this.#epsonGs(i, at, need, out);
        this.#unknown++;
        return 1;
      default:
        this.#unknown++;
        return 1;
    }
  }

  #epsonEsc(at: (k: number) => number | undefined, need: (k: number) => boolean): number {
    if (!need(2)) return INCOMPLETE;
    const cmd = at(1)!;
    const arg = at(2);
    switch (cmd) {
      case 0x40: // ESC @
        this.#reset();
        return 2;
      case 0x32: // ESC 2 default line spacing
        return 2;
    }
    if (!need(3)) return INCOMPLETE;
    switch (cmd) {
      case 0x74: // ESC t n
        this.#selectCodePage(arg!);
        return 3;
      case 0x21: // ESC ! n
        this.#setStyle({ font: arg! & 0x01 ? 'B' : 'A', bold: (arg! & 0x08) !== 0, height: arg! & 0x10 ? 2 : 1, width: arg! & 0x20 ? 2 : 1, underline: (arg! & 0x80) !== 0 });
        return 3;
      case 0x45: // ESC E n
        this.#setStyle({ bold: (arg! & 1) === 1 });
        return 3;
      case 0x2d: // ESC - n
        this.#setStyle({ underline: arg !== 0 && arg !== 0x30 });
        return 3;
      case 0x61: // ESC a n
        this.#flushText();
        this.#align = arg! % 0x30 === 1 ? 'center' : arg! % 0x30 === 2 ? 'right' : 'left';
        return 3;
      case 0x64: // ESC d n: print and feed n lines
        if (this.#spans.length || this.#text.length) this.#lineFeed();
        for (let k = 0; k < arg!; k++) this.#lineFeed();
        return 3;
      case 0x4d: // ESC M n
        this.#setStyle({ font: arg! % 0x30 === 1 ? 'B' : 'A' });
        return 3;
      case 0x33: // ESC 3 n line spacing
      case 0x47: // ESC G n double strike
        return 3;
      default:
        this.#unknown++;
        return 2;
    }
  }

  #epsonGs(i: number, at: (k: number) => number | undefined, need: (k: number) => boolean, out: DecodedReceipt[]): number {
    if (!need(3)) return INCOMPLETE;
    const cmd = at(1)!;
    const arg = at(2)!;
    switch (cmd) {
      case 0x21: // GS ! n
        this.#setStyle({ width: (arg >> 4) + 1, height: (arg & 0x0f) + 1 });
        return 3;
      case 0x42: // GS B n
        this.#setStyle({ invert: (arg & 1) === 1 });
        return 3;
      case 0x56: // GS V m [n]
        if (arg === 65 || arg === 66) {
          if (!need(4)) return INCOMPLETE;
          this.#cut(arg === 65 ? 'full' : 'partial', out);
          return 4;
        }
        this.#cut(arg === 0 || arg === 48 ? 'full' : 'partial', out);
        return 3;
      case 0x48: // GS H, GS f, GS w, GS h: barcode settings
      case 0x66:
      case 0x77:
      case 0x68:
        return 3;
      case 0x28: {
        // GS ( k pL pH cn fn [params]
        if (!need(5)) return INCOMPLETE;
        const len = at(3)! + at(4)! * 256;
        if (!need(5 + len)) return INCOMPLETE;
        if (arg !== 0x6b || len < 2) {
          this.#unknown++;
          return 5 + len;
        }
        const cn = at(5);
        const fn = at(6);
        const body = this.#buf.subarray(i + 7, i + 5 + len);
        if (cn !== 0x31) this.#unknown++;
        else if (fn === 0x43) this.#qr.cellSize = body[0] ?? 3;
        else if (fn === 0x45) this.#qr.ecc = ECC[(body[0] ?? 0x31) - 0x30] ?? 'M';
        else if (fn === 0x50) this.#qr.data = body.subarray(1).toString('latin1');
        else if (fn === 0x51) this.#printQr();
        else if (fn !== 0x41) this.#unknown++;
        return 5 + len;
      }
      default:
        this.#unknown++;
        return 2;
    }
  }

  #starEsc(i: number, at: (k: number) => number | undefined, need: (k: number) => boolean, out: DecodedReceipt[]): number {
    if (!need(2)) return INCOMPLETE;
    const cmd = at(1)!;
    switch (cmd) {
      case 0x40: // ESC @
        this.#reset();
        return 2;
      case 0x45: // ESC E bold on
        this.#setStyle({ bold: true });
        return 2;
      case 0x46: // ESC F bold off
        this.#setStyle({ bold: false });
        return 2;
      case 0x34: // ESC 4 / ESC 5 invert on/off
      case 0x35:
        this.#setStyle({ invert: cmd === 0x34 });
        return 2;
      case 0x2d: // ESC - n
        if (!need(3)) return INCOMPLETE;
        this.#setStyle({ underline: at(2) !== 0 && at(2) !== 0x30 });
        return 3;
      case 0x64: // ESC d n: cut (2 full, 3 partial)
        if (!need(3)) return INCOMPLETE;
        this.#cut(at(2) === 3 || at(2) === 1 ? 'partial' : 'full', out);
        return 3;
      case 0x69: // ESC i n1 n2: height, width magnification
        if (!need(4)) return INCOMPLETE;
        this.#setStyle({ height: at(2)! + 1, width: at(3)! + 1 });
        return 4;
      case 0x1e: // ESC RS F n: font
        if (!need(4)) return INCOMPLETE;
        if (at(2) === 0x46) this.#setStyle({ font: at(3) === 1 ? 'B' : 'A' });
        else this.#unknown++;
        return 4;
      case 0x1d:
        return this.#starEscGs(i, at, need);
      default:
        this.#unknown++;
        return 2;
    }
  }

  #starEscGs(i: number, at: (k: number) => number | undefined, need: (k: number) => boolean): number {
    if (!need(4)) return INCOMPLETE;
    const sub = at(2)!;
    if (sub === 0x74) {
      // ESC GS t n
      this.#selectCodePage(at(3)!);
      return 4;
    }
    if (sub === 0x61) {
      // ESC GS a n
      this.#flushText();
      this.#align = at(3) === 1 ? 'center' : at(3) === 2 ? 'right' : 'left';
      return 4;
    }
    if (sub !== 0x79) {
      this.#unknown++;
      return 4;
    }
    // ESC GS y ...: QR code
    const op = at(3)!;
    if (op === 0x50) {
      this.#printQr();
      return 4;
    }
    if (op === 0x53) {
      if (!need(6)) return INCOMPLETE;
      const n = at(5)!;
      if (at(4) === 0x31) this.#qr.ecc = ECC[n] ?? 'M';
      else if (at(4) === 0x32) this.#qr.cellSize = n;
      return 6;
    }
    if (op === 0x44) {
      // ESC GS y D 1 m nL nH d1..dk
      if (!need(8)) return INCOMPLETE;
      const len = at(6)! + at(7)! * 256;
      if (!need(8 + len)) return INCOMPLETE;
      this.#qr.data = this.#buf.subarray(i + 8, i + 8 + len).toString('latin1');
      return 8 + len;
    }
    this.#unknown++;
    return 4;
  }
}

/** Plain-text form of a receipt, `width` columns wide; double-width text takes two columns a character. */
export function receiptToText(r: DecodedReceipt, width = 42): string {
  const lines: string[] = [];
  for (const block of r.blocks) {
    if (block.type === 'qr') {
      lines.push(pad(`[QR ${block.data}]`, block.align, width));
      continue;
    }
    const text = block.spans.map((s) => (s.width > 1 ? [...s.text].join(' '.repeat(s.width - 1)) : s.text)).join('');
    lines.push(pad(text, block.align, width));
  }
  return `${lines.join('\n').replace(/\s+$/, '')}\n${r.cut === 'full' ? '✂' : '✂ (partial)'} ${'-'.repeat(width - 2)}\n`;
}

function pad(text: string, align: Align, width: number): string {
  const room = Math.max(0, width - [...text].length);
  if (align === 'center') return `${' '.repeat(Math.floor(room / 2))}${text}`;
  if (align === 'right') return `${' '.repeat(room)}${text}`;
  return text;
}

/** All text of a receipt joined, for searching in tests. */
export function receiptPlainText(r: DecodedReceipt): string {
  return r.blocks.map((b) => (b.type === 'line' ? b.spans.map((s) => s.text).join('') : '')).join('\n');
}
