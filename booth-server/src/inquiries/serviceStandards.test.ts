import { describe, expect, it } from 'vitest';
import { loadConfig } from '@citizen/config';
import { promiseFor, type ServiceStandards } from './serviceStandards';

const standards: ServiceStandards = { defaultResponseDays: 10, topics: { passport: { responseDays: 5 }, 'housing-benefit': { responseDays: 20 } } };
const created = new Date('2026-03-02T09:15:00Z');

describe('promiseFor', () => {
  it('adds the topic’s response days, or the default for a topic not listed or none', () => {
    expect(promiseFor(standards, 'passport', created)).toEqual(new Date('2026-03-07T09:15:00Z'));
    expect(promiseFor(standards, 'housing-benefit', created)).toEqual(new Date('2026-03-22T09:15:00Z'));
    expect(promiseFor(standards, 'moving-address', created)).toEqual(new Date('2026-03-12T09:15:00Z'));
    expect(promiseFor(standards, null, created)).toEqual(new Date('2026-03-12T09:15:00Z'));
    expect(promiseFor(standards, undefined, created)).toEqual(new Date('2026-03-12T09:15:00Z'));
  });

  it('treats a topic named like an object property as not listed', () => {
    expect(promiseFor(standards, 'constructor', created)).toEqual(new Date('2026-03-12T09:15:00Z'));
    expect(promiseFor(standards, 'toString', created)).toEqual(new Date('2026-03-12T09:15:00Z'));
  });

  it('refuses an invalid date', () => {
    expect(() => promiseFor(standards, 'passport', new Date('nope'))).toThrow(TypeError);
  });

  it('works on the shipped configuration', () => {
    const c = loadConfig({ files: [], env: {} });
    expect(promiseFor(c.inquiries.serviceStandards, 'passport', created).getTime()).toBeGreaterThan(created.getTime());
  });
});
