/**
 * The daily report as CSV (RFC 4180): a header row, CRLF after every record,
 * fields quoted when they hold a comma, a double quote, CR or LF, with double
 * quotes doubled inside. Numbers are written as JSON writes them (a point for
 * the decimal separator, whatever the reader's locale); a figure that does not
 * apply (null) is an empty field.
 */
import { DAILY_REPORT_CSV_COLUMNS, type DailyReport, type DailyReportRow } from '@citizen/protocol';

type Column = (typeof DAILY_REPORT_CSV_COLUMNS)[number];

// Typed by the protocol's column list: a column added there without a value here does not compile.
const VALUE: Record<Column, (r: DailyReportRow) => string | number | null> = {
  day: (r) => r.day,
  queue_id: (r) => r.queueId,
  queue_name: (r) => r.queueName,
  contacts: (r) => r.contacts,
  answered: (r) => r.answered,
  abandoned: (r) => r.abandoned,
  abandoned_percent: (r) => r.abandonedPercent,
  wait_avg_seconds: (r) => r.waitAvgSeconds,
  wait_p90_seconds: (r) => r.waitP90Seconds,
  service_level_target_percent: (r) => r.serviceLevelTarget?.percent ?? null,
  service_level_within_seconds: (r) => r.serviceLevelTarget?.withinSeconds ?? null,
  answered_within_target: (r) => r.answeredWithinTarget,
  service_level_counted: (r) => r.serviceLevelCounted,
  service_level_percent: (r) => r.serviceLevelPercent,
  handle_avg_seconds: (r) => r.handleAvgSeconds,
  rating_avg: (r) => r.ratingAvg,
  ratings: (r) => r.ratings,
};

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function dailyReportCsv(report: DailyReport): string {
  const lines = [DAILY_REPORT_CSV_COLUMNS.join(',')];
  for (const row of report.rows) lines.push(DAILY_REPORT_CSV_COLUMNS.map((c) => csvField(VALUE[c](row))).join(','));
  return lines.map((l) => `${l}\r\n`).join('');
}

/** `contacts-2025-03-01-to-2025-03-31.csv`, with the queue when the report is limited to one (ids are [a-z0-9-], safe in a header). */
export function dailyReportFilename(report: Pick<DailyReport, 'from' | 'to' | 'queue'>): string {
  return `contacts-${report.queue ? `${report.queue}-` : ''}${report.from}-to-${report.to}.csv`;
}
