import { describe, expect, it } from 'vitest';
import { RECEIPT_LANGUAGES } from '@citizen/protocol';
import { OUT_OF_ORDER_URL, OUT_OF_ORDER_WORDING, helpContact, offeredLanguages, outOfOrderHtml, outOfOrderLanguages, outOfOrderPages } from './outOfOrder';

const CONTACT = { municipality: 'Aarhus Kommune', desk: 'Borgerservice, skranke 1, stueetagen', phone: '+45 89 40 20 00' };
const receipt = { municipality: 'Aarhus Kommune', place: 'Borgerservice Dokk1' };

describe('helpContact', () => {
  it('takes the desk and phone number from kiosk.help in config', () => {
    const kiosk = { receipt, help: { desk: 'Skranke 1', phone: '+45 89 40 20 00' } };
    expect(helpContact(kiosk)).toEqual({ municipality: 'Aarhus Kommune', desk: 'Skranke 1', phone: '+45 89 40 20 00' });
  });

  it('without (or with a malformed) kiosk.help: the place the kiosk stands, no phone number', () => {
    expect(helpContact({ receipt })).toEqual({ municipality: 'Aarhus Kommune', desk: 'Borgerservice Dokk1', phone: null });
    const malformed = { receipt, help: { desk: 'Skranke 1', phone: '' } };
    expect(helpContact(malformed).phone).toBeNull();
  });
});

describe('languages', () => {
  it('the kiosk offers them, in its order; those without a wording are left out; all when none has one', () => {
    expect(outOfOrderLanguages(['uk', 'da', 'ti', 'da', 'en'])).toEqual(['uk', 'da', 'en']);
    expect(outOfOrderLanguages(['ti'])).toEqual([...RECEIPT_LANGUAGES]);
    // The nine languages of config/messages/languages.json all have a wording.
    expect(outOfOrderLanguages(['da', 'nb', 'nn', 'en', 'ar', 'ur', 'pl', 'so', 'uk'])).toEqual(['da', 'nb', 'nn', 'en', 'ar', 'ur', 'pl', 'so', 'uk']);
    expect(outOfOrderLanguages([])).toEqual([...RECEIPT_LANGUAGES]);
  });

  it('reads the offered languages from the content bridge call, and none from a failed one', () => {
    expect(offeredLanguages({ ok: true, value: { languages: [{ code: 'da', name: 'Dansk', dir: 'ltr' }, { code: 'ar', name: 'العربية', dir: 'rtl' }], flows: [] } })).toEqual(['da', 'ar']);
    expect(offeredLanguages({ ok: false })).toEqual([]);
    expect(offeredLanguages({ ok: true, value: { languages: 'da' } })).toEqual([]);
  });

  it('every wording names the desk, the municipality and the phone number', () => {
    for (const [lang, w] of Object.entries(OUT_OF_ORDER_WORDING)) {
      expect(w.ask, lang).toContain('{desk}');
      expect(w.call, lang).toContain('{municipality}');
      expect(w.call, lang).toContain('{phone}');
      expect(w.title.length, lang).toBeGreaterThan(5);
    }
  });
});

describe('outOfOrderHtml', () => {
  it('says it in each language, with the desk and the phone number, and the right direction', () => {
    const html = outOfOrderHtml(CONTACT, ['da', 'en', 'ar']);
    expect(html).toContain('<html lang="da" dir="ltr">');
    expect(html).toContain(`<section lang="da" dir="ltr"><h1>${OUT_OF_ORDER_WORDING.da.title}</h1>`);
    expect(html).toContain(`<section lang="en" dir="ltr"><h1>${OUT_OF_ORDER_WORDING.en.title}</h1>`);
    expect(html).toContain('<section lang="ar" dir="rtl">');
    expect(html).not.toContain('lang="de"');
    expect(html.match(/<bdi>Borgerservice, skranke 1, stueetagen<\/bdi>/g)).toHaveLength(3);
    expect(html.match(/<bdi dir="ltr">\+45 89 40 20 00<\/bdi>/g)).toHaveLength(3);
    expect(html).toContain('<bdi>Aarhus Kommune</bdi>');
  });

  it('Urdu right to left, Norwegian and Somali left to right', () => {
    const html = outOfOrderHtml(CONTACT, ['ur', 'nb', 'nn', 'so']);
    expect(html).toContain('<html lang="ur" dir="rtl">');
    expect(html).toContain(`<title>${OUT_OF_ORDER_WORDING.ur.title}</title>`);
    expect(html).toContain(`<section lang="ur" dir="rtl"><h1>${OUT_OF_ORDER_WORDING.ur.title}</h1>`);
    for (const lang of ['nb', 'nn', 'so'] as const) expect(html).toContain(`<section lang="${lang}" dir="ltr"><h1>${OUT_OF_ORDER_WORDING[lang].title}</h1>`);
    expect(html.match(/<bdi dir="ltr">\+45 89 40 20 00<\/bdi>/g)).toHaveLength(4);
    expect(Object.entries(OUT_OF_ORDER_WORDING).filter(([, w]) => w.dir === 'rtl').map(([lang]) => lang).sort()).toEqual(['ar', 'ur']);
  });

  it('has no script, and config values cannot add markup', () => {
    const html = outOfOrderHtml({ municipality: '<img src=x onerror=alert(1)>', desk: '</p><script>alert(1)</script>', phone: '"><b>' }, ['en']);
    expect(html).not.toMatch(/<script|<img|<b>|onerror=alert\(1\)>/);
    expect(html).toContain('&#60;/p&#62;&#60;script&#62;');
  });

  it('leaves the phone line out when config has no number', () => {
    const html = outOfOrderHtml({ ...CONTACT, phone: null }, ['en']);
    expect(html).toContain(CONTACT.desk);
    expect(html).not.toContain('Or call');
  });

  it('comes as a page and its stylesheet for the app protocol, at OUT_OF_ORDER_URL', () => {
    const pages = outOfOrderPages(CONTACT, ['da']);
    expect(Object.keys(pages).sort()).toEqual(['out-of-order.css', 'out-of-order.html']);
    expect(pages['out-of-order.html']?.type).toBe('text/html; charset=utf-8');
    expect(pages['out-of-order.html']?.body).toContain('href="out-of-order.css"');
    expect(pages['out-of-order.css']?.type).toBe('text/css; charset=utf-8');
    expect(OUT_OF_ORDER_URL).toBe('kiosk://app/_shell/out-of-order.html');
  });
});
