/**
 * Vocabularies more than one part speaks: card kinds (hardware, config, kiosk
 * bridge), receipt languages and next steps (hardware templates, kiosk bridge,
 * renderer), and the inquiry reference format with its check character
 * (booth-server issues it, the receipt prints it, the status page and the
 * agent console look it up). Each is defined here once; every other part
 * derives its schema or type from these lists.
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';

function literalUnion<const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v as T[number])));
}

/** Card reader protocols (and so the kinds of card a read can come from). */
export const CARD_KINDS = ['magstripe', 'rfid-em4100', 'barcode-line'] as const;
export const CardKind = literalUnion(CARD_KINDS);
export type CardKind = Static<typeof CardKind>;

/** Languages a receipt can be printed in (each has a template in hardware/src/printer/receiptTemplates.ts). */
export const RECEIPT_LANGUAGES = ['da', 'nb', 'nn', 'en', 'de', 'pl', 'uk', 'ar', 'ur', 'so'] as const;
export const ReceiptLanguage = literalUnion(RECEIPT_LANGUAGES);
export type ReceiptLanguage = Static<typeof ReceiptLanguage>;

/** Next steps printed on a receipt: a fixed catalogue, translated into every receipt language. */
export const NEXT_STEPS = ['answer-digital-post', 'bring-id', 'track-online', 'book-appointment', 'agent-will-call'] as const;
export const NextStep = literalUnion(NEXT_STEPS);
export type NextStep = Static<typeof NextStep>;

/** Printer code pages receipts can be printed in (hardware/src/printer/codePages.ts maps each to its encoding). */
export const PRINTER_CODE_PAGES = ['PC437_USA', 'PC858_EURO', 'PC852_LATIN2', 'PC865_NORDIC', 'PC866_CYRILLIC2', 'WPC1252', 'WPC1250_LATIN2', 'WPC1251_CYRILLIC'] as const;
export const PrinterCodePage = literalUnion(PRINTER_CODE_PAGES);
export type PrinterCodePage = Static<typeof PrinterCodePage>;

/**
 * Needs a resident can state before a call (a guided flow asks, or the
 * accessibility button): routing gives them priority (`routing.priorityNeeds`)
 * and the agent sees them with the offer.
 */
export const NEEDS = ['hearing', 'sight', 'mobility', 'interpreter'] as const;
export const Need = literalUnion(NEEDS);
export type Need = Static<typeof Need>;

// ---------------------------------------------------------------- inquiry references

/**
 * Crockford base 32: digits and upper-case letters without I, L, O and U, so a
 * reference read aloud or typed from a receipt has no look-alikes.
 */
export const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * `BS-XXXX-XXXC`: seven random Crockford characters and a check character
 * (Luhn mod 32), so a mistyped reference (one wrong character, or two
 * neighbours swapped) is recognised as mistyped instead of finding nothing or,
 * worse, someone else's inquiry.
 */
export const REFERENCE_PATTERN = '^BS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$';
const referenceRe = new RegExp(REFERENCE_PATTERN);
export const ReferenceSchema = Type.String({ pattern: REFERENCE_PATTERN, description: 'Inquiry reference, BS-XXXX-XXXX (Crockford base 32, last character a check)' });

/** Luhn mod N over the Crockford alphabet: the check character for `payload`. */
export function referenceCheckChar(payload: string): string {
  const n = REFERENCE_ALPHABET.length;
  let factor = 2;
  let sum = 0;
  for (let i = payload.length - 1; i >= 0; i--) {
    const code = REFERENCE_ALPHABET.indexOf(payload[i]!);
    if (code < 0) throw new TypeError(`referenceCheckChar: ${JSON.stringify(payload[i])} is not a Crockford base-32 character`);
    let addend = factor * code;
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / n) + (addend % n);
    sum += addend;
  }
  return REFERENCE_ALPHABET[(n - (sum % n)) % n]!;
}

/** A new reference from 7 random bytes' worth of entropy (`random` returns integers 0..255). */
export function newReference(randomBytes: (n: number) => Uint8Array): string {
  const payload = [...randomBytes(7)].map((b) => REFERENCE_ALPHABET[b & 31]).join('');
  const chars = payload + referenceCheckChar(payload);
  return `BS-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/** True for a well-formed reference whose check character matches. */
export function isValidReference(value: string): boolean {
  if (!referenceRe.test(value)) return false;
  const chars = value.slice(3, 7) + value.slice(8);
  return referenceCheckChar(chars.slice(0, 7)) === chars[7];
}

export type ParsedReference = { ok: true; reference: string } | { ok: false; reason: 'malformed' | 'check-failed' };

/**
 * Reads a reference as a person types it: any case, spaces or missing
 * hyphens, `BS` optional, and Crockford's look-alikes (I and L read as 1, O as 0).
 */
export function parseReference(input: string): ParsedReference {
  let compact = input.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length === 10 && compact.startsWith('BS')) compact = compact.slice(2);
  compact = compact.replace(/[IL]/g, '1').replace(/O/g, '0');
  if (!/^[0-9A-HJKMNP-TV-Z]{8}$/.test(compact)) return { ok: false, reason: 'malformed' };
  const reference = `BS-${compact.slice(0, 4)}-${compact.slice(4)}`;
  return isValidReference(reference) ? { ok: true, reference } : { ok: false, reason: 'check-failed' };
}

// ---------------------------------------------------------------- kiosk enrolment codes

/**
 * `XXX-XXX-XXC`: eight random Crockford characters (40 bits) and a check
 * character, the reference's alphabet and check. A technician types it on the
 * kiosk's keypad, so a typo is caught on the kiosk before it reaches the
 * server. Short-lived and single use, which is what makes 40 bits enough.
 */
export const ENROLMENT_CODE_PATTERN = '^[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}$';
export const EnrolmentCodeSchema = Type.String({ pattern: ENROLMENT_CODE_PATTERN, description: 'Kiosk enrolment code, XXX-XXX-XXX (Crockford base 32, last character a check)' });

/** A new enrolment code (`random` returns integers 0..255). */
export function newEnrolmentCode(randomBytes: (n: number) => Uint8Array): string {
  const payload = [...randomBytes(8)].map((b) => REFERENCE_ALPHABET[b & 31]).join('');
  const c = payload + referenceCheckChar(payload);
  return `${c.slice(0, 3)}-${c.slice(3, 6)}-${c.slice(6)}`;
}

export type ParsedEnrolmentCode = { ok: true; code: string } | { ok: false; reason: 'malformed' | 'check-failed' };

/** Reads an enrolment code as typed: any case, spaces or missing hyphens, Crockford's look-alikes. */
export function parseEnrolmentCode(input: string): ParsedEnrolmentCode {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (!/^[0-9A-HJKMNP-TV-Z]{9}$/.test(compact)) return { ok: false, reason: 'malformed' };
  if (referenceCheckChar(compact.slice(0, 8)) !== compact[8]) return { ok: false, reason: 'check-failed' };
  return { ok: true, code: `${compact.slice(0, 3)}-${compact.slice(3, 6)}-${compact.slice(6)}` };
}
