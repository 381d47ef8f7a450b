import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CardNumber, maskIdentifier } from './CardNumber';

/** The characters of `clear` that the masked form shows (everything that is not a mask dot or a group space). */
const shown = (masked: string): string => masked.replace(/[• ]/g, '');

describe('maskIdentifier', () => {
  it('shows the last four of a long number, the rest as at most twelve dots in groups of four', () => {
    expect(maskIdentifier('9900012345678903')).toBe('•••• •••• •••• 8903');
    expect(maskIdentifier('0F00A1B2C3')).toBe('•••• •• B2C3');
    expect(maskIdentifier('12345678')).toBe('•••• 5678');
  });

  it('never shows a whole short number: at most half of its characters', () => {
    expect(maskIdentifier('1234')).toBe('•• 34');
    expect(maskIdentifier('12345')).toBe('••• 45');
    expect(maskIdentifier('1234567')).toBe('•••• 567');
    expect(maskIdentifier('12')).toBe('• 2');
    expect(maskIdentifier('7')).toBe('•');
  });

  it('for every length, reveals at most min(4, half) characters, and only trailing ones', () => {
    const digits = '12345678901234567890';
    for (let n = 1; n <= digits.length; n++) {
      const clear = digits.slice(0, n);
      const visible = shown(maskIdentifier(clear));
      expect(visible.length, clear).toBeLessThanOrEqual(Math.min(4, Math.floor(n / 2)));
      expect(visible.length, clear).toBeLessThan(n);
      expect(clear.endsWith(visible), clear).toBe(true);
    }
  });
});

describe('CardNumber', () => {
  it('prints masked in every form but reveal()', () => {
    const c = new CardNumber('4321');
    expect(String(c)).toBe('•• 21');
    expect(JSON.stringify({ c })).toBe('{"c":"•• 21"}');
    expect(inspect(c)).toBe('CardNumber(•• 21)');
    expect(c.reveal()).toBe('4321');
  });
});
