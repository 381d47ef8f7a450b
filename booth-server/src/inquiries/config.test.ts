import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@citizen/config';
import { SqliteStore } from '../store/SqliteStore';
import { validateInquiriesOptions, type InquiriesPluginOptions } from './plugin';

const dir = mkdtempSync(join(tmpdir(), 'inquiries-config-'));
const store = new SqliteStore(':memory:');
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await store.close();
});

describe('inquiries configuration', () => {
  it('ships service standards, outcome codes and a lookup limit', () => {
    const c = loadConfig({ files: [], env: {} });
    expect(c.inquiries.serviceStandards.defaultResponseDays).toBeGreaterThan(0);
    expect(c.inquiries.outcomeCodes.length).toBeGreaterThan(0);
    expect(c.inquiries.statusLookupsPerMinute).toBeGreaterThan(0);
  });

  it('names every bad field', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        inquiries: {
          serviceStandards: { defaultResponseDays: 0, topics: { 'Not A Topic': { responseDays: 3 }, passport: { responseDays: 'ten' }, moving: { days: 3 } } },
          outcomeCodes: [{ code: 'Answered', label: '' }],
          statusLookupsPerMinute: 0,
          statusPageBaseUrl: 'https://example.org',
        },
      }),
    );
    let problems: ConfigError['problems'] = [];
    try {
      loadConfig({ files: [file], env: {} });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    const paths = problems.map((p) => p.path);
    for (const path of [
      '/inquiries/serviceStandards/defaultResponseDays',
      '/inquiries/serviceStandards/topics/Not A Topic',
      '/inquiries/serviceStandards/topics/passport/responseDays',
      '/inquiries/outcomeCodes/0/code',
      '/inquiries/outcomeCodes/0/label',
      '/inquiries/statusLookupsPerMinute',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(paths.some((p) => p.startsWith('/inquiries/serviceStandards/topics/moving'))).toBe(true);
    expect(paths.some((p) => p === '/inquiries/statusPageBaseUrl' || p === '/inquiries')).toBe(true);
    expect(problems.every((p) => p.source === file)).toBe(true);
  });

  it('refuses plugin options the schema cannot check, naming the field', () => {
    const good: InquiriesPluginOptions = {
      store,
      outcomeCodes: [{ code: 'answered', label: 'Answered' }],
      statusLookupsPerMinute: 10,
      publicUrl: 'http://127.0.0.1:8080',
      timeZone: 'Europe/Copenhagen',
      fallbackLanguage: 'da',
    };
    expect(() => validateInquiriesOptions(good)).not.toThrow();
    expect(() => validateInquiriesOptions({ ...good, outcomeCodes: [...good.outcomeCodes, { code: 'answered', label: 'Again' }] })).toThrow(
      /inquiries\.outcomeCodes\[1\]\.code: "answered" repeats inquiries\.outcomeCodes\[0\]\.code/,
    );
    expect(() => validateInquiriesOptions({ ...good, outcomeCodes: [] })).toThrow(/inquiries\.outcomeCodes/);
    expect(() => validateInquiriesOptions({ ...good, statusLookupsPerMinute: 0 })).toThrow(/inquiries\.statusLookupsPerMinute/);
    expect(() => validateInquiriesOptions({ ...good, timeZone: 'Mars/Olympus' })).toThrow(/kiosk\.receipt\.timeZone/);
    expect(() => validateInquiriesOptions({ ...good, publicUrl: 'not a url' })).toThrow(/server\.publicUrl/);
  });
});
