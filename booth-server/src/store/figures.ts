/**
 * The figures both stores assemble the same way from rows their SQL read:
 * the daily contact figures (a report's rows) and response times per topic.
 * The SQL differs by dialect; what is made of its rows does not.
 */
import type { DailyContactFigures, TopicResponseTimes } from './Store';
import { quantile } from '../util/quantile';

/** One day and queue of the daily report, as the stores' SQL reads it. */
export interface DailyFiguresRow {
  day: string;
  queue_id: string | null;
  /** The queue's service-level target (ms), null when it has none. */
  within_ms: number | null;
  contacts: number;
  answered: number;
  abandoned: number;
  wait_avg_ms: number | null;
  answered_within: number;
  abandoned_after: number;
  handle_avg_ms: number | null;
  rating_avg: number | null;
  ratings: number;
}

/** Groups sorted values by a key, keeping their order. */
function groupSorted<R, K>(rows: readonly R[], key: (r: R) => K, value: (r: R) => number): Map<K, number[]> {
  const out = new Map<K, number[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(value(r));
    else out.set(k, [value(r)]);
  }
  return out;
}

/** `waits`: each answered contact's wait, sorted by day, queue and wait (for the 90th percentile). */
export function dailyFigures(groups: readonly DailyFiguresRow[], waits: readonly { day: string; queue_id: string | null; ms: number }[]): DailyContactFigures[] {
  const waitsOf = groupSorted(waits, (w) => `${w.day} ${w.queue_id ?? ''}`, (w) => w.ms);
  return groups.map((g) => {
    const sorted = waitsOf.get(`${g.day} ${g.queue_id ?? ''}`) ?? [];
    const known = g.within_ms !== null;
    return {
      day: g.day,
      queueId: g.queue_id,
      contacts: g.contacts,
      answered: g.answered,
      abandoned: g.abandoned,
      waitAvgMs: g.wait_avg_ms,
      waitP90Ms: sorted.length > 0 ? quantile(sorted, 0.9) : null,
      answeredWithinTarget: known ? g.answered_within : null,
      serviceLevelCounted: known ? g.answered + g.abandoned_after : null,
      handleAvgMs: g.handle_avg_ms,
      ratingAvg: g.rating_avg,
      ratings: g.ratings,
    };
  });
}

/** `rows`: resolved cases' response times, sorted by topic and time. */
export function responseTimesByTopic(rows: readonly { topic: string | null; ms: number }[]): TopicResponseTimes[] {
  return [...groupSorted(rows, (r) => r.topic, (r) => r.ms)].map(([topic, ms]) => ({ topic, resolvedCount: ms.length, medianMs: quantile(ms, 0.5), p90Ms: quantile(ms, 0.9) }));
}
