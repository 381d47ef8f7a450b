import { describe, expect, it } from 'vitest';
import { EscPosDecoder, receiptPlainText } from '../virtual/EscPosDecoder';
import { buildDocument, chooseDocumentText } from './document';
import type { ReceiptSite } from './receipt';

const site: ReceiptSite = {
  municipality: 'Aarhus Kommune',
  place: 'Borgerservice Mini, Dokk1',
  statusPageUrl: 'https://status.example.dk/sag/{reference}',
  timeZone: 'Europe/Copenhagen',
  fallbackLanguage: 'da',
};
const model = { commandSet: 'epson', codePage: 'PC865_NORDIC', lineWidth: 42 } as const;
const doc = { title: 'Det skal du medbringe', lines: ['Gammelt pas', '', 'Et nyt foto, højst 6 måneder gammelt, taget af en fotograf med godkendt udstyr'], reference: 'BS-2026-004A', issuedAt: new Date('2026-11-23T10:15:00Z') };

describe('buildDocument', () => {
  it('prints the title, the lines wrapped at words within the paper width, the date, and the reference with its status QR', () => {
    const built = buildDocument(doc, site, model);
    const blocks = new EscPosDecoder('epson').push(built.bytes)[0]!;
    const text = receiptPlainText(blocks);
    expect(text).toContain('Det skal du medbringe');
    expect(text).toContain('Gammelt pas');
    expect(text).toContain('23. november 2026');
    expect(text).toContain('BS-2026-004A');
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(56);
    expect(text.replace(/\s+/g, ' ')).toContain('Et nyt foto, højst 6 måneder gammelt, taget af en fotograf med godkendt udstyr');
    expect(text.split('\n').some((l) => l.startsWith('Et nyt foto') && l.length <= 42)).toBe(true);
    expect(blocks.blocks.find((b) => b.type === 'qr')).toMatchObject({ data: 'https://status.example.dk/sag/BS-2026-004A' });
    expect(built.statusUrl).toBe('https://status.example.dk/sag/BS-2026-004A');
  });

  it('prints no QR without a reference, and prints what the code page cannot as "?" (accents folded where that helps)', () => {
    const built = buildDocument({ ...doc, reference: null, lines: ['Café Łódź ☎'] }, site, model);
    const blocks = new EscPosDecoder('epson').push(built.bytes)[0]!;
    expect(blocks.blocks.some((b) => b.type === 'qr')).toBe(false);
    expect(receiptPlainText(blocks)).toContain('Café ?ódz ?'); // é and ó are in the Nordic code page; Ł neither is nor folds; ☎ is not
  });

  it('refuses an empty title, too many lines and a malformed reference', () => {
    expect(() => buildDocument({ ...doc, title: ' ' }, site, model)).toThrow(/title/);
    expect(() => buildDocument({ ...doc, lines: Array(61).fill('x') }, site, model)).toThrow(/lines/);
    expect(() => buildDocument({ ...doc, reference: 'BS-2026-004B' }, site, model)).toThrow(/reference/);
  });
});

describe('chooseDocumentText', () => {
  const arabic = { title: 'قائمة الانتقال', lines: ['سجّل انتقالك خلال 5 أيام'] };
  const danish = { title: 'Tjekliste til flytning', lines: ['Meld flytning inden 5 dage'] };
  it('prints the resident’s words when the code page has their script', () => {
    expect(chooseDocumentText({ title: 'Lista', lines: ['Zgłoś przeprowadzkę'] }, danish, 'WPC1250_LATIN2')).toMatchObject({ title: 'Lista', fallback: false });
    expect(chooseDocumentText(danish, undefined, 'PC865_NORDIC')).toMatchObject({ ...danish, fallback: false });
  });
  it('prints the local-language fallback instead of rows of "?" when it cannot', () => {
    expect(chooseDocumentText(arabic, danish, 'PC865_NORDIC')).toEqual({ ...danish, fallback: true });
    const built = buildDocument({ ...chooseDocumentText(arabic, danish, 'PC865_NORDIC'), reference: null, issuedAt: new Date() }, site, model);
    expect(receiptPlainText(new EscPosDecoder('epson').push(built.bytes)[0]!)).toContain('Tjekliste til flytning');
  });
  it('keeps the resident’s words when neither fits, and when there is no fallback', () => {
    expect(chooseDocumentText(arabic, { title: 'Список', lines: ['Переїзд'] }, 'PC865_NORDIC').fallback).toBe(false);
    expect(chooseDocumentText(arabic, undefined, 'PC865_NORDIC')).toMatchObject({ ...arabic, fallback: false });
  });
});
