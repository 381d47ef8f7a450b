/**
 * Builds the bytes of a receipt from its template with node-thermal-printer as
 * the ESC/POS encoder (Epson or Star command set). Only the encoder is used:
 * the bytes go to the printer through our print queue (ReceiptPrinter), which
 * needs the job as one unit to print it exactly once and to poll status only
 * between jobs.
 *
 * Language: the resident's language when every character of the receipt
 * exists in the printer's code page; otherwise the site's fallback language
 * (then English) plus an English note that the screen shows the receipt. The
 * check happens here because node-thermal-printer, given a character its code
 * page lacks, silently switches code pages mid-receipt or prints "?".
 */
import ntp from 'node-thermal-printer';
import { isValidReference, REFERENCE_PATTERN } from '@citizen/protocol';
import { HardwareError } from '../errors';
import { canEncode, type CodePage, type CommandSet } from './codePages';
import { FALLBACK_NOTE, RECEIPT_WORDING, type NextStep, type ReceiptLanguage } from './receiptTemplates';

const { ThermalPrinter, PrinterTypes, BreakLine } = ntp;

export interface ReceiptSite {
  municipality: string;
  place: string;
  /** Public status page; `{reference}` is replaced by the URL-encoded reference. */
  statusPageUrl: string;
  /** IANA zone for the printed date and time. */
  timeZone: string;
  fallbackLanguage: ReceiptLanguage;
}

export interface PrinterModel {
  commandSet: CommandSet;
  codePage: CodePage;
  /** Characters per line in font A (42 on most 80 mm printers). */
  lineWidth: number;
}

export interface ReceiptInput {
  reference: string;
  language: ReceiptLanguage;
  nextSteps: readonly NextStep[];
  issuedAt: Date;
  /** The promised answer date, and what is achieved now (median days to resolve the topic), printed side by side. */
  promise?: { by: Date; achievedMedianDays: number | null };
}

export interface BuiltReceipt {
  bytes: Buffer;
  reference: string;
  statusUrl: string;
  printedLanguage: ReceiptLanguage;
  /** The resident's language could not be printed. */
  fallback: boolean;
}

export function statusUrlFor(template: string, reference: string): string {
  return template.replace('{reference}', encodeURIComponent(reference));
}

export const QR_CELL = 6;

/** Star's native QR commands. node-thermal-printer 4.6.1's Star printQR omits the `ESC GS y D 1 m` data header, so its bytes would print as text. */
export function starQr(data: string): Buffer {
  const d = Buffer.from(data, 'ascii');
  const esc = (...b: number[]): Buffer => Buffer.from([0x1b, 0x1d, 0x79, ...b]);
  return Buffer.concat([
    esc(0x53, 0x30, 0x02), // model 2
    esc(0x53, 0x31, 0x01), // error correction M
    esc(0x53, 0x32, QR_CELL), // cell size
    esc(0x44, 0x31, 0x00, d.length & 0xff, d.length >> 8),
    d,
    esc(0x50), // print
  ]);
}

function wording(lang: ReceiptLanguage, input: ReceiptInput, site: ReceiptSite) {
  const w = RECEIPT_WORDING[lang];
  const plain = (s: string): string => s.replace(/\s/g, ' ');
  const date = plain(new Intl.DateTimeFormat(w.locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: site.timeZone }).format(input.issuedAt));
  const time = plain(new Intl.DateTimeFormat(w.locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: site.timeZone, numberingSystem: 'latn' }).format(input.issuedAt));
  const promisedBy = input.promise ? plain(new Intl.DateTimeFormat(w.locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: site.timeZone, numberingSystem: 'latn' }).format(input.promise.by)) : null;
  const achieved = input.promise && input.promise.achievedMedianDays !== null ? w.achieved(input.promise.achievedMedianDays) : null;
  const texts = [w.title, w.reference, w.date, w.time, w.place, w.nextSteps, w.scan, date, time, ...input.nextSteps.map((s) => w.steps[s])];
  if (promisedBy) texts.push(w.answerBy, promisedBy);
  if (achieved) texts.push(achieved);
  return { w, date, time, texts, promisedBy, achieved };
}

/** Replaces what the code page cannot print: accents are folded, anything else becomes "?". */
export function printable(text: string, page: CodePage): string {
  if (canEncode(text, page)) return text;
  return [...text]
    .map((ch) => {
      if (canEncode(ch, page)) return ch;
      const folded = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      return folded && canEncode(folded, page) ? folded : '?';
    })
    .join('');
}

export function buildReceipt(input: ReceiptInput, site: ReceiptSite, model: PrinterModel): BuiltReceipt {
  if (!isValidReference(input.reference)) throw new HardwareError('RECEIPT_INVALID', `reference must be an inquiry reference (${REFERENCE_PATTERN}, last character a check)`);
  if (!site.statusPageUrl.includes('{reference}')) throw new HardwareError('RECEIPT_INVALID', 'statusPageUrl has no {reference} placeholder');
  const statusUrl = statusUrlFor(site.statusPageUrl, input.reference);
  if (!/^[\x21-\x7e]+$/.test(statusUrl)) throw new HardwareError('RECEIPT_INVALID', 'status URL must be printable ASCII');

  const candidates: ReceiptLanguage[] = [input.language, site.fallbackLanguage, 'en'];
  const lang = candidates.find((l) => wording(l, input, site).texts.every((t) => canEncode(t, model.codePage))) ?? 'en';
  const { w, date, time, promisedBy, achieved } = wording(lang, input, site);
  const fallback = lang !== input.language;
  const p = (s: string): string => printable(s, model.codePage);

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
  printer.newLine();
  printer.println(w.title);
  printer.drawLine();
  printer.println(w.reference);
  printer.setTextQuadArea();
  printer.bold(true);
  printer.println(input.reference);
  printer.bold(false);
  printer.setTextNormal();
  printer.drawLine();
  printer.alignLeft();
  printer.leftRight(`${w.date}:`, date);
  printer.leftRight(`${w.time}:`, time);
  printer.println(`${w.place}: ${p(site.place)}`);
  if (promisedBy) {
    printer.newLine();
    printer.bold(true);
    printer.leftRight(`${w.answerBy}:`, promisedBy);
    printer.bold(false);
    if (achieved) printer.println(achieved);
  }
  if (input.nextSteps.length) {
    printer.newLine();
    printer.bold(true);
    printer.println(w.nextSteps);
    printer.bold(false);
    for (const step of input.nextSteps) printer.println(`- ${w.steps[step]}`);
  }
  printer.newLine();
  printer.alignCenter();
  if (model.commandSet === 'star') printer.add(starQr(statusUrl));
  else printer.printQR(statusUrl, { cellSize: QR_CELL, correction: 'M', model: 2 });
  printer.newLine();
  printer.println(w.scan);
  // The URL in the narrower font B, unfolded: it has no spaces to break at, and the printer wraps it if it must.
  printer.setTypeFontB();
  printer.add(Buffer.from(`${statusUrl}\n`, 'ascii'));
  printer.setTypeFontA();
  if (fallback) {
    printer.newLine();
    printer.println(FALLBACK_NOTE);
  }
  printer.cut();
  return { bytes: Buffer.from(printer.getBuffer()), reference: input.reference, statusUrl, printedLanguage: lang, fallback };
}
