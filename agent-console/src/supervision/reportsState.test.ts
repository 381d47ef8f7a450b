/**
 * The report screen without rendering: the first load takes the server's
 * range, later loads send the chosen one, the CSV link follows what is shown,
 * and the per-day chart adds queues up the way the service level is defined.
 */
import { describe, expect, it } from 'vitest';
import type { DailyReport, DailyReportQuery, DailyReportRow } from '@citizen/protocol';
import { ApiError } from '../api';
import { createReportsState, dailyChart } from './reportsState';

const row = (day: string, queueId: string | null, over: Partial<DailyReportRow> = {}): DailyReportRow => ({
  day,
  queueId,
  queueName: queueId ?? '(no queue recorded)',
  contacts: 0,
  answered: 0,
  abandoned: 0,
  abandonedPercent: null,
  waitAvgSeconds: null,
  waitP90Seconds: null,
  serviceLevelTarget: queueId ? { percent: 80, withinSeconds: 120 } : null,
  answeredWithinTarget: 0,
  serviceLevelCounted: 0,
  serviceLevelPercent: null,
  handleAvgSeconds: null,
  ratingAvg: null,
  ratings: 0,
  ...over,
});
const report = (q: DailyReportQuery, rows: DailyReportRow[] = []): DailyReport => ({
  from: q.from ?? '2025-03-25',
  to: q.to ?? '2025-03-31',
  timeZone: 'Europe/Copenhagen',
  queue: q.queue || null,
  queues: [
    { id: 'passports', name: 'Passports and ID', serviceLevel: { percent: 80, withinSeconds: 120 } },
    { id: 'general', name: 'Citizen service', serviceLevel: { percent: 80, withinSeconds: 60 } },
  ],
  rows,
});

describe('reports state', () => {
  it('loads the server’s default range first, then the chosen range and queue', async () => {
    const asked: DailyReportQuery[] = [];
    const s = createReportsState({ dailyReport: async (q) => (asked.push(q), report(q)) });
    expect(s.csvUrl.value).toBeNull();
    await s.load();
    expect([s.from.value, s.to.value]).toEqual(['2025-03-25', '2025-03-31']);
    expect(s.csvUrl.value).toBe('/api/reports/daily.csv?from=2025-03-25&to=2025-03-31');
    s.from.value = '2025-03-01';
    s.queue.value = 'general';
    // The link stays on the report shown until the new one is loaded.
    expect(s.csvUrl.value).toBe('/api/reports/daily.csv?from=2025-03-25&to=2025-03-31');
    await s.load();
    expect(asked).toEqual([{}, { from: '2025-03-01', to: '2025-03-31', queue: 'general' }]);
    expect(s.csvUrl.value).toBe('/api/reports/daily.csv?from=2025-03-01&to=2025-03-31&queue=general');
  });

  it('shows only the newest answer, and what a refused range means', async () => {
    const answers: ((r: DailyReport) => void)[] = [];
    const s = createReportsState({ dailyReport: (q) => new Promise<DailyReport>((r) => answers.push(() => r(report(q)))) });
    s.from.value = '2025-01-01';
    s.to.value = '2025-01-31';
    const first = s.load();
    s.to.value = '2025-01-07';
    const second = s.load();
    answers[1]!(report({}));
    await second;
    answers[0]!(report({}));
    await first;
    expect(s.report.value?.to).toBe('2025-01-07');
    expect(s.loading.value).toBe(false);

    const refused = createReportsState({ dailyReport: async () => Promise.reject(new ApiError(400, 'REPORT_RANGE_INVALID', 'the range spans 400 days; at most 366')) });
    await refused.load();
    expect(refused.error.value).toBe('Choose an end date on or after the start date, within the longest range allowed. (the range spans 400 days; at most 366)');
    expect(refused.report.value).toBeNull();
  });

  it('charts calls per day over the queues shown, and the service level over all that counts', () => {
    const chart = dailyChart(
      report({}, [
        row('2025-03-30', 'passports', { contacts: 4, answeredWithinTarget: 3, serviceLevelCounted: 4 }),
        row('2025-03-30', 'general', { contacts: 2, answeredWithinTarget: 0, serviceLevelCounted: 1 }),
        row('2025-03-30', null, { contacts: 5 }), // counts as calls; has no target to count against
        row('2025-03-31', 'passports'),
        row('2025-03-31', 'general'),
      ]),
    );
    expect(chart).toEqual({
      days: [Date.parse('2025-03-30T00:00:00Z') / 1000, Date.parse('2025-03-31T00:00:00Z') / 1000],
      labels: ['2025-03-30', '2025-03-31'],
      calls: [11, 0],
      serviceLevel: [60, null], // 3 of 5
      target: 80,
    });
    const mixed = dailyChart(report({}, [row('2025-03-30', 'passports'), row('2025-03-30', 'general', { serviceLevelTarget: { percent: 70, withinSeconds: 60 } })]));
    expect(mixed.target).toBeNull();
  });
});
