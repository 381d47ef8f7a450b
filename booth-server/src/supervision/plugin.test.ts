/**
 * The supervision routes in the real app: the live view with a resident
 * waiting, the daily report as JSON and as a CSV download, and how ranges and
 * parameters are checked. Who may call them is in auth/authorization.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskId, userId, type DailyReport, type ErrorBody, type LiveView } from '@citizen/protocol';
import { createTestApp, kioskClient, next, signIn, type TestApp } from '../testing';
import { dayOf } from './days';
import { validateSupervisionOptions } from './plugin';

let t: TestApp;
let url: string;
let supervisor: string;
let agent: string;

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 53000;
    c.sfu.rtcMaxPort = 53099;
    // A name that needs quoting in CSV.
    c.routing.queues[1]!.name = 'Citizen service, "general"';
  });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  supervisor = await signIn(t.app, 'sara', 'demo-supervisor');
  agent = await signIn(t.app, 'anna', 'demo-agent');

  // Two contacts on 2025-03-30 (Copenhagen), one answered within the target and rated, one who gave up after it.
  const kiosk = kioskId('k-demo-central-1');
  const anna = userId((await t.store.findUserByUsername('anna'))!.id);
  const at = (iso: string): Date => new Date(iso);
  await t.store.createInquiry({ id: 'rep-1', reference: 'BS-0000-0001', kioskId: kiosk, language: 'da', topic: 'passport', answers: {}, status: 'queued', createdAt: at('2025-03-30T08:00:00Z'), queueId: 'passports' });
  await t.store.updateInquiry('rep-1', { status: 'in-call', agentId: anna, answeredAt: at('2025-03-30T08:00:40Z') });
  await t.store.updateInquiry('rep-1', { status: 'ended', endReason: 'hangup-agent', endedAt: at('2025-03-30T08:05:40Z') });
  expect(await t.store.rateInquiry('rep-1', kiosk, 5)).toBe(true);
  await t.store.createInquiry({ id: 'rep-2', reference: 'BS-0000-0002', kioskId: kiosk, language: 'da', topic: null, answers: {}, status: 'queued', createdAt: at('2025-03-30T09:00:00Z'), queueId: 'general' });
  await t.store.updateInquiry('rep-2', { status: 'abandoned', endReason: 'left-queue', endedAt: at('2025-03-30T09:03:00Z') });
});
afterAll(async () => {
  await t?.app.close();
});

const get = (path: string, cookie = supervisor) => t.app.inject({ method: 'GET', url: path, headers: { cookie } });

describe('live view', () => {
  it('shows a supervisor the resident waiting in their queue, with no agent free', async () => {
    const k = kioskClient(url, t.credentialFile);
    try {
      await next(k as never, 'session');
      await k.request('requestCall', { language: 'uk', topic: 'passport' });
      const res = await get('/api/supervision/live');
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const view = res.json() as LiveView;
      expect(view.queues.find((q) => q.id === 'passports')).toMatchObject({ waiting: 1, open: true, serviceLevel: { percent: 80, withinSeconds: 120 } });
      expect(view.queues.find((q) => q.id === 'general')).toMatchObject({ waiting: 0 });
      expect(view.kiosks).toEqual([expect.objectContaining({ kioskId: 'k-demo-central-1', state: 'waiting' })]);
      expect(view.agents).toEqual([]);
    } finally {
      k.close();
    }
  });

  it('is for supervisors only', async () => {
    expect((await get('/api/supervision/live', agent)).json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
  });
});

describe('daily report', () => {
  it('answers the figures of a range as JSON', async () => {
    const res = await get('/api/reports/daily?from=2025-03-30&to=2025-03-30');
    expect(res.statusCode).toBe(200);
    const report = res.json() as DailyReport;
    expect(report).toMatchObject({ from: '2025-03-30', to: '2025-03-30', timeZone: 'Europe/Copenhagen', queue: null });
    expect(report.queues.map((q) => q.id)).toEqual(['passports', 'general']);
    expect(report.rows).toEqual([
      expect.objectContaining({ queueId: 'passports', contacts: 1, answered: 1, abandoned: 0, waitAvgSeconds: 40, waitP90Seconds: 40, serviceLevelPercent: 100, handleAvgSeconds: 300, ratingAvg: 5, ratings: 1 }),
      expect.objectContaining({ queueId: 'general', queueName: 'Citizen service, "general"', contacts: 1, answered: 0, abandoned: 1, abandonedPercent: 100, serviceLevelCounted: 1, serviceLevelPercent: 0 }),
    ]);
    const one = (await get('/api/reports/daily?from=2025-03-30&to=2025-03-30&queue=general')).json() as DailyReport;
    expect(one.rows.map((r) => r.queueId)).toEqual(['general']);
  });

  it('covers the last 7 days up to today without a range', async () => {
    const report = (await get('/api/reports/daily')).json() as DailyReport;
    expect(report.to).toBe(dayOf(new Date(), 'Europe/Copenhagen'));
    expect(report.rows).toHaveLength(14);
  });

  it('downloads the same rows as CSV with a header row and a file name', async () => {
    const res = await get('/api/reports/daily.csv?from=2025-03-30&to=2025-03-31&queue=');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers['content-disposition']).toBe('attachment; filename="contacts-2025-03-30-to-2025-03-31.csv"');
    const lines = res.body.split('\r\n');
    expect(lines[0]).toMatch(/^day,queue_id,queue_name,contacts,answered,abandoned,/);
    expect(lines.slice(1)).toEqual([
      '2025-03-30,passports,Passports and ID,1,1,0,0,40,40,80,120,1,1,100,300,5,1',
      '2025-03-30,general,"Citizen service, ""general""",1,0,1,100,,,80,120,0,1,0,,,0',
      '2025-03-31,passports,Passports and ID,0,0,0,,,,80,120,0,0,,,,0',
      '2025-03-31,general,"Citizen service, ""general""",0,0,0,,,,80,120,0,0,,,,0',
      '',
    ]);
    const one = await get('/api/reports/daily.csv?from=2025-03-30&to=2025-03-30&queue=passports');
    expect(one.headers['content-disposition']).toBe('attachment; filename="contacts-passports-2025-03-30-to-2025-03-30.csv"');
  });

  it('refuses bad ranges and parameters with coded errors, on both routes', async () => {
    const cases: [string, string][] = [
      ['from=2025-02-30&to=2025-03-01', 'REPORT_DATE_INVALID'],
      ['from=2025-03-02&to=2025-03-01', 'REPORT_RANGE_INVALID'],
      ['from=2024-01-01&to=2025-01-01', 'REPORT_RANGE_INVALID'],
      ['from=2025-03-01', 'REPORT_RANGE_INVALID'],
      ['from=2025-03-01&to=2025-03-01&queue=nope', 'QUEUE_UNKNOWN'],
      ['from=1.3.2025&to=2025-03-01', 'BAD_REQUEST'],
      ['from=2025-03-01&to=2025-03-01&queue=Not%20an%20id', 'BAD_REQUEST'],
      ['from=2025-03-01&to=2025-03-01&limit=5', 'BAD_REQUEST'],
    ];
    for (const path of ['/api/reports/daily', '/api/reports/daily.csv']) {
      for (const [query, code] of cases) {
        const res = await get(`${path}?${query}`);
        const body = res.json() as ErrorBody;
        expect([path, query, res.statusCode, body.code]).toEqual([path, query, 400, code]);
        expect(body.fix).toBeTruthy();
      }
    }
  });

  it('is for supervisors only', async () => {
    expect((await get('/api/reports/daily', agent)).statusCode).toBe(403);
    expect((await get('/api/reports/daily.csv', agent)).statusCode).toBe(403);
  });
});

describe('options', () => {
  it('refuses to start with a time zone Intl does not know or a range limit below a day', () => {
    const ok = { store: t.store, queues: [], timeZone: 'Europe/Copenhagen', maxRangeDays: 366 };
    expect(() => validateSupervisionOptions(ok)).not.toThrow();
    expect(() => validateSupervisionOptions({ ...ok, timeZone: 'Europe/Aarhus' })).toThrow('reports.timeZone: not an IANA time zone: "Europe/Aarhus"');
    expect(() => validateSupervisionOptions({ ...ok, maxRangeDays: 0 })).toThrow('reports.maxRangeDays: expected a positive integer, got 0');
  });
});
