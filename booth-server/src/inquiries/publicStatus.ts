/**
 * What a status lookup answers, built field by field from the case: nothing
 * is spread from the stored record, so a field added to the store later
 * (or one that holds personal data: answers, notes, agent) cannot reach the
 * public answer by accident.
 */
import { RECEIPT_LANGUAGES, type AchievedResponse, type PublicInquiryStatus, type ReceiptLanguage } from '@citizen/protocol';
import type { InquiryCaseRecord, TopicResponseTimes } from '../store/Store';
import { STATUS_WORDING } from './statusWording';

/** The window achieved response times are computed over. */
export const ACHIEVED_WINDOW_DAYS = 90;
/**
 * Fewer resolved cases than this and no figure is shown: a "typical time" of
 * two cases says more about those two cases than about the service.
 */
export const MIN_RESOLVED_FOR_ACHIEVED = 5;

const DAY_MS = 86_400_000;

export function isReceiptLanguage(value: unknown): value is ReceiptLanguage {
  return typeof value === 'string' && (RECEIPT_LANGUAGES as readonly string[]).includes(value);
}

/**
 * The language to answer in: the one asked for (`?lang=`), else the
 * inquiry's own, else the browser's preference (Accept-Language), else the
 * site's fallback. Only receipt languages have wording.
 */
export function chooseLanguage(opts: { requested?: string | undefined; inquiry?: string | undefined; acceptLanguage?: string | undefined; fallback: ReceiptLanguage }): ReceiptLanguage {
  if (isReceiptLanguage(opts.requested)) return opts.requested;
  if (isReceiptLanguage(opts.inquiry)) return opts.inquiry;
  return preferredLanguage(opts.acceptLanguage) ?? opts.fallback;
}

/** The highest-weighted receipt language in an Accept-Language header (primary subtags only). */
export function preferredLanguage(header: string | undefined): ReceiptLanguage | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { language: tag.split('-')[0]!.toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.q > 0 && isReceiptLanguage(r.language))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const first = ranked[0]?.language;
  return isReceiptLanguage(first) ? first : undefined;
}

export function achievedFrom(times: TopicResponseTimes | undefined): AchievedResponse | null {
  if (!times || times.resolvedCount < MIN_RESOLVED_FOR_ACHIEVED) return null;
  return { medianDays: toDays(times.medianMs), p90Days: toDays(times.p90Ms), resolvedCount: times.resolvedCount, windowDays: ACHIEVED_WINDOW_DAYS };
}

export function toPublicStatus(c: InquiryCaseRecord, language: ReceiptLanguage, times: TopicResponseTimes | undefined): PublicInquiryStatus {
  const w = STATUS_WORDING[language];
  return {
    reference: c.reference,
    language,
    caseStatus: c.caseStatus,
    caseStatusText: w.caseStatus[c.caseStatus],
    nextStep: c.nextStep,
    nextStepText: c.nextStep === null ? null : w.steps[c.nextStep],
    receivedAt: c.createdAt.toISOString(),
    place: c.place,
    promisedBy: c.promisedBy?.toISOString() ?? null,
    resolvedAt: c.resolvedAt?.toISOString() ?? null,
    achieved: achievedFrom(times),
  };
}

/** Days with one decimal: finer than that is noise to a resident. */
function toDays(ms: number): number {
  return Math.round((ms / DAY_MS) * 10) / 10;
}
