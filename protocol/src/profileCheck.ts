/**
 * Checking a profile body beyond what a page needs: kept out of ./profiles.ts
 * (which the kiosk page's bridge contract reads for the opening-hours schema)
 * because it brings TypeBox's value checker, some 60 kB the kiosk's start-up
 * bundle must not carry. The package is side-effect free, so a bundle that
 * does not call these leaves this module out.
 */
import { Value } from '@sinclair/typebox/value';
import { ProfileBody, type ProfileCatalogue } from './profiles';
import { WEEKDAYS } from './openingHours';

/** `languages[2]` from a TypeBox error path `/languages/2`. */
export function fieldName(path: string): string {
  return (
    path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '') || '(profile)'
  );
}

const minutes = (hhmm: string): number => (hhmm === '24:00' ? 1440 : Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));

/**
 * Every problem with a profile body, each naming its field:
 * `languages[2]: unknown language "xx"`. Empty when the body is good. The
 * schema first (one problem per field), then what the schema cannot say:
 * flows and languages the site has, no duplicates, opening spans that close
 * after they open, a real time zone, printer and card reader on different ports.
 */
export function checkProfileBody(body: unknown, catalogue: ProfileCatalogue): string[] {
  if (!Value.Check(ProfileBody, body)) {
    const byField = new Map<string, string>();
    for (const e of Value.Errors(ProfileBody, body)) {
      const f = fieldName(e.path);
      const s = e.schema as { anyOf?: { const?: unknown }[] };
      const message = s.anyOf?.every((m) => m.const !== undefined)
        ? `expected one of ${s.anyOf.map((m) => JSON.stringify(m.const)).join(', ')}, got ${JSON.stringify(e.value)}`
        : e.value === undefined
          ? `${e.message} (missing)`
          : e.message;
      // Unions report each member, then the union: the union's summary wins.
      if (!byField.has(f) || message.startsWith('expected one of')) byField.set(f, message);
      if (byField.size >= 10) break;
    }
    return [...byField].map(([f, m]) => `${f}: ${m}`);
  }
  const b = body;
  const problems: string[] = [];
  const known = (list: readonly string[], field: 'flows' | 'languages', what: string): void => {
    const seen = new Set<string>();
    b[field].forEach((id, i) => {
      if (!list.includes(id)) problems.push(`${field}[${i}]: unknown ${what} ${JSON.stringify(id)} (known: ${list.join(', ')})`);
      if (seen.has(id)) problems.push(`${field}[${i}]: ${JSON.stringify(id)} is listed twice`);
      seen.add(id);
    });
  };
  known(catalogue.flows, 'flows', 'flow');
  known(catalogue.languages, 'languages', 'language');
  if (b.openingHours) {
    const oh = b.openingHours;
    try {
      new Intl.DateTimeFormat('en', { timeZone: oh.timeZone });
    } catch {
      problems.push(`openingHours.timeZone: not an IANA time zone: ${JSON.stringify(oh.timeZone)}`);
    }
    for (const day of WEEKDAYS) {
      oh[day].forEach((span, i) => {
        const [from, to] = span.split('-') as [string, string];
        if (minutes(to) <= minutes(from)) problems.push(`openingHours.${day}[${i}]: closes at ${to}, not after it opens at ${from}`);
      });
    }
  }
  const { printer, cardReader } = b.hardware ?? {};
  if (printer && cardReader && !printer.usb && !cardReader.usb && printer.path === cardReader.path) {
    problems.push(`hardware.cardReader.path: ${JSON.stringify(cardReader.path)} is the printer's port too`);
  }
  return problems;
}

