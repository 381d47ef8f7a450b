/**
 * The daily report: which days a request asks for (checked and bounded), and
 * the store's figures turned into the rows supervisors read — shares as
 * percentages, times in seconds, and a zero row for each configured queue on
 * a day without contacts, so a quiet day shows as a zero rather than a gap.
 */
import type { DailyReport, DailyReportRow, ServiceLevelTarget } from '@citizen/protocol';
import { BoothError } from '../errors';
import type { DailyContactFigures, Store } from '../store/Store';
import { dayNumber, dayOf, dayText, dayWindows } from './days';

export interface ReportQueue {
  id: string;
  name: string;
  serviceLevel: ServiceLevelTarget;
}

export interface DailyReportOptions {
  store: Store;
  queues: readonly ReportQueue[];
  timeZone: string;
  maxRangeDays: number;
}

/** Days a report without from and to covers: the last week, today included. */
const DEFAULT_DAYS = 7;
/** Name of the row of contacts recorded before queues were (store migration 7). */
export const NO_QUEUE_NAME = '(no queue recorded)';

/** The range a request asks for, as day numbers; throws a coded error for anything else. */
export function reportRange(query: { from?: string | undefined; to?: string | undefined }, today: Date, opts: Pick<DailyReportOptions, 'timeZone' | 'maxRangeDays'>): { from: number; to: number } {
  if (query.from === undefined && query.to === undefined) {
    const to = dayNumber(dayOf(today, opts.timeZone));
    if (to === null) throw new Error(`reportRange: no day for ${today.toISOString()}`);
    return { from: to - Math.min(DEFAULT_DAYS, opts.maxRangeDays) + 1, to };
  }
  if (query.from === undefined || query.to === undefined) throw new BoothError('REPORT_RANGE_INVALID', 'give both from and to, or neither');
  const from = dayNumber(query.from);
  const to = dayNumber(query.to);
  if (from === null) throw new BoothError('REPORT_DATE_INVALID', `from is not a calendar date: ${JSON.stringify(query.from)}`);
  if (to === null) throw new BoothError('REPORT_DATE_INVALID', `to is not a calendar date: ${JSON.stringify(query.to)}`);
  if (to < from) throw new BoothError('REPORT_RANGE_INVALID', `to (${query.to}) is before from (${query.from})`);
  const days = to - from + 1;
  if (days > opts.maxRangeDays) throw new BoothError('REPORT_RANGE_INVALID', `the range spans ${days} days; at most ${opts.maxRangeDays}`);
  return { from, to };
}

export async function dailyReport(query: { from?: string | undefined; to?: string | undefined; queue?: string | undefined }, today: Date, opts: DailyReportOptions): Promise<DailyReport> {
  const { from, to } = reportRange(query, today, opts);
  const queueId = query.queue ? query.queue : null;
  if (queueId !== null && !opts.queues.some((q) => q.id === queueId)) {
    throw new BoothError('QUEUE_UNKNOWN', `no queue ${JSON.stringify(queueId)}; configured: ${opts.queues.map((q) => q.id).join(', ')}`);
  }
  const days = dayWindows(from, to, opts.timeZone);
  const figures = await opts.store.dailyContactFigures({
    days,
    ...(queueId === null ? {} : { queueId }),
    serviceLevelWithinMs: new Map(opts.queues.map((q) => [q.id, q.serviceLevel.withinSeconds * 1000])),
  });
  const byDay = new Map<string, DailyContactFigures[]>();
  for (const f of figures) {
    const list = byDay.get(f.day);
    if (list) list.push(f);
    else byDay.set(f.day, [f]);
  }
  const inReport = queueId === null ? opts.queues : opts.queues.filter((q) => q.id === queueId);
  const rows: DailyReportRow[] = [];
  for (const { day } of days) {
    const found = byDay.get(day) ?? [];
    for (const q of inReport) rows.push(toRow(day, found.find((f) => f.queueId === q.id) ?? empty(day, q.id), q));
    // Contacts of queues no longer configured, or from before queues were recorded (the store orders them last).
    for (const f of found) if (!inReport.some((q) => q.id === f.queueId)) rows.push(toRow(day, f, undefined));
  }
  return {
    from: dayText(from),
    to: dayText(to),
    timeZone: opts.timeZone,
    queue: queueId,
    queues: opts.queues.map((q) => ({ id: q.id, name: q.name, serviceLevel: { percent: q.serviceLevel.percent, withinSeconds: q.serviceLevel.withinSeconds } })),
    rows,
  };
}

function empty(day: string, queueId: string): DailyContactFigures {
  return { day, queueId, contacts: 0, answered: 0, abandoned: 0, waitAvgMs: null, waitP90Ms: null, answeredWithinTarget: 0, serviceLevelCounted: 0, handleAvgMs: null, ratingAvg: null, ratings: 0 };
}

function toRow(day: string, f: DailyContactFigures, queue: ReportQueue | undefined): DailyReportRow {
  return {
    day,
    queueId: f.queueId,
    queueName: queue?.name ?? f.queueId ?? NO_QUEUE_NAME,
    contacts: f.contacts,
    answered: f.answered,
    abandoned: f.abandoned,
    abandonedPercent: share(f.abandoned, f.contacts),
    waitAvgSeconds: seconds(f.waitAvgMs),
    waitP90Seconds: seconds(f.waitP90Ms),
    serviceLevelTarget: queue ? { percent: queue.serviceLevel.percent, withinSeconds: queue.serviceLevel.withinSeconds } : null,
    answeredWithinTarget: f.answeredWithinTarget ?? 0,
    serviceLevelCounted: f.serviceLevelCounted ?? 0,
    serviceLevelPercent: f.answeredWithinTarget === null || f.serviceLevelCounted === null ? null : share(f.answeredWithinTarget, f.serviceLevelCounted),
    handleAvgSeconds: seconds(f.handleAvgMs),
    ratingAvg: f.ratingAvg === null ? null : round(f.ratingAvg, 2),
    ratings: f.ratings,
  };
}

/** A share in percent with one decimal, or null when there is nothing to divide by. */
function share(part: number, whole: number): number | null {
  return whole === 0 ? null : round((100 * part) / whole, 1);
}

/** Milliseconds as seconds with one decimal: what a person compares, and stable in a CSV. */
function seconds(ms: number | null): number | null {
  return ms === null ? null : round(ms / 1000, 1);
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
