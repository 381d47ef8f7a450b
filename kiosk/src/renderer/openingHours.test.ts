import { describe, expect, it } from 'vitest';
import type { KioskOpeningHours } from '@citizen/protocol';
import { hoursToday } from './openingHours';

const week: KioskOpeningHours = {
  timeZone: 'Europe/Copenhagen',
  mon: ['08:00-16:00'],
  tue: ['08:00-12:00', '13:00-17:30'],
  wed: ['08:00-16:00'],
  thu: ['08:00-18:00'],
  fri: ['08:00-14:00'],
  sat: [],
  sun: [],
  closedDates: ['2026-12-24'],
};

describe('hoursToday', () => {
  it("gives the building's spans for its own day, in its time zone", () => {
    // Tuesday 1 December 2026, 10:00 in Copenhagen.
    expect(hoursToday(week, new Date('2026-12-01T09:00:00Z'))).toEqual({ spans: ['08:00–12:00', '13:00–17:30'] });
    // 23:30 UTC on Monday is already Tuesday in Copenhagen.
    expect(hoursToday(week, new Date('2026-11-30T23:30:00Z'))).toEqual({ spans: ['08:00–12:00', '13:00–17:30'] });
    // And still Monday in New York.
    expect(hoursToday({ ...week, timeZone: 'America/New_York' }, new Date('2026-11-30T23:30:00Z'))).toEqual({ spans: ['08:00–16:00'] });
  });

  it('is closed on a closed date and on a day without spans; says nothing without hours', () => {
    expect(hoursToday(week, new Date('2026-12-24T10:00:00Z'))).toEqual({ spans: [] });
    expect(hoursToday(week, new Date('2026-12-05T10:00:00Z'))).toEqual({ spans: [] });
    expect(hoursToday(null, new Date())).toBeNull();
    expect(hoursToday(undefined, new Date())).toBeNull();
    expect(hoursToday({ ...week, timeZone: 'Mars/Olympus' }, new Date())).toBeNull();
  });
});
