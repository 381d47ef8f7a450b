import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { PRINTER_CODE_PAGES, RECEIPT_LANGUAGES as CONFIG_LANGUAGES } from '@citizen/config';
import { CODE_PAGE_NAMES, NEXT_STEPS, RECEIPT_LANGUAGES } from '@citizen/hardware';
import { NextStep, ReceiptLanguage } from '../contract';

// config, contract and hardware each spell these lists (config and the
// renderer must not import the hardware drivers); this keeps them in step.
describe('lists shared by config, bridge contract and hardware', () => {
  it('code pages in config are exactly the ones the printer driver supports', () => {
    expect([...PRINTER_CODE_PAGES].sort()).toEqual([...CODE_PAGE_NAMES].sort());
  });

  it('receipt languages and next steps agree', () => {
    expect([...CONFIG_LANGUAGES].sort()).toEqual([...RECEIPT_LANGUAGES].sort());
    for (const l of RECEIPT_LANGUAGES) expect(Value.Check(ReceiptLanguage, l), l).toBe(true);
    expect(Value.Check(ReceiptLanguage, 'xx')).toBe(false);
    for (const s of NEXT_STEPS) expect(Value.Check(NextStep, s), s).toBe(true);
    expect(NextStep.anyOf).toHaveLength(NEXT_STEPS.length);
    expect(ReceiptLanguage.anyOf).toHaveLength(RECEIPT_LANGUAGES.length);
  });
});
