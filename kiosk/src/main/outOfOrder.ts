/**
 * The page the kiosk shows when its renderer keeps failing (recovery.ts): it
 * says the kiosk is out of order and where to get help, in each language the
 * kiosk offers, with no script at all, so it still shows when the renderer
 * bundle is what is broken. Served by the app protocol at
 * /_shell/out-of-order.html.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RECEIPT_LANGUAGES, type ReceiptLanguage } from '@citizen/protocol';
import { APP_ORIGIN } from './origins';
import type { ShellPage } from './protocol';

export const OUT_OF_ORDER_PAGE = 'out-of-order.html';
export const OUT_OF_ORDER_URL = `${APP_ORIGIN}/_shell/${OUT_OF_ORDER_PAGE}`;
const STYLESHEET = 'out-of-order.css';

export interface HelpContact {
  /** The municipality, as on receipts. */
  municipality: string;
  /** The place's staffed desk (defaults to the place the kiosk stands). */
  desk: string;
  /** The municipality's phone number, or null when config has none. */
  phone: string | null;
}

/**
 * The kiosk's help contact from config: `kiosk.help` ({ desk, phone }) when
 * the config schema has it, otherwise the receipt's municipality and place
 * without a phone number.
 */
export function helpContact(kiosk: { receipt: { municipality: string; place: string } }): HelpContact {
  const help = 'help' in kiosk ? kiosk.help : undefined;
  const configured = Value.Check(Type.Object({ desk: Type.String({ minLength: 1 }), phone: Type.String({ minLength: 1 }) }), help) ? help : null;
  return { municipality: kiosk.receipt.municipality, desk: configured?.desk ?? kiosk.receipt.place, phone: configured?.phone ?? null };
}

interface Wording {
  dir: 'ltr' | 'rtl';
  title: string;
  /** {desk} */
  ask: string;
  /** {municipality}, {phone} */
  call: string;
}

/** One wording per receipt language: a language added to RECEIPT_LANGUAGES does not compile until it has one here. */
export const OUT_OF_ORDER_WORDING: Readonly<Record<ReceiptLanguage, Wording>> = {
  da: { dir: 'ltr', title: 'Denne skærm er ude af drift', ask: 'Få hjælp hos personalet: {desk}.', call: 'Eller ring til {municipality} på {phone}.' },
  nb: { dir: 'ltr', title: 'Denne skjermen er ute av drift', ask: 'Få hjelp hos personalet: {desk}.', call: 'Eller ring {municipality} på {phone}.' },
  nn: { dir: 'ltr', title: 'Denne skjermen er ute av drift', ask: 'Få hjelp hos personalet: {desk}.', call: 'Eller ring {municipality} på {phone}.' },
  en: { dir: 'ltr', title: 'This kiosk is out of order', ask: 'Please ask the staff for help: {desk}.', call: 'Or call {municipality} on {phone}.' },
  de: { dir: 'ltr', title: 'Dieses Terminal ist außer Betrieb', ask: 'Bitte wenden Sie sich an das Personal: {desk}.', call: 'Oder rufen Sie {municipality} an: {phone}.' },
  pl: { dir: 'ltr', title: 'Ten terminal jest nieczynny', ask: 'Poproś o pomoc obsługę: {desk}.', call: 'Możesz też zadzwonić: {municipality}, tel. {phone}.' },
  uk: { dir: 'ltr', title: 'Цей термінал не працює', ask: 'Зверніться по допомогу до персоналу: {desk}.', call: 'Або зателефонуйте: {municipality}, тел. {phone}.' },
  ar: { dir: 'rtl', title: 'هذا الجهاز لا يعمل حاليًا', ask: 'يُرجى طلب المساعدة من الموظفين: {desk}.', call: 'أو اتصل بـ {municipality} على الرقم {phone}.' },
  ur: { dir: 'rtl', title: 'یہ اسکرین اس وقت کام نہیں کر رہی', ask: 'براہ کرم عملے سے مدد لیں: {desk}۔', call: 'یا {municipality} کو {phone} پر کال کریں۔' },
  so: { dir: 'ltr', title: 'Shaashaddan ma shaqaynayso', ask: 'Caawimaad ka codso shaqaalaha: {desk}.', call: 'Ama wac {municipality}, lambarka {phone}.' },
};

const isWorded = (code: string): code is ReceiptLanguage => Object.hasOwn(OUT_OF_ORDER_WORDING, code);

/** The page's languages: those the kiosk offers that have a wording, in the kiosk's order; all of them if none do. */
export function outOfOrderLanguages(offered: readonly string[]): ReceiptLanguage[] {
  const chosen = [...new Set(offered)].filter(isWorded);
  return chosen.length > 0 ? chosen : [...RECEIPT_LANGUAGES];
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Fills a wording; values are escaped and isolated (<bdi>) so a Danish place name or a phone number sits right in Arabic text. */
function fill(template: string, values: Record<string, string>): string {
  return escapeHtml(template).replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TypeError(`out-of-order wording uses {${name}}, which has no value`);
    return name === 'phone' ? `<bdi dir="ltr">${escapeHtml(value)}</bdi>` : `<bdi>${escapeHtml(value)}</bdi>`;
  });
}

export function outOfOrderHtml(contact: HelpContact, languages: readonly ReceiptLanguage[]): string {
  const [first = 'en'] = languages;
  const values = { desk: contact.desk, municipality: contact.municipality, phone: contact.phone ?? '' };
  const sections = languages.map((lang) => {
    const w = OUT_OF_ORDER_WORDING[lang];
    const call = contact.phone === null ? '' : `<p>${fill(w.call, values)}</p>`;
    return `<section lang="${lang}" dir="${w.dir}"><h1>${escapeHtml(w.title)}</h1><p>${fill(w.ask, values)}</p>${call}</section>`;
  });
  return [
    '<!doctype html>',
    `<html lang="${first}" dir="${OUT_OF_ORDER_WORDING[first].dir}">`,
    `<head><meta charset="utf-8"><title>${escapeHtml(OUT_OF_ORDER_WORDING[first].title)}</title><link rel="stylesheet" href="${STYLESHEET}"></head>`,
    `<body><main>${sections.join('')}</main></body>`,
    '</html>',
  ].join('\n');
}

const CSS = `html{background:#0b3d5c;color:#fff;font-family:system-ui,sans-serif;cursor:default;user-select:none}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center}
main{max-width:60rem;padding:3rem}
section{margin:0 0 2.5rem}
h1{font-size:2rem;margin:0 0 .5rem}
section:first-child h1{font-size:3rem}
p{font-size:1.5rem;margin:.25rem 0}`;

/** The two generated files of the page, for the app protocol's `pages`. */
export function outOfOrderPages(contact: HelpContact, offered: readonly string[]): Record<string, ShellPage> {
  return {
    [OUT_OF_ORDER_PAGE]: { body: outOfOrderHtml(contact, outOfOrderLanguages(offered)), type: 'text/html; charset=utf-8' },
    [STYLESHEET]: { body: CSS, type: 'text/css; charset=utf-8' },
  };
}

/** The language codes of a `content` bridge reply ({ languages: [{ code }] }), or none when the shell has no such call. */
export function offeredLanguages(reply: { ok: true; value: unknown } | { ok: false }): string[] {
  if (!reply.ok || !Value.Check(OfferedLanguages, reply.value)) return [];
  return reply.value.languages.map((l) => l.code);
}

const OfferedLanguages = Type.Object({ languages: Type.Array(Type.Object({ code: Type.String() })) });
