/**
 * What supervisors watch and count: the live view of queues, agents and
 * kiosks (the call service's own view, read over REST so the console can
 * poll it without a signalling socket of its own), and the daily report of
 * contacts per queue, as JSON and as a CSV download. Supervisors only:
 * administrators manage accounts, and technicians look after kiosks.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DailyReport, DailyReportQuery, LiveView, type Role } from '@citizen/protocol';
import type { Store } from '../store/Store';
import { checkTimeZone } from './days';
import { dailyReport, type ReportQueue } from './dailyReport';
import { dailyReportCsv, dailyReportFilename } from './csv';

export interface SupervisionPluginOptions {
  store: Store;
  /** `routing.queues`: names and service-level targets. */
  queues: readonly ReportQueue[];
  /** `reports.timeZone`. */
  timeZone: string;
  /** `reports.maxRangeDays`. */
  maxRangeDays: number;
  /** Clock, for tests with fixed dates ("today" of a report without a range). */
  now?: () => Date;
}

const SUPERVISORS: readonly Role[] = ['supervisor'];

export function validateSupervisionOptions(opts: SupervisionPluginOptions): void {
  if (!opts || typeof opts !== 'object') throw new TypeError('supervision plugin: options are required');
  if (!opts.store) throw new TypeError('supervision plugin: store is required');
  if (!Array.isArray(opts.queues)) throw new TypeError('supervision plugin: queues (routing.queues) are required');
  try {
    checkTimeZone(opts.timeZone);
  } catch {
    throw new TypeError(`reports.timeZone: not an IANA time zone: ${JSON.stringify(opts.timeZone)}`);
  }
  if (!Number.isInteger(opts.maxRangeDays) || opts.maxRangeDays < 1) {
    throw new TypeError(`reports.maxRangeDays: expected a positive integer, got ${JSON.stringify(opts.maxRangeDays)}`);
  }
}

export async function supervisionPlugin(app: FastifyInstance, opts: SupervisionPluginOptions): Promise<void> {
  validateSupervisionOptions(opts);
  if (!app.hasDecorator('calls')) throw new TypeError('supervision plugin: register the calls plugin before it (the live view is the call service’s)');
  const now = opts.now ?? (() => new Date());

  app.get(
    '/api/supervision/live',
    {
      config: { auth: { roles: SUPERVISORS } },
      schema: { tags: ['supervision'], summary: 'Queues, agents by presence and kiosks online, now (the console polls it every 2 s)', response: { 200: LiveView } },
    },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      // The call service's own clock: its waits are measured against it.
      return app.calls.liveView();
    },
  );

  app.get<{ Querystring: DailyReportQuery }>(
    '/api/reports/daily',
    {
      config: { auth: { roles: SUPERVISORS } },
      schema: {
        tags: ['supervision'],
        summary: 'Contacts per day (in reports.timeZone) and queue: answered, abandoned, waits, service level, handle time, ratings',
        querystring: DailyReportQuery,
        response: { 200: DailyReport },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return dailyReport(request.query, now(), opts);
    },
  );

  app.get<{ Querystring: DailyReportQuery }>(
    '/api/reports/daily.csv',
    {
      config: { auth: { roles: SUPERVISORS } },
      schema: {
        tags: ['supervision'],
        summary: 'The daily report as CSV (RFC 4180, header row), as a download',
        querystring: DailyReportQuery,
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'text/csv' }) },
      },
    },
    async (request, reply) => {
      const report = await dailyReport(request.query, now(), opts);
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="${dailyReportFilename(report)}"`)
        .header('cache-control', 'no-store')
        .send(dailyReportCsv(report));
    },
  );
}
