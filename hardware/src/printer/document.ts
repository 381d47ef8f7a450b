/**
 * A document an agent prints at the kiosk during a call (a list of what to
 * bring, an address, opening hours): the municipality's header, a title,
 * the agent's lines wrapped at word boundaries, the date, and optionally the
 * inquiry's reference with its status QR code. Same encoder and code-page
 * rules as the receipt (receipt.ts): what the code page cannot print is
 * folded (accents) or printed as "?", never sent as bytes the printer would
 * misread.
 */
import ntp from 'node-thermal-printer';
import { isValidReference } from '@citizen/protocol';
import { HardwareError } from '../errors';
import { printable, QR_CELL, starQr, statusUrlFor, type PrinterModel, type ReceiptSite } from './receipt';
import { canEncode, type CodePage } from './codePages';

const { ThermalPrinter, PrinterTypes, BreakLine } = ntp;

export interface DocumentInput {
  title: string;
  lines: readonly string[];
  /** The inquiry's reference, printed with its status QR code; null: none. */
  reference: string | null;
  issuedAt: Date;
}

export const DOCUMENT_LIMITS = { titleChars: 80, lines: 60, lineChars: 300 } as const;

/** A document's words: in the resident's language, and optionally the same in the kiosk's local language. */
export interface DocumentText {
  title: string;
  lines: readonly string[];
}

/**
 * Which text to print: the resident's, unless the printer's code page cannot
 * print its script (Arabic, Urdu, Cyrillic on a Western page) and a fallback
 * it can print was given; then the fallback, so the resident takes home words
 * rather than rows of "?".
 */
export function chooseDocumentText(text: DocumentText, fallback: DocumentText | undefined, codePage: CodePage): DocumentText & { fallback: boolean } {
  const fits = (t: DocumentText): boolean => canEncode([t.title, ...t.lines].join('\n'), codePage);
  if (!fallback || fits(text) || !fits(fallback)) return { ...text, fallback: false };
  return { ...fallback, fallback: true };
}

export function buildDocument(input: DocumentInput, site: ReceiptSite, model: PrinterModel): { bytes: Buffer; statusUrl: string | null } {
  if (!input.title.trim() || input.title.length > DOCUMENT_LIMITS.titleChars) throw new HardwareError('RECEIPT_INVALID', `a document needs a title of 1-${DOCUMENT_LIMITS.titleChars} characters`);
  if (input.lines.length === 0 || input.lines.length > DOCUMENT_LIMITS.lines || input.lines.some((l) => l.length > DOCUMENT_LIMITS.lineChars)) {
    throw new HardwareError('RECEIPT_INVALID', `a document has 1-${DOCUMENT_LIMITS.lines} lines of at most ${DOCUMENT_LIMITS.lineChars} characters`);
  }
  if (input.reference !== null && !isValidReference(input.reference)) throw new HardwareError('RECEIPT_INVALID', 'reference must be an inquiry reference');
  const statusUrl = input.reference === null ? null : statusUrlFor(site.statusPageUrl, input.reference);
  if (statusUrl !== null && !/^[\x21-\x7e]+$/.test(statusUrl)) throw new HardwareError('RECEIPT_INVALID', 'status URL must be printable ASCII');
  const p = (s: string): string => printable(s.replace(/[\u0000-\u001f\u007f]/g, ' '), model.codePage);

  const printer = new ThermalPrinter({
    type: model.commandSet === 'star' ? PrinterTypes.STAR : PrinterTypes.EPSON,
    width: model.lineWidth,
    characterSet: model.codePage,
    breakLine: BreakLine.WORD,
  } as unknown as ConstructorParameters<typeof ThermalPrinter>[0]);
  printer.alignCenter();
  printer.bold(true);
  printer.println(p(site.municipality));
  printer.bold(false);
  printer.println(p(site.place));
  printer.drawLine();
  printer.bold(true);
  printer.println(p(input.title));
  printer.bold(false);
  printer.drawLine();
  printer.alignLeft();
  for (const line of input.lines) {
    if (line.trim() === '') printer.newLine();
    else printer.println(p(line));
  }
  printer.drawLine();
  printer.println(p(new Intl.DateTimeFormat('da-DK', { dateStyle: 'long', timeStyle: 'short', timeZone: site.timeZone }).format(input.issuedAt).replace(/\s/g, ' ')));
  if (input.reference !== null && statusUrl !== null) {
    printer.newLine();
    printer.alignCenter();
    printer.bold(true);
    printer.println(input.reference);
    printer.bold(false);
    if (model.commandSet === 'star') printer.add(starQr(statusUrl));
    else printer.printQR(statusUrl, { cellSize: QR_CELL, correction: 'M', model: 2 });
    printer.setTypeFontB();
    printer.add(Buffer.from(`${statusUrl}\n`, 'ascii'));
    printer.setTypeFontA();
  }
  printer.cut();
  return { bytes: Buffer.from(printer.getBuffer()), statusUrl };
}
