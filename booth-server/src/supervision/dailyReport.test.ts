/**
 * The daily report on fixed contacts with answers worked out by hand: what
 * counts as answered and abandoned, waits (mean and 90th percentile), the
 * service level, handle time and ratings, and which day a contact falls on
 * around the clock changes in Copenhagen (days of 23 and 25 hours).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { kioskId, userId } from '@citizen/protocol';
import { SqliteStore } from '../store/SqliteStore';
import { BoothError } from '../errors';
import { dailyReport, reportRange, type DailyReportOptions } from './dailyReport';

const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const anna = { id: userId('u-00000000000000a1'), username: 'anna', displayName: 'Anna', role: 'agent' as const, skills: { languages: {}, topics: {} }, passwordHash: 'x' };
const kiosk = { id: kioskId('k-test-1'), name: 'Test', location: 'Library', languages: ['da'], credentialHash: 'h', publicKey: null, revokedAt: null, enrolledAt: new Date('2025-01-01T00:00:00Z'), lastSeenAt: null };
const QUEUES = [
  { id: 'passports', name: 'Passports and ID', serviceLevel: { percent: 80, withinSeconds: 120 } },
  { id: 'general', name: 'Citizen service', serviceLevel: { percent: 70, withinSeconds: 60 } },
];

interface Contact {
  at: string;
  queue?: string;
  /** Seconds from creation until an agent answered. */
  answer?: number;
  /** Seconds from answer (or, unanswered, from creation) until the end; absent: still going. */
  end?: number;
  endReason?: string;
  rating?: number;
}

async function storeWith(contacts: Contact[]): Promise<SqliteStore> {
  const s = new SqliteStore(':memory:');
  stores.push(s);
  await s.createKiosk(kiosk);
  await s.createUser(anna);
  let n = 0;
  for (const c of contacts) {
    const id = `c${++n}`;
    const createdAt = new Date(c.at);
    await s.createInquiry({ id, reference: `BS-0000-${String(n).padStart(4, '0')}`, kioskId: kiosk.id, language: 'da', topic: null, answers: {}, status: 'queued', createdAt, ...(c.queue ? { queueId: c.queue } : {}) });
    const at = (seconds: number, from = createdAt): Date => new Date(from.getTime() + seconds * 1000);
    if (c.answer !== undefined) {
      const answeredAt = at(c.answer);
      await s.updateInquiry(id, { status: 'in-call', agentId: anna.id, answeredAt });
      if (c.end !== undefined) await s.updateInquiry(id, { status: 'ended', endReason: c.endReason ?? 'hangup-agent', endedAt: at(c.end, answeredAt) });
      if (c.rating !== undefined) expect(await s.rateInquiry(id, kiosk.id, c.rating)).toBe(true);
    } else if (c.end !== undefined) {
      await s.updateInquiry(id, { status: 'abandoned', endReason: c.endReason ?? 'left-queue', endedAt: at(c.end) });
    }
  }
  return s;
}

const options = (store: SqliteStore, over: Partial<DailyReportOptions> = {}): DailyReportOptions => ({ store, queues: QUEUES, timeZone: 'Europe/Copenhagen', maxRangeDays: 366, ...over });
const TODAY = new Date('2025-04-02T10:00:00Z');

