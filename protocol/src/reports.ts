/**
 * Supervisors' reports: contact figures per day and queue. One schema per
 * request and answer; the CSV download carries the same rows as the JSON.
 *
 * Days are calendar days in the report's time zone (`reports.timeZone`), so a
 * day of a daylight-saving change is 23 or 25 hours long.
 */
import { Type, type Static } from '@sinclair/typebox';

/** A calendar date as people write it in ISO 8601: 2025-03-30. The server also checks that the date exists. */
export const ReportDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, a day in the report time zone' });

/** Queue ids as `routing.queues[].id` spells them. */
const QueueId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,40}$' });

export const DailyReportQuery = Type.Object(
  {
    from: Type.Optional(ReportDate),
    to: Type.Optional(ReportDate),
    queue: Type.Optional(Type.Union([Type.Literal(''), QueueId], { description: 'One queue; empty or absent: every queue' })),
  },
  { additionalProperties: false, description: 'Without from and to: the last 7 days up to today (in the report time zone)' },
);
export type DailyReportQuery = Static<typeof DailyReportQuery>;

const Count = Type.Integer({ minimum: 0 });
const Seconds = Type.Union([Type.Null(), Type.Number({ minimum: 0 })]);
const Percent = Type.Union([Type.Null(), Type.Number({ minimum: 0, maximum: 100 })]);

export const ServiceLevelTarget = Type.Object({ percent: Type.Integer({ minimum: 1, maximum: 100 }), withinSeconds: Type.Integer({ minimum: 1 }) });
export type ServiceLevelTarget = Static<typeof ServiceLevelTarget>;

/** The figures of one queue on one day. Averages and shares are null when nothing counts towards them. */
export const DailyReportRow = Type.Object({
  day: ReportDate,
  /** null: contacts recorded before queues were (store migration 7), or in a queue no longer configured is named by its id. */
  queueId: Type.Union([Type.Null(), Type.String()]),
  queueName: Type.String(),
  /** Residents who asked to talk to a person. */
  contacts: Count,
  /** An agent answered. */
  answered: Count,
  /** Left before an agent answered (not counting contacts the server itself closed: shutdown, interrupted). */
  abandoned: Count,
  /** abandoned / contacts. */
  abandonedPercent: Percent,
  /** answered − created, over the answered contacts. */
  waitAvgSeconds: Seconds,
  waitP90Seconds: Seconds,
  /** The queue's configured target; null for a queue that is not configured. */
  serviceLevelTarget: Type.Union([Type.Null(), ServiceLevelTarget]),
  /** Answered within the target's time. */
  answeredWithinTarget: Count,
  /** What the service level is counted over: answered, plus abandoned after the target's time. */
  serviceLevelCounted: Count,
  /** answeredWithinTarget / serviceLevelCounted. */
  serviceLevelPercent: Percent,
  /** ended − answered, over the answered contacts that have ended. */
  handleAvgSeconds: Seconds,
  ratingAvg: Type.Union([Type.Null(), Type.Number({ minimum: 1, maximum: 5 })]),
  ratings: Count,
});
export type DailyReportRow = Static<typeof DailyReportRow>;

export const DailyReport = Type.Object({
  from: ReportDate,
  to: ReportDate,
  timeZone: Type.String(),
  /** The queue the report is limited to, or null for every queue. */
  queue: Type.Union([Type.Null(), Type.String()]),
  /** Every configured queue (for filters and legends), whatever the report is limited to. */
  queues: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), serviceLevel: ServiceLevelTarget })),
  /**
   * By day, then queue: one row per day for each configured queue in the
   * report (zeros on a day without contacts), plus rows for contacts of
   * unconfigured or unrecorded queues on the days they have any.
   */
  rows: Type.Array(DailyReportRow),
});
export type DailyReport = Static<typeof DailyReport>;

/** Columns of the CSV download, in order (snake_case, as spreadsheets and databases take them). */
export const DAILY_REPORT_CSV_COLUMNS = [
  'day',
  'queue_id',
  'queue_name',
  'contacts',
  'answered',
  'abandoned',
  'abandoned_percent',
  'wait_avg_seconds',
  'wait_p90_seconds',
  'service_level_target_percent',
  'service_level_within_seconds',
  'answered_within_target',
  'service_level_counted',
  'service_level_percent',
  'handle_avg_seconds',
  'rating_avg',
  'ratings',
] as const;
