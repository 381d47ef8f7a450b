/**
 * Service standards: how many calendar days the municipality promises to
 * answer an inquiry of each topic within (`inquiries.serviceStandards`).
 */
import type { BoothConfig } from '@citizen/config';

export type ServiceStandards = BoothConfig['inquiries']['serviceStandards'];

const DAY_MS = 86_400_000;

/**
 * The promised response date of an inquiry about `topic` made at
 * `createdAt`: the topic's responseDays (defaultResponseDays for a topic not
 * listed, or none) later, counted as whole 24-hour days. Calendar days, not
 * working days: the promise must not depend on a holiday calendar the server
 * may not have. (Across a daylight-saving change, the local time of day
 * moves by an hour, so for an inquiry made within an hour of midnight the
 * shown date can be a day off; the status page shows dates, not times.)
 * Pure, so the call layer can stamp it at creation and tests can pin it.
 */
export function promiseFor(standards: ServiceStandards, topic: string | null | undefined, createdAt: Date): Date {
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) throw new TypeError('promiseFor: createdAt must be a valid Date');
  // Object.hasOwn: a topic named like an Object.prototype member ("constructor") is just an unlisted topic.
  const days = topic != null && Object.hasOwn(standards.topics, topic) ? standards.topics[topic]!.responseDays : standards.defaultResponseDays;
  return new Date(createdAt.getTime() + days * DAY_MS);
}
