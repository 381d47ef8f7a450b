/**
 * Today's opening hours of the kiosk's building, from its configuration
 * profile (protocol KioskOpeningHours), in the building's own time zone: the
 * day and date are the building's, whatever the kiosk's clock zone is.
 */
import type { KioskOpeningHours } from '@citizen/protocol';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** `null`: no hours configured (always open, or not said). `spans`: today's opening spans as `08:00–16:00`, empty when closed today. */
export function hoursToday(hours: KioskOpeningHours | null | undefined, now: Date): { spans: string[] } | null {
  if (!hours) return null;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: hours.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' }).formatToParts(now);
  } catch {
    return null;
  }
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const date = `${part('year')}-${part('month')}-${part('day')}`;
  const day = DAYS.find((d) => d === part('weekday').toLowerCase().slice(0, 3));
  if (!day || hours.closedDates.includes(date)) return { spans: [] };
  return { spans: hours[day].map((span) => span.replace('-', '–')) };
}
