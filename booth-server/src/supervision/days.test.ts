import { describe, expect, it } from 'vitest';
import { dayNumber, dayOf, dayText, dayWindows, startOfDay } from './days';

const CPH = 'Europe/Copenhagen';
const n = (text: string): number => {
  const d = dayNumber(text);
  if (d === null) throw new Error(`not a day: ${text}`);
  return d;
};
const hours = (w: { start: Date; end: Date }): number => (w.end.getTime() - w.start.getTime()) / 3_600_000;

describe('calendar days in a time zone', () => {
  it('reads only dates that exist on the calendar', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayText(n('2024-02-29'))).toBe('2024-02-29');
    for (const bad of ['2025-02-29', '2025-02-30', '2025-13-01', '2025-00-10', '2025-04-31', '2025-1-01', '20250101', 'today', '']) expect(dayNumber(bad), bad).toBeNull();
  });

  it('starts a Copenhagen day at local midnight, in winter and in summer', () => {
    expect(startOfDay(n('2025-01-15'), CPH).toISOString()).toBe('2025-01-14T23:00:00.000Z');
    expect(startOfDay(n('2025-07-15'), CPH).toISOString()).toBe('2025-07-14T22:00:00.000Z');
    expect(startOfDay(n('2025-07-15'), 'UTC').toISOString()).toBe('2025-07-15T00:00:00.000Z');
  });

  it('gives the days of the clock changes 23 and 25 hours', () => {
    const spring = dayWindows(n('2025-03-29'), n('2025-03-31'), CPH);
    expect(spring.map((w) => [w.day, hours(w)])).toEqual([
      ['2025-03-29', 24],
      ['2025-03-30', 23],
      ['2025-03-31', 24],
    ]);
    expect(spring[1]!.start.toISOString()).toBe('2025-03-29T23:00:00.000Z');
    expect(spring[1]!.end.toISOString()).toBe('2025-03-30T22:00:00.000Z');
    const autumn = dayWindows(n('2025-10-26'), n('2025-10-26'), CPH);
    expect(autumn.map((w) => [w.day, hours(w), w.start.toISOString(), w.end.toISOString()])).toEqual([['2025-10-26', 25, '2025-10-25T22:00:00.000Z', '2025-10-26T23:00:00.000Z']]);
  });

  it('starts the day at the change where a zone skips midnight itself', () => {
    // Chile moved its clocks from 24:00 to 01:00 on 2024-09-08: that day begins at 01:00 local (04:00Z).
    const [w] = dayWindows(n('2024-09-08'), n('2024-09-08'), 'America/Santiago');
    expect(w!.start.toISOString()).toBe('2024-09-08T04:00:00.000Z');
    expect(hours(w!)).toBe(23);
    // And back from 24:00 to 23:00 on 2024-04-07: 2024-04-06 is 25 hours, and 04-07 begins at the second midnight.
    const [sat, sun] = dayWindows(n('2024-04-06'), n('2024-04-07'), 'America/Santiago');
    expect(hours(sat!)).toBe(25);
    expect(sun!.start.toISOString()).toBe('2024-04-07T04:00:00.000Z');
  });

  it('tells the day an instant falls on in the zone', () => {
    expect(dayOf(new Date('2025-03-29T22:59:59Z'), CPH)).toBe('2025-03-29');
    expect(dayOf(new Date('2025-03-29T23:00:00Z'), CPH)).toBe('2025-03-30');
    expect(dayOf(new Date('2025-10-26T22:59:59Z'), CPH)).toBe('2025-10-26');
    expect(dayOf(new Date('2025-10-26T23:00:00Z'), CPH)).toBe('2025-10-27');
  });

  it('lays the days end to end, a year long', () => {
    const year = dayWindows(n('2025-01-01'), n('2025-12-31'), CPH);
    expect(year).toHaveLength(365);
    for (let i = 1; i < year.length; i++) expect(year[i]!.start.getTime()).toBe(year[i - 1]!.end.getTime());
    expect(year.filter((w) => hours(w) !== 24).map((w) => w.day)).toEqual(['2025-03-30', '2025-10-26']);
  });
});
