/**
 * A card number is personal data. It travels inside this wrapper so that the
 * clear value cannot leak by accident: string conversion, JSON (what pino and
 * fastify serialize) and util.inspect (console.log, vitest diffs) all show the
 * masked form. Only `reveal()` gives the clear number, and only the one
 * consumer that needs it should call it.
 */
import { inspect } from 'node:util';
import type { CardKind } from '@citizen/protocol';

export type { CardKind };

/**
 * Masked display form: the last four characters shown, the rest as dots in
 * groups of four. A short identifier (a 4-character barcode, say) shows at most
 * half of its characters, so no length ever prints the whole number.
 */
export function maskIdentifier(clear: string): string {
  const visible = clear.slice(clear.length - Math.min(4, Math.floor(clear.length / 2)));
  const hidden = Math.max(0, clear.length - visible.length);
  const stars = '•'.repeat(Math.min(hidden, 12));
  return [stars.replace(/(.{4})(?=.)/g, '$1 '), visible].filter(Boolean).join(' ');
}

export class CardNumber {
  readonly #clear: string;
  readonly masked: string;

  constructor(clear: string) {
    if (typeof clear !== 'string' || clear.length === 0) throw new TypeError('CardNumber: empty identifier');
    this.#clear = clear;
    this.masked = maskIdentifier(clear);
  }

  /** The clear identifier. Call only where it is needed; never log the result. */
  reveal(): string {
    return this.#clear;
  }

  equals(other: CardNumber): boolean {
    return this.#clear === other.#clear;
  }

  toString(): string {
    return this.masked;
  }

  toJSON(): string {
    return this.masked;
  }

  [inspect.custom](): string {
    return `CardNumber(${this.masked})`;
  }
}

export interface CardRead {
  kind: CardKind;
  id: CardNumber;
  /** Same as id.masked, for display. */
  masked: string;
}

/** Luhn (ISO/IEC 7812-1 annex B) check digit test over a string of digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The Luhn check digit to append to `body`. */
export function luhnDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${body}${d}`)) return String(d);
  throw new TypeError(`luhnDigit: not digits: ${body}`);
}
