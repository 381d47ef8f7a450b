import { describe, expect, it } from 'vitest';
import { quantile } from './quantile';

describe('quantile', () => {
  it('interpolates between the nearest ranks (type 7)', () => {
    expect(quantile([1, 2, 3, 4, 10], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 10], 0.9)).toBeCloseTo(7.6, 10);
    expect(quantile([6, 8], 0.5)).toBe(7);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([5], 0.9)).toBe(5);
  });

  it('refuses no values and a q outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(TypeError);
    expect(() => quantile([1], 1.5)).toThrow(TypeError);
    expect(() => quantile([1], Number.NaN)).toThrow(TypeError);
  });
});
