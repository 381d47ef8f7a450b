/**
 * Calendar days in a time zone, as the instants that bound them. A report
 * counts a contact on the day its resident asked, in the municipality's
 * time zone; the store compares epoch milliseconds, so each day is handed to
 * it as [start, end). Days of a daylight-saving change are 23 or 25 hours
 * long, which is why a day's end is the next day's start and never start +
 * 24 h.
 */

/** A calendar day and the instants it runs between: [start, end). */
export interface DayWindow {
  day: string;
  start: Date;
  end: Date;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a YYYY-MM-DD that exists on the calendar, or null (2025-02-30, 2025-13-01, text). */
export function dayNumber(text: string): number | null {
  const m = DATE_PATTERN.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  // Date.UTC rolls 2025-02-30 over into March; a real date comes back as it went in.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return t / DAY_MS;
}

/** YYYY-MM-DD of a day number. */
export function dayText(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** Throws a TypeError for a zone Intl does not know (checked at start-up). */
export function checkTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en', { timeZone });
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's local wall-clock time at `t`, read as if it were UTC (epoch ms). */
function wallClock(t: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** How far the zone's clocks are ahead of UTC at `t`, in ms. */
function offsetAt(t: number, timeZone: string): number {
  const whole = Math.floor(t / 1000) * 1000;
  return wallClock(whole, timeZone) - whole;
}

/**
 * The first instant of day `n` in the zone. Midnight's offset is looked up
 * twice: a guess from the offset at midnight UTC, then the offset at that
 * guess; they differ when a clock change lies between. The earlier of the two
 * candidates that falls on the day is its start, which also covers zones that
 * change their clocks at midnight itself: skipped (00:00 to 01:00), the day
 * begins at the change; repeated (24:00 back to 23:00), at the second midnight.
 */
export function startOfDay(n: number, timeZone: string): Date {
  const midnightAsUtc = n * DAY_MS;
  const first = midnightAsUtc - offsetAt(midnightAsUtc, timeZone);
  const second = midnightAsUtc - offsetAt(first, timeZone);
  const day = dayText(n);
  const onDay = [Math.min(first, second), Math.max(first, second)].find((t) => dayOf(new Date(t), timeZone) === day);
  return new Date(onDay ?? second);
}

/** The calendar day (YYYY-MM-DD) the instant falls on in the zone. */
export function dayOf(at: Date, timeZone: string): string {
  return new Date(wallClock(at.getTime(), timeZone)).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included, with its bounds in the zone. */
export function dayWindows(from: number, to: number, timeZone: string): DayWindow[] {
  const out: DayWindow[] = [];
  let start = startOfDay(from, timeZone);
  for (let n = from; n <= to; n++) {
    const end = startOfDay(n + 1, timeZone);
    out.push({ day: dayText(n), start, end });
    start = end;
  }
  return out;
}
