/**
 * On-screen keyboards: one suited to each kind of field (digits for an
 * identity number, a phone pad with +, an email keyboard with @ and .), and
 * for free text the letters of the resident's own script (Nordic and Polish
 * Latin letters, Ukrainian Cyrillic, Arabic and Urdu). A physical keyboard
 * works too where a kiosk has one.
 */
import type { FieldInput } from '@citizen/protocol';

export interface Layout {
  rows: string[][];
  /** Shift between lower and upper case (scripts that have case). */
  shift: boolean;
  space: boolean;
  /** Direction of the script the keys write. */
  dir: 'ltr' | 'rtl';
}

const split = (rows: string[]): string[][] => rows.map((r) => [...r]);

const LATIN: Record<string, string[]> = {
  da: ['1234567890', 'qwertyuiopå', 'asdfghjklæø', 'zxcvbnm,.-?'],
  nb: ['1234567890', 'qwertyuiopå', 'asdfghjkløæ', 'zxcvbnm,.-?'],
  nn: ['1234567890', 'qwertyuiopå', 'asdfghjkløæ', 'zxcvbnm,.-?'],
  pl: ['1234567890', 'qwertyuiopąę', 'asdfghjklłóś', 'zxcvbnmćńźż,.?'],
  // Somali and English on a Nordic kiosk: the street and family names typed are often Danish or Norwegian.
  so: ['1234567890', 'qwertyuiopå', "asdfghjklæø'", 'zxcvbnm,.-?'],
  en: ['1234567890', 'qwertyuiopå', 'asdfghjklæø', 'zxcvbnm,.-?'],
};
const CYRILLIC_UK = ['1234567890', 'йцукенгшщзхї', 'фівапролджєґ', 'ячсмитьбю,.?'];
const ARABIC = ['١٢٣٤٥٦٧٨٩٠', 'ضصثقفغعهخحج', 'شسيبلاتنمكط', 'ئءؤرىةوزظدذ', '،.؟'];
const URDU = ['۱۲۳۴۵۶۷۸۹۰', 'قوعرتےءیوپ', 'اسدفگحجکل', 'زشچطبنمںھ', 'ٹڈڑثصضظغخ', '،۔؟'];

/** The text keyboard for a language. */
export function textLayout(lang: string): Layout {
  if (lang === 'uk') return { rows: split(CYRILLIC_UK), shift: true, space: true, dir: 'ltr' };
  if (lang === 'ar') return { rows: split(ARABIC), shift: false, space: true, dir: 'rtl' };
  if (lang === 'ur') return { rows: split(URDU), shift: false, space: true, dir: 'rtl' };
  return { rows: split(LATIN[lang] ?? LATIN.en!), shift: true, space: true, dir: 'ltr' };
}

const DIGITS = [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['0']];

/** The keyboard for a field: digits where only digits go, letters only where text does. */
export function layoutFor(input: FieldInput, lang: string): Layout {
  switch (input) {
    case 'digits':
    case 'national-id':
    case 'postcode':
      return { rows: DIGITS, shift: false, space: false, dir: 'ltr' };
    case 'phone':
      return { rows: [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['+', '0']], shift: false, space: false, dir: 'ltr' };
    case 'date':
      return { rows: [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['.', '0']], shift: false, space: false, dir: 'ltr' };
    case 'email':
      return { rows: split(['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', '@.-_']), shift: false, space: false, dir: 'ltr' };
    case 'plate':
      return { rows: split(['1234567890', 'QWERTYUIOPÅ', 'ASDFGHJKLØÆ', 'ZXCVBNM']), shift: false, space: true, dir: 'ltr' };
    case 'text':
    case 'long-text':
      return textLayout(lang);
  }
}

/** The browser's own keyboard hint for the field, where a tablet kiosk shows the system keyboard. */
export const inputModeFor = (input: FieldInput): 'numeric' | 'tel' | 'email' | 'text' =>
  input === 'digits' || input === 'national-id' || input === 'postcode' || input === 'date' ? 'numeric' : input === 'phone' ? 'tel' : input === 'email' ? 'email' : 'text';
