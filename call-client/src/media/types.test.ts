import { describe, expect, it } from 'vitest';
import { videoBitrateCap } from './types';

describe('videoBitrateCap', () => {
  it("is the server's cap, lowered by this side's own (a kiosk profile's), never raised by it", () => {
    expect(videoBitrateCap(1_500_000, null)).toBe(1_500_000);
    expect(videoBitrateCap(1_500_000, undefined)).toBe(1_500_000);
    expect(videoBitrateCap(1_500_000, 400_000)).toBe(400_000);
    expect(videoBitrateCap(1_500_000, 3_000_000)).toBe(1_500_000);
    expect(videoBitrateCap(1_500_000, 0)).toBe(1_500_000);
  });
});
