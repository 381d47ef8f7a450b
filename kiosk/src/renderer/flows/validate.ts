/**
 * Checks for a flow's form fields, by what the field takes. Each failure is a
 * code; the screen shows `ui.invalid.<code>` in the resident's language, so
 * they learn what is wrong ("the check digits do not match"), not only that
 * something is.
 *
 * National identity numbers:
 *  - Norway (fødselsnummer, 11 digits DDMMYY III KK): two mod-11 check digits;
 *    D-numbers (day + 40) and H-numbers (month + 40) are valid too, as are the
 *    Tax Administration's synthetic test numbers (month + 80).
 *  - Denmark (CPR, 10 digits DDMMYY-SSSS): a real date, with the century from
 *    the seventh digit. No modulus-11 check: CPR numbers without it have been
 *    issued since 2007.
 */
import type { FieldInput } from '@citizen/protocol';

export type InvalidCode =
  | 'required'
  | 'too-short'
  | 'too-long'
  | 'digits'
  | 'email'
  | 'phone'
  | 'postcode'
  | 'date'
  | 'plate'
  | 'national-id-length'
  | 'national-id-date'
  | 'national-id-checksum';

export const INVALID_CODES: readonly InvalidCode[] = [
  'required', 'too-short', 'too-long', 'digits', 'email', 'phone', 'postcode', 'date', 'plate', 'national-id-length', 'national-id-date', 'national-id-checksum',
];

export interface FieldRule {
  input: FieldInput;
  required: boolean;
  minLength?: number;
  maxLength?: number;
  country?: 'no' | 'dk';
}

/** The value as it is kept: spaces trimmed; identity numbers, dates' separators and plates normalised. */
export function normalise(input: FieldInput, raw: string): string {
  const v = raw.trim();
  if (input === 'national-id') return v.replace(/[\s-]/g, '');
  if (input === 'plate') return v.toUpperCase().replace(/\s+/g, ' ');
  if (input === 'phone') return v.replace(/\s+/g, ' ');
  if (input === 'date') return v.replace(/[-/]/g, '.');
  return v;
}

const isDate = (day: number, month: number, year: number): boolean => {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
};

/** Norwegian fødselsnummer / D-number: the date part and both check digits. */
export function checkFodselsnummer(n: string): InvalidCode | null {
  if (!/^\d{11}$/.test(n)) return 'national-id-length';
  const d = [...n].map(Number);
  let day = d[0]! * 10 + d[1]!;
  let month = d[2]! * 10 + d[3]!;
  if (day > 40) day -= 40; // D-number
  if (month > 80) month -= 80; // synthetic test number
  else if (month > 40) month -= 40; // H-number
  const yy = d[4]! * 10 + d[5]!;
  const individual = d[6]! * 100 + d[7]! * 10 + d[8]!;
  // The individual number gives the century.
  const year =
    individual < 500 ? 1900 + yy : individual < 750 && yy >= 54 ? 1800 + yy : individual >= 900 && yy >= 40 ? 1900 + yy : yy < 40 ? 2000 + yy : 1900 + yy;
  if (!isDate(day, month, year)) return 'national-id-date';
  const check = (weights: number[]): number => {
    const r = 11 - (weights.reduce((s, w, i) => s + w * d[i]!, 0) % 11);
    return r === 11 ? 0 : r;
  };
  const k1 = check([3, 7, 6, 1, 8, 9, 4, 5, 2]);
  const k2 = check([5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
  if (k1 === 10 || k2 === 10 || k1 !== d[9] || k2 !== d[10]) return 'national-id-checksum';
  return null;
}

/** Danish CPR number: ten digits whose first six are a real date (century from the seventh digit). */
export function checkCpr(n: string): InvalidCode | null {
  if (!/^\d{10}$/.test(n)) return 'national-id-length';
  const day = Number(n.slice(0, 2));
  const month = Number(n.slice(2, 4));
  const yy = Number(n.slice(4, 6));
  const s = Number(n[6]);
  const century = s <= 3 ? 1900 : s === 4 || s === 9 ? (yy <= 36 ? 2000 : 1900) : yy <= 57 ? 2000 : 1800;
  return isDate(day, month, century + yy) ? null : 'national-id-date';
}

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)*\.[^\s@.]{2,}$/;
/** As the server checks it (protocol PhoneNumber). */
const PHONE = /^\+?[0-9][0-9 ]{5,19}$/;
const PLATE = /^[A-ZÆØÅ]{1,3} ?[0-9]{2,5}$|^[A-ZÆØÅ0-9]{2,8}$/;

/** Null if the (normalised) value is acceptable, else why not. */
export function validate(rule: FieldRule, value: string): InvalidCode | null {
  const v = normalise(rule.input, value);
  if (v === '') return rule.required ? 'required' : null;
  if (rule.minLength !== undefined && v.length < rule.minLength) return 'too-short';
  if (rule.maxLength !== undefined && v.length > rule.maxLength) return 'too-long';
  switch (rule.input) {
    case 'digits':
      return /^\d+$/.test(v) ? null : 'digits';
    case 'email':
      return EMAIL.test(v) && v.length <= 254 ? null : 'email';
    case 'phone':
      return PHONE.test(v) ? null : 'phone';
    case 'postcode':
      return /^\d{4}$/.test(v) ? null : 'postcode';
    case 'plate':
      return PLATE.test(v) ? null : 'plate';
    case 'date': {
      const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(v);
      return m && isDate(Number(m[1]), Number(m[2]), Number(m[3])) ? null : 'date';
    }
    case 'national-id':
      return rule.country === 'dk' ? checkCpr(v) : checkFodselsnummer(v);
    case 'text':
    case 'long-text':
      return null;
  }
}
