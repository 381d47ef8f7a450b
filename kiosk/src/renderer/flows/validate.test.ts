import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkCpr, checkFodselsnummer, normalise, validate } from './validate';

describe('Norwegian fødselsnummer', () => {
  it('accepts numbers whose two check digits match, D-numbers and synthetic test numbers', () => {
    expect(checkFodselsnummer('29029600013')).toBeNull(); // 29 Feb 1996
    expect(checkFodselsnummer('15038512363')).toBeNull();
    expect(checkFodselsnummer('41019012393')).toBeNull(); // D-number: day + 40
  });
  it('says which part is wrong: length, date or check digits', () => {
    expect(checkFodselsnummer('2902960001')).toBe('national-id-length');
    expect(checkFodselsnummer('29029700013')).toBe('national-id-date'); // 1997 is no leap year
    expect(checkFodselsnummer('29029600014')).toBe('national-id-checksum');
  });
  it('a single mistyped digit is always caught', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 9 }), (pos, delta) => {
        const good = '15038512363';
        const d = [...good];
        d[pos] = String((Number(d[pos]) + delta) % 10);
        expect(checkFodselsnummer(d.join(''))).not.toBeNull();
      }),
    );
  });
});

describe('Danish CPR number', () => {
  it('takes ten digits whose first six are a date, with or without the dash', () => {
    expect(checkCpr('0101901234')).toBeNull();
    expect(validate({ input: 'national-id', country: 'dk', required: true }, '010190-1234')).toBeNull();
    expect(checkCpr('3102901234')).toBe('national-id-date');
    // The seventh digit gives the century: 29 Feb 2000 exists, 29 Feb 1900 does not.
    expect(checkCpr('2902004000')).toBeNull();
    expect(checkCpr('2902001000')).toBe('national-id-date');
  });
});

describe('field checks', () => {
  const rule = (input: Parameters<typeof validate>[0]['input'], extra: Partial<Parameters<typeof validate>[0]> = {}) => ({ input, required: true, ...extra });
  it('required and optional', () => {
    expect(validate(rule('text'), '  ')).toBe('required');
    expect(validate({ input: 'email', required: false }, '')).toBeNull();
  });
  it('email, phone, postcode, date, plate, digits', () => {
    expect(validate(rule('email'), 'anna@example.dk')).toBeNull();
    expect(validate(rule('email'), 'anna@example')).toBe('email');
    expect(validate(rule('phone'), '+45 12 34 56 78')).toBeNull();
    expect(validate(rule('phone'), '12ab')).toBe('phone');
    expect(validate(rule('postcode'), '8000')).toBeNull();
    expect(validate(rule('postcode'), '800')).toBe('postcode');
    expect(validate(rule('date'), '29.02.2024')).toBeNull();
    expect(validate(rule('date'), '29.02.2023')).toBe('date');
    expect(validate(rule('plate'), 'ab 12345')).toBeNull();
    expect(normalise('plate', 'ab  12345')).toBe('AB 12345');
    expect(validate(rule('digits'), '12a')).toBe('digits');
  });
  it('length bounds', () => {
    expect(validate(rule('text', { minLength: 3 }), 'ab')).toBe('too-short');
    expect(validate(rule('text', { maxLength: 3 }), 'abcd')).toBe('too-long');
  });
});
