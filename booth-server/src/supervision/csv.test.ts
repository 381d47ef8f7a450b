import { describe, expect, it } from 'vitest';
import { DAILY_REPORT_CSV_COLUMNS, type DailyReport, type DailyReportRow } from '@citizen/protocol';
import { csvField, dailyReportCsv, dailyReportFilename } from './csv';

const row = (over: Partial<DailyReportRow> = {}): DailyReportRow => ({
  day: '2025-03-30',
  queueId: 'general',
  queueName: 'Citizen service',
  contacts: 4,
  answered: 3,
  abandoned: 1,
  abandonedPercent: 25,
  waitAvgSeconds: 42.5,
  waitP90Seconds: 80.1,
  serviceLevelTarget: { percent: 80, withinSeconds: 120 },
  answeredWithinTarget: 3,
  serviceLevelCounted: 3,
  serviceLevelPercent: 100,
  handleAvgSeconds: 301.2,
  ratingAvg: 4.33,
  ratings: 3,
  ...over,
});
const report = (rows: DailyReportRow[], queue: string | null = null): DailyReport => ({ from: '2025-03-30', to: '2025-03-31', timeZone: 'Europe/Copenhagen', queue, queues: [], rows });

describe('daily report as CSV (RFC 4180)', () => {
  it('quotes only fields that need it, doubling quotes inside', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(null)).toBe('');
    expect(csvField('Borgerservice, Dokk1')).toBe('"Borgerservice, Dokk1"');
    expect(csvField('the "general" queue')).toBe('"the ""general"" queue"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('Æblegade ø')).toBe('Æblegade ø');
  });

  it('writes a header row and one record per row, each ended by CRLF; missing figures are empty fields', () => {
    const csv = dailyReportCsv(
      report([
        row(),
        row({ day: '2025-03-31', queueId: null, queueName: '(no queue recorded)', contacts: 1, answered: 0, waitAvgSeconds: null, waitP90Seconds: null, serviceLevelTarget: null, serviceLevelPercent: null, handleAvgSeconds: null, ratingAvg: null, ratings: 0, answeredWithinTarget: 0, serviceLevelCounted: 0, abandonedPercent: 100 }),
        row({ queueName: 'Pas, ID og "kørekort"' }),
      ]),
    );
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.split('\r\n');
    expect(lines).toEqual([
      'day,queue_id,queue_name,contacts,answered,abandoned,abandoned_percent,wait_avg_seconds,wait_p90_seconds,service_level_target_percent,service_level_within_seconds,answered_within_target,service_level_counted,service_level_percent,handle_avg_seconds,rating_avg,ratings',
      '2025-03-30,general,Citizen service,4,3,1,25,42.5,80.1,80,120,3,3,100,301.2,4.33,3',
      '2025-03-31,,(no queue recorded),1,0,1,100,,,,,0,0,,,,0',
      '2025-03-30,general,"Pas, ID og ""kørekort""",4,3,1,25,42.5,80.1,80,120,3,3,100,301.2,4.33,3',
      '',
    ]);
    expect(lines[0]!.split(',')).toEqual([...DAILY_REPORT_CSV_COLUMNS]);
  });

  it('writes only the header for a report without rows', () => {
    expect(dailyReportCsv(report([]))).toBe(`${DAILY_REPORT_CSV_COLUMNS.join(',')}\r\n`);
  });

  it('names the file after the range and the queue', () => {
    expect(dailyReportFilename(report([]))).toBe('contacts-2025-03-30-to-2025-03-31.csv');
    expect(dailyReportFilename(report([], 'passports'))).toBe('contacts-passports-2025-03-30-to-2025-03-31.csv');
  });
});
