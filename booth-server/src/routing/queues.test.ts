import { describe, expect, it } from 'vitest';
import { QueueSet, isOpen, matchLevel, nextOpening } from './queues';

const weekdays = ['08:00-12:00', '13:00-16:00'];
const base = {
  name: 'Q',
  fallbackLanguages: ['en'],
  serviceLevel: { percent: 80, withinSeconds: 120 },
  widening: [{ afterSeconds: 180, match: 'any' as const }, { afterSeconds: 60, match: 'language' as const }],
  openingHours: { timeZone: 'Europe/Copenhagen', mon: weekdays, tue: weekdays, wed: weekdays, thu: weekdays, fri: weekdays, sat: [], sun: [], closedDates: ['2026-12-24'] },
};
const set = new QueueSet([{ ...base, id: 'general', topics: [] }, { ...base, id: 'passports', topics: ['passport'] }]);
const general = set.byId('general')!;

describe('queues', () => {
  it('sends a topic to its queue and everything else to the catch-all', () => {
    expect(set.forTopic('passport').id).toBe('passports');
    expect(set.forTopic('moving-address').id).toBe('general');
    expect(set.forTopic(undefined).id).toBe('general');
  });

  it('refuses a configuration with two catch-alls, none, or a topic in two queues', () => {
    expect(() => new QueueSet([{ ...base, id: 'a', topics: [] }, { ...base, id: 'b', topics: [] }])).toThrow(/both take every topic/);
    expect(() => new QueueSet([{ ...base, id: 'a', topics: ['x'] }])).toThrow(/one queue must take every other topic/);
    expect(() => new QueueSet([{ ...base, id: 'a', topics: [] }, { ...base, id: 'b', topics: ['x'] }, { ...base, id: 'c', topics: ['x'] }])).toThrow(/topic x is in both b and c/);
  });

  it('widens by the time waited, steps taken in time order', () => {
    expect(matchLevel(general, 59_999)).toBe('strict');
    expect(matchLevel(general, 60_000)).toBe('language');
    expect(matchLevel(general, 180_000)).toBe('any');
  });

  it('is open in local time (Copenhagen, across the DST change), closed at lunch, at weekends and on closed dates', () => {
    expect(isOpen(general, new Date('2026-11-30T07:30:00Z'))).toBe(true); // Monday 08:30 CET
    expect(isOpen(general, new Date('2026-11-30T06:59:00Z'))).toBe(false); // 07:59
    expect(isOpen(general, new Date('2026-11-30T11:30:00Z'))).toBe(false); // 12:30 lunch
    expect(isOpen(general, new Date('2026-07-06T06:30:00Z'))).toBe(true); // Monday 08:30 CEST
    expect(isOpen(general, new Date('2026-11-28T10:00:00Z'))).toBe(false); // Saturday
    expect(isOpen(general, new Date('2026-12-24T09:00:00Z'))).toBe(false); // closed date (Thursday)
  });

  it('says when it opens next', () => {
    expect(nextOpening(general, new Date('2026-11-30T11:05:30Z'))?.toISOString()).toBe('2026-11-30T12:00:00.000Z'); // lunch → 13:00 CET
    expect(nextOpening(general, new Date('2026-11-28T10:00:00Z'))?.toISOString()).toBe('2026-11-30T07:00:00.000Z'); // Saturday → Monday 08:00
    expect(nextOpening(general, new Date('2026-12-23T15:30:00Z'))?.toISOString()).toBe('2026-12-25T07:00:00.000Z'); // skips the 24th
    const now = new Date('2026-11-30T08:00:00Z');
    expect(nextOpening(general, now)).toBe(now);
  });
});
