/**
 * The printer code pages the kiosk supports: those that both command sets can
 * select and iconv-lite can encode. Each entry gives the node-thermal-printer
 * character set name, the iconv encoding, and the select byte of each command
 * set (Epson `ESC t n`, Star `ESC GS t n`). printer/codePages.test.ts checks
 * these bytes against what node-thermal-printer actually emits.
 */
import iconv from 'iconv-lite';
import { PRINTER_CODE_PAGES, type PrinterCodePage } from '@citizen/protocol';

/** One entry per code page of the shared vocabulary (protocol/src/vocab.ts): the type makes a missing one a compile error. */
export const CODE_PAGES: Record<PrinterCodePage, { iconv: string; epson: number; star: number }> = {
  PC437_USA: { iconv: 'CP437', epson: 0, star: 1 },
  PC858_EURO: { iconv: 'CP858', epson: 19, star: 4 },
  PC852_LATIN2: { iconv: 'CP852', epson: 18, star: 5 },
  PC865_NORDIC: { iconv: 'CP865', epson: 5, star: 9 },
  PC866_CYRILLIC2: { iconv: 'CP866', epson: 17, star: 10 },
  WPC1252: { iconv: 'CP1252', epson: 16, star: 32 },
  WPC1250_LATIN2: { iconv: 'WIN1250', epson: 45, star: 33 },
  WPC1251_CYRILLIC: { iconv: 'WIN1251', epson: 46, star: 34 },
};

export type CodePage = PrinterCodePage;
export type CommandSet = 'epson' | 'star';
export const CODE_PAGE_NAMES: readonly CodePage[] = PRINTER_CODE_PAGES;

/** True when every character of `text` survives encoding in `page` unchanged. */
export function canEncode(text: string, page: CodePage): boolean {
  const enc = CODE_PAGES[page].iconv;
  return iconv.decode(iconv.encode(text, enc), enc) === text;
}

export function encodeText(text: string, page: CodePage): Buffer {
  return iconv.encode(text, CODE_PAGES[page].iconv);
}

/** The code page a select byte names, for a device decoding the stream. */
export function codePageBySelector(set: CommandSet, n: number): CodePage | undefined {
  return CODE_PAGE_NAMES.find((p) => CODE_PAGES[p][set] === n);
}

export function decodeText(bytes: Uint8Array, page: CodePage): string {
  return iconv.decode(Buffer.from(bytes), CODE_PAGES[page].iconv);
}
