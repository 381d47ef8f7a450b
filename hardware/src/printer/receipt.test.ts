import ntp from 'node-thermal-printer';
import { describe, expect, it } from 'vitest';
import { EscPosDecoder, receiptPlainText } from '../virtual/EscPosDecoder';
import { CODE_PAGE_NAMES, CODE_PAGES } from './codePages';
import { buildReceipt, type ReceiptSite } from './receipt';
import { FALLBACK_NOTE, RECEIPT_LANGUAGES, RECEIPT_WORDING, type ReceiptLanguage } from './receiptTemplates';

const site: ReceiptSite = {
  municipality: 'Aarhus Kommune',
  place: 'Borgerservice Mini, Dokk1',
  statusPageUrl: 'https://status.example.dk/sag/{reference}',
  timeZone: 'Europe/Copenhagen',
  fallbackLanguage: 'da',
};
const input = (language: ReceiptLanguage) => ({ reference: 'BS-2026-004A', language, nextSteps: ['bring-id', 'track-online'] as const, issuedAt: new Date('2026-11-23T10:15:00Z') });

describe('code page table', () => {
  it.each(CODE_PAGE_NAMES)('%s: select bytes match what node-thermal-printer emits', (page) => {
    for (const [type, prefix] of [
      ['epson', [0x1b, 0x74, CODE_PAGES[page].epson]],
      ['star', [0x1b, 0x1d, 0x74, CODE_PAGES[page].star]],
    ] as const) {
      const p = new ntp.ThermalPrinter({ type, characterSet: page } as unknown as ConstructorParameters<typeof ntp.ThermalPrinter>[0]);
      expect([...p.getBuffer()], `${type} ${page}`).toEqual(prefix);
    }
  });
});