describe('daily report', () => {
  it('counts a spring-forward day (23 h) by queue, with figures worked out by hand', async () => {
    // 2025-03-30 in Copenhagen runs from 2025-03-29T23:00Z to 2025-03-30T22:00Z.
    const store = await storeWith([
      { at: '2025-03-29T22:59:59Z', queue: 'passports', answer: 5, end: 5 }, // 23:59:59 on the 29th: outside the range
      { at: '2025-03-29T23:00:00Z', queue: 'passports', answer: 30, end: 300, rating: 5 }, // 00:00 on the 30th
      { at: '2025-03-30T21:59:59Z', queue: 'passports', answer: 150, end: 600, rating: 3 }, // 23:59:59 CEST on the 30th
      { at: '2025-03-30T08:00:00Z', queue: 'passports', end: 200 }, // gave up after the target's 120 s: counts against it
      { at: '2025-03-30T08:10:00Z', queue: 'passports', end: 60 }, // gave up before 120 s: abandoned, not counted against the target
      { at: '2025-03-30T08:20:00Z', queue: 'passports', end: 500, endReason: 'interrupted' }, // closed by the server at start-up: neither
      { at: '2025-03-30T09:00:00Z', queue: 'passports', answer: 90 }, // still in the call: a wait, no handle time
      { at: '2025-03-30T10:00:00Z', queue: 'general', answer: 60, end: 120, rating: 4 }, // exactly on general's 60 s: within
      { at: '2025-03-30T11:00:00Z', end: 30 }, // from before queues were recorded
      { at: '2025-03-30T12:00:00Z', queue: 'retired-queue', answer: 10, end: 10 },
      { at: '2025-03-30T22:00:00Z', queue: 'passports', answer: 10, end: 100 }, // 00:00 CEST on the 31st
    ]);
    const report = await dailyReport({ from: '2025-03-30', to: '2025-03-31' }, TODAY, options(store));
    expect(report).toMatchObject({ from: '2025-03-30', to: '2025-03-31', timeZone: 'Europe/Copenhagen', queue: null });
    expect(report.rows.map((r) => [r.day, r.queueId, r.contacts])).toEqual([
      ['2025-03-30', 'passports', 6],
      ['2025-03-30', 'general', 1],
      ['2025-03-30', 'retired-queue', 1],
      ['2025-03-30', null, 1],
      ['2025-03-31', 'passports', 1],
      ['2025-03-31', 'general', 0],
    ]);
    const [passports, general, retired, none, next, quiet] = report.rows;
    expect(passports).toEqual({
      day: '2025-03-30',
      queueId: 'passports',
      queueName: 'Passports and ID',
      contacts: 6,
      answered: 3,
      abandoned: 2,
      abandonedPercent: 33.3,
      waitAvgSeconds: 90, // (30 + 90 + 150) / 3
      waitP90Seconds: 138, // rank 1.8 of [30, 90, 150]: 90 + 0.8 × 60
      serviceLevelTarget: { percent: 80, withinSeconds: 120 },
      answeredWithinTarget: 2, // 30 s and 90 s
      serviceLevelCounted: 4, // 3 answered + the one who gave up after 120 s
      serviceLevelPercent: 50,
      handleAvgSeconds: 450, // (300 + 600) / 2; the call still going has none yet
      ratingAvg: 4,
      ratings: 2,
    });
    expect(general).toMatchObject({ contacts: 1, answered: 1, abandoned: 0, abandonedPercent: 0, waitAvgSeconds: 60, waitP90Seconds: 60, answeredWithinTarget: 1, serviceLevelCounted: 1, serviceLevelPercent: 100, handleAvgSeconds: 120, ratingAvg: 4, ratings: 1 });
    expect(retired).toMatchObject({ queueName: 'retired-queue', answered: 1, serviceLevelTarget: null, serviceLevelPercent: null });
    expect(none).toMatchObject({ queueName: '(no queue recorded)', contacts: 1, abandoned: 1, abandonedPercent: 100, waitAvgSeconds: null, serviceLevelPercent: null, handleAvgSeconds: null, ratingAvg: null });
    expect(next).toMatchObject({ contacts: 1, answered: 1, waitAvgSeconds: 10, handleAvgSeconds: 100, serviceLevelPercent: 100 });
    expect(quiet).toEqual({
      day: '2025-03-31', queueId: 'general', queueName: 'Citizen service', contacts: 0, answered: 0, abandoned: 0, abandonedPercent: null, waitAvgSeconds: null, waitP90Seconds: null,
      serviceLevelTarget: { percent: 70, withinSeconds: 60 }, answeredWithinTarget: 0, serviceLevelCounted: 0, serviceLevelPercent: null, handleAvgSeconds: null, ratingAvg: null, ratings: 0,
    });
  });

  it('counts the fall-back day (25 h) from local midnight to local midnight', async () => {
    // 2025-10-26 in Copenhagen runs from 2025-10-25T22:00Z (CEST) to 2025-10-26T23:00Z (CET).
    const store = await storeWith([
      { at: '2025-10-25T21:59:59Z', queue: 'general', end: 1 }, // 23:59:59 CEST on the 25th
      { at: '2025-10-25T22:00:00Z', queue: 'general', end: 1 }, // 00:00 on the 26th
      { at: '2025-10-26T00:30:00Z', queue: 'general', end: 1 }, // 02:30 CEST, the first time round
      { at: '2025-10-26T01:30:00Z', queue: 'general', end: 1 }, // 02:30 CET, the second time round
      { at: '2025-10-26T22:59:59Z', queue: 'general', end: 1 }, // 23:59:59 CET on the 26th (a fixed +2 h would call it the 27th)
      { at: '2025-10-26T23:00:00Z', queue: 'general', end: 1 }, // 00:00 on the 27th
    ]);
    const report = await dailyReport({ from: '2025-10-25', to: '2025-10-27', queue: 'general' }, TODAY, options(store));
    expect(report.rows.map((r) => [r.day, r.contacts, r.abandoned])).toEqual([
      ['2025-10-25', 1, 1],
      ['2025-10-26', 4, 4],
      ['2025-10-27', 1, 1],
    ]);
  });

  it('limits the report to one queue', async () => {
    const store = await storeWith([
      { at: '2025-03-30T10:00:00Z', queue: 'passports', answer: 10, end: 10 },
      { at: '2025-03-30T10:00:00Z', queue: 'general', answer: 10, end: 10 },
      { at: '2025-03-30T10:00:00Z', end: 10 },
    ]);
    const report = await dailyReport({ from: '2025-03-30', to: '2025-03-30', queue: 'general' }, TODAY, options(store));
    expect(report.queue).toBe('general');
    expect(report.queues.map((q) => q.id)).toEqual(['passports', 'general']);
    expect(report.rows.map((r) => [r.queueId, r.contacts])).toEqual([['general', 1]]);
    // An empty queue parameter is every queue (what the console's "all queues" sends).
    expect((await dailyReport({ from: '2025-03-30', to: '2025-03-30', queue: '' }, TODAY, options(store))).rows).toHaveLength(3);
  });

  it('covers the last 7 days up to today in the report time zone when no range is given', async () => {
    const store = await storeWith([]);
    // 23:30Z on 1 April is already 2 April in Copenhagen.
    const report = await dailyReport({}, new Date('2025-04-01T23:30:00Z'), options(store));
    expect([report.from, report.to]).toEqual(['2025-03-27', '2025-04-02']);
    expect(report.rows).toHaveLength(14);
    expect(reportRange({}, new Date('2025-04-01T23:30:00Z'), { timeZone: 'UTC', maxRangeDays: 3 })).toEqual(reportRange({ from: '2025-03-30', to: '2025-04-01' }, TODAY, { timeZone: 'UTC', maxRangeDays: 3 }));
  });

  it('refuses dates that do not exist, reversed or one-sided ranges, ranges over the limit, and unknown queues', async () => {
    const store = await storeWith([]);
    const code = async (q: Parameters<typeof dailyReport>[0], over: Partial<DailyReportOptions> = {}): Promise<string> =>
      dailyReport(q, TODAY, options(store, over)).then(
        () => 'through',
        (e: unknown) => (e instanceof BoothError ? e.code : String(e)),
      );
    expect(await code({ from: '2025-02-29', to: '2025-03-01' })).toBe('REPORT_DATE_INVALID');
    expect(await code({ from: '2025-03-01', to: '2025-04-31' })).toBe('REPORT_DATE_INVALID');
    expect(await code({ from: '2025-03-02', to: '2025-03-01' })).toBe('REPORT_RANGE_INVALID');
    expect(await code({ from: '2025-03-02' })).toBe('REPORT_RANGE_INVALID');
    expect(await code({ to: '2025-03-02' })).toBe('REPORT_RANGE_INVALID');
    expect(await code({ from: '2024-01-01', to: '2024-12-31' })).toBe('through'); // 366 days, a leap year
    expect(await code({ from: '2024-01-01', to: '2025-01-01' })).toBe('REPORT_RANGE_INVALID'); // 367
    expect(await code({ from: '2025-03-01', to: '2025-03-03' }, { maxRangeDays: 2 })).toBe('REPORT_RANGE_INVALID');
    expect(await code({ from: '2025-03-01', to: '2025-03-01', queue: 'nope' })).toBe('QUEUE_UNKNOWN');
  });
});
