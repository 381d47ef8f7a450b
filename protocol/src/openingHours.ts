/**
 * A kiosk's opening hours (part of its configuration profile, ./profiles.ts).
 * Its own module because the kiosk page's bridge contract needs this schema
 * and nothing else of the profiles: a bundler keeps a used module's schemas
 * whole, so the page would otherwise carry every profile schema.
 */
import { Type, type Static } from '@sinclair/typebox';

const HHMM = '([01][0-9]|2[0-3]):[0-5][0-9]';
export const OpeningSpan = Type.String({ pattern: `^${HHMM}-(${HHMM}|24:00)$`, description: 'Opening span, e.g. 08:00-16:00 (24:00 for midnight)' });
const Day = Type.Array(OpeningSpan, { maxItems: 6 });
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** When the kiosk's building is open (the kiosk shows it; calls follow the queues' own hours). */
export const KioskOpeningHours = Type.Object(
  {
    timeZone: Type.String({ minLength: 1 }),
    mon: Day,
    tue: Day,
    wed: Day,
    thu: Day,
    fri: Day,
    sat: Day,
    sun: Day,
    closedDates: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { maxItems: 100, description: 'Public holidays, YYYY-MM-DD' }),
  },
  { additionalProperties: false },
);
export type KioskOpeningHours = Static<typeof KioskOpeningHours>;