describe('buildReceipt', () => {
  it('prints in the resident language when the code page has every character', () => {
    const r = buildReceipt(input('de'), site, { commandSet: 'epson', codePage: 'PC858_EURO', lineWidth: 42 });
    expect(r).toMatchObject({ printedLanguage: 'de', fallback: false, statusUrl: 'https://status.example.dk/sag/BS-2026-004A' });
    const [decoded] = new EscPosDecoder('epson').push(r.bytes);
    const text = receiptPlainText(decoded!);
    expect(text).toContain('Aktenzeichen');
    expect(text).toContain('23. November 2026');
    expect(text).toContain('11:15');
  });

  it('falls back to the site language with a clear note when the code page cannot print it', () => {
    for (const lang of ['pl', 'uk', 'ar', 'ur'] as const) {
      const r = buildReceipt(input(lang), site, { commandSet: 'epson', codePage: 'PC858_EURO', lineWidth: 42 });
      expect(r, lang).toMatchObject({ printedLanguage: 'da', fallback: true });
      const text = receiptPlainText(new EscPosDecoder('epson').push(r.bytes)[0]!).replace(/\n/g, ' ');
      expect(text).toContain('Sagsnummer');
      expect(text.replace(/\s+/g, ' ')).toContain(FALLBACK_NOTE);
    }
  });

  it('prints Norwegian (bokmål and nynorsk) on the Nordic code page, in Norwegian rather than Danish', () => {
    for (const [lang, reference, steps, date] of [
      ['nb', 'Saksnummer', 'Hva skjer nå?', '23. november 2026'],
      ['nn', 'Saksnummer', 'Kva skjer no?', '23. november 2026'],
    ] as const) {
      for (const commandSet of ['epson', 'star'] as const) {
        const r = buildReceipt(input(lang), site, { commandSet, codePage: 'PC865_NORDIC', lineWidth: 42 });
        expect(r, `${lang} ${commandSet}`).toMatchObject({ printedLanguage: lang, fallback: false });
        const text = receiptPlainText(new EscPosDecoder(commandSet).push(r.bytes)[0]!);
        expect(text).toContain(reference);
        expect(text).toContain(steps);
        expect(text).toContain(date);
        expect(text).not.toContain('Sagsnummer');
        expect(text).not.toContain(FALLBACK_NOTE.slice(0, 20));
      }
    }
    const nn = receiptPlainText(new EscPosDecoder('epson').push(buildReceipt(input('nn'), site, { commandSet: 'epson', codePage: 'PC865_NORDIC', lineWidth: 42 }).bytes)[0]!);
    expect(nn.replace(/\s+/g, ' ')).toContain('Ta med gyldig legitimasjon med bilete når du kjem tilbake.');
  });

  it('prints Somali on the Western code pages as it is (no apostrophes to lose)', () => {
    for (const codePage of ['PC858_EURO', 'PC865_NORDIC', 'PC437_USA'] as const) {
      const r = buildReceipt(input('so'), site, { commandSet: 'epson', codePage, lineWidth: 42 });
      expect(r, codePage).toMatchObject({ printedLanguage: 'so', fallback: false });
      const text = receiptPlainText(new EscPosDecoder('epson').push(r.bytes)[0]!);
      expect(text).toContain('Lambarka kiiska');
      // The only question mark is the heading's own: nothing was replaced by one.
      expect(text).toContain('Maxaa xiga?');
      expect(text.replace('Maxaa xiga?', '')).not.toContain('?');
    }
    const w = RECEIPT_WORDING.so;
    expect(JSON.stringify({ ...w, achieved: w.achieved(3) })).not.toMatch(/['\u2019]/);
  });

  it('falls back from Urdu to the site language on a Western code page, whichever that language is', () => {
    const r = buildReceipt(input('ur'), { ...site, fallbackLanguage: 'nb' }, { commandSet: 'star', codePage: 'PC865_NORDIC', lineWidth: 42 });
    expect(r).toMatchObject({ printedLanguage: 'nb', fallback: true });
    const text = receiptPlainText(new EscPosDecoder('star').push(r.bytes)[0]!);
    expect(text).toContain('Saksnummer');
    expect(text.replace(/\s+/g, ' ')).toContain(FALLBACK_NOTE);
    // Not a row of "?" in place of the Urdu.
    expect(text).not.toMatch(/\?{3}/);
  });

  it('prints Ukrainian on a Cyrillic code page (Star command set)', () => {
    const r = buildReceipt(input('uk'), { ...site, municipality: 'Aarhus Kommune' }, { commandSet: 'star', codePage: 'WPC1251_CYRILLIC', lineWidth: 42 });
    expect(r).toMatchObject({ printedLanguage: 'uk', fallback: false });
    const text = receiptPlainText(new EscPosDecoder('star').push(r.bytes)[0]!);
    expect(text).toContain('Номер справи');
  });

  it('stays under 2.5 kB for every language and command set', () => {
    for (const lang of RECEIPT_LANGUAGES)
      for (const commandSet of ['epson', 'star'] as const)
        expect(buildReceipt(input(lang), site, { commandSet, codePage: 'PC858_EURO', lineWidth: 42 }).bytes.length).toBeLessThanOrEqual(2500);
  });

  it('rejects a reference that is not a booth-server reference with RECEIPT_INVALID', () => {
    expect(() => buildReceipt({ ...input('da'), reference: 'bs 1\n' }, site, { commandSet: 'epson', codePage: 'PC858_EURO', lineWidth: 42 })).toThrow(
      expect.objectContaining({ code: 'RECEIPT_INVALID' }),
    );
  });
});

describe('the promise on the receipt', () => {
  it('prints the promised answer date next to what is achieved now, in the receipt language', () => {
    const r = buildReceipt({ ...input('da'), promise: { by: new Date('2026-12-07T12:00:00Z'), achievedMedianDays: 3 } }, site, { commandSet: 'epson', codePage: 'PC865_NORDIC', lineWidth: 42 });
    const text = receiptPlainText(new EscPosDecoder('epson').push(r.bytes)[0]!);
    expect(text).toMatch(/Svar senest: +7\. december 2026/);
    expect(text.replace(/\s+/g, ' ')).toContain('Lige nu afsluttes halvdelen af sagerne inden for 3 dage.');
  });

  it('prints the promise alone while too few cases were resolved to say what is achieved', () => {
    const r = buildReceipt({ ...input('en'), promise: { by: new Date('2026-12-07T12:00:00Z'), achievedMedianDays: null } }, site, { commandSet: 'epson', codePage: 'PC858_EURO', lineWidth: 42 });
    const text = receiptPlainText(new EscPosDecoder('epson').push(r.bytes)[0]!);
    expect(text).toMatch(/Answer by: +7 December 2026/);
    expect(text).not.toContain('Right now');
  });
});
