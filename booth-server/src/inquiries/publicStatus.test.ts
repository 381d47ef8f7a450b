import { describe, expect, it } from 'vitest';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PublicInquiryStatus } from '@citizen/protocol';
import type { InquiryCaseRecord } from '../store/Store';
import { MIN_RESOLVED_FOR_ACHIEVED, achievedFrom, chooseLanguage, preferredLanguage, toPublicStatus } from './publicStatus';

const DAY = 86_400_000;
// TypeBox checks no formats by itself (fastify's ajv does); enough of date-time for this check.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v));
const record: InquiryCaseRecord = {
  id: 'c-1',
  reference: 'BS-7K3Q-92XK',
  kioskId: 'k-demo-central-1',
  language: 'pl',
  topic: 'passport',
  answers: { name: 'ZZ-SECRET-NAME' },
  status: 'ended',
  agentId: 'u-00000000000000a1',
  endReason: 'hangup-agent',
  createdAt: new Date('2026-03-02T09:00:00Z'),
  endedAt: new Date('2026-03-02T09:10:00Z'),
  caseStatus: 'waiting-for-resident',
  outcomeCode: 'documents-requested',
  nextStep: 'bring-id',
  place: 'Central Station, main hall',
  promisedBy: new Date('2026-03-12T09:00:00Z'),
  resolvedAt: null,
  queueId: 'general',
  answeredAt: null,
  rating: 5,
  assigneeId: 'u-00000000000000a2',
};

describe('chooseLanguage', () => {
  it('takes ?lang=, then the inquiry’s language, then Accept-Language, then the fallback; only receipt languages', () => {
    expect(chooseLanguage({ requested: 'ar', inquiry: 'pl', fallback: 'da' })).toBe('ar');
    expect(chooseLanguage({ requested: 'fr', inquiry: 'pl', fallback: 'da' })).toBe('pl');
    expect(chooseLanguage({ inquiry: 'ti', acceptLanguage: 'de-CH,de;q=0.9,en;q=0.8', fallback: 'da' })).toBe('de');
    expect(chooseLanguage({ inquiry: 'fa', acceptLanguage: 'fa', fallback: 'da' })).toBe('da');
    expect(chooseLanguage({ inquiry: 'so', acceptLanguage: 'da', fallback: 'da' })).toBe('so');
    expect(chooseLanguage({ requested: 'nn', inquiry: 'nb', fallback: 'da' })).toBe('nn');
  });

  it('reads Accept-Language by weight, skipping languages without wording and q=0', () => {
    expect(preferredLanguage('fr;q=1, uk;q=0.5, en;q=0.7')).toBe('en');
    expect(preferredLanguage('en;q=0, pl')).toBe('pl');
    expect(preferredLanguage('nb-NO,nb;q=0.9,no;q=0.8,en;q=0.5')).toBe('nb');
    expect(preferredLanguage('ur-PK, en;q=0.5')).toBe('ur');
    expect(preferredLanguage('*')).toBeUndefined();
    expect(preferredLanguage(undefined)).toBeUndefined();
  });
});

describe('toPublicStatus', () => {
  it('holds exactly the public fields, in the chosen language, and no personal data', () => {
    const s = toPublicStatus(record, 'pl', undefined);
    expect(Value.Check(PublicInquiryStatus, s)).toBe(true);
    expect(Object.keys(s).sort()).toEqual(
      ['achieved', 'caseStatus', 'caseStatusText', 'language', 'nextStep', 'nextStepText', 'place', 'promisedBy', 'receivedAt', 'reference', 'resolvedAt'].sort(),
    );
    expect(s).toMatchObject({ caseStatusText: 'Czekamy na Ciebie', nextStepText: 'Przy następnej wizycie zabierz ważny dokument ze zdjęciem.', promisedBy: '2026-03-12T09:00:00.000Z' });
    const text = JSON.stringify(s);
    for (const secret of ['ZZ-SECRET', record.agentId!, record.assigneeId!, 'documents-requested', 'hangup-agent']) expect(text).not.toContain(secret);
  });

  it('shows achieved times only from enough resolved cases, in days with one decimal', () => {
    const times = { topic: 'passport', resolvedCount: MIN_RESOLVED_FOR_ACHIEVED, medianMs: 3.04 * DAY, p90Ms: 7.66 * DAY };
    expect(achievedFrom(times)).toEqual({ medianDays: 3, p90Days: 7.7, resolvedCount: MIN_RESOLVED_FOR_ACHIEVED, windowDays: 90 });
    expect(achievedFrom({ ...times, resolvedCount: MIN_RESOLVED_FOR_ACHIEVED - 1 })).toBeNull();
    expect(achievedFrom(undefined)).toBeNull();
  });
});
