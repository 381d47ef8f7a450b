/**
 * The daily report screen as signals: the chosen range and queue, the report
 * the server answered, the per-day chart of calls and service level, and the
 * CSV link for exactly what the table shows. No rendering here.
 *
 * The first load sends no range: the server answers its last 7 days in the
 * report time zone, and the date fields take that range, so "today" is the
 * municipality's, not the browser's.
 */
import { computed, signal } from '@preact/signals';
import type { DailyReport, DailyReportQuery } from '@citizen/protocol';
import { ApiError, dailyReportCsvUrl, type Api } from '../api';

/** What the screen says for each error the report answers (the server's message adds the detail). */
const MESSAGES: Record<string, string> = {
  REPORT_DATE_INVALID: 'Enter both dates as calendar dates.',
  REPORT_RANGE_INVALID: 'Choose an end date on or after the start date, within the longest range allowed.',
  QUEUE_UNKNOWN: 'That queue does not exist any more; choose another.',
  BAD_REQUEST: 'Enter both dates as YYYY-MM-DD.',
  FORBIDDEN: 'Only supervisors see reports.',
  UNAUTHENTICATED: 'Your session ended. Sign in again.',
};

/** Per day over the queues shown: calls, and the service level of them all (answered within target over what counts). */
export interface DailyChart {
  /** Seconds of each day's UTC midnight: a position on the x axis, labelled with the date. */
  days: number[];
  labels: string[];
  calls: number[];
  serviceLevel: (number | null)[];
  /** The target when the queues shown share one; null when they differ. */
  target: number | null;
}

export function createReportsState(api: Pick<Api, 'dailyReport'>) {
  const from = signal('');
  const to = signal('');
  /** '' = every queue. */
  const queue = signal('');
  const report = signal<DailyReport | null>(null);
  const error = signal<string | null>(null);
  const loading = signal(false);
  let latest = 0;

  async function load(): Promise<void> {
    const query: DailyReportQuery = {};
    if (from.value) query.from = from.value;
    if (to.value) query.to = to.value;
    if (queue.value) query.queue = queue.value;
    // Only the newest request's answer is shown, whatever order answers come in.
    const mine = ++latest;
    loading.value = true;
    try {
      const r = await api.dailyReport(query);
      if (mine !== latest) return;
      report.value = r;
      error.value = null;
      from.value = r.from;
      to.value = r.to;
    } catch (err) {
      if (mine !== latest) return;
      error.value = err instanceof ApiError ? `${MESSAGES[err.code] ?? 'The report could not be made.'} (${err.message})` : 'The server could not be reached.';
    } finally {
      if (mine === latest) loading.value = false;
    }
  }

  /** The CSV of the report on screen (not of fields edited since). */
  const csvUrl = computed(() => {
    const r = report.value;
    return r ? dailyReportCsvUrl({ from: r.from, to: r.to, ...(r.queue ? { queue: r.queue } : {}) }) : null;
  });

  const chart = computed((): DailyChart | null => (report.value ? dailyChart(report.value) : null));

  return { from, to, queue, report, error, loading, load, csvUrl, chart };
}
export type ReportsState = ReturnType<typeof createReportsState>;

export function dailyChart(r: DailyReport): DailyChart {
  const byDay = new Map<string, { calls: number; within: number; counted: number }>();
  const targets = new Set<number>();
  for (const row of r.rows) {
    const d = byDay.get(row.day) ?? { calls: 0, within: 0, counted: 0 };
    d.calls += row.contacts;
    // Queues without a target (no longer configured) have no service level to add.
    if (row.serviceLevelTarget) {
      d.within += row.answeredWithinTarget;
      d.counted += row.serviceLevelCounted;
      targets.add(row.serviceLevelTarget.percent);
    }
    byDay.set(row.day, d);
  }
  const days = [...byDay];
  return {
    days: days.map(([day]) => Date.parse(`${day}T00:00:00Z`) / 1000),
    labels: days.map(([day]) => day),
    calls: days.map(([, d]) => d.calls),
    serviceLevel: days.map(([, d]) => (d.counted === 0 ? null : Math.round((1000 * d.within) / d.counted) / 10)),
    target: targets.size === 1 ? ([...targets][0] ?? null) : null,
  };
}
