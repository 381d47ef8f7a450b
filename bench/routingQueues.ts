/**
 * The routing benchmarks' queues (bench/routing.bench.ts and the cluster
 * routing bench): a general queue and a passports queue, always open, with
 * widening to any speaker of the language after 60 s and to the fallback
 * language after 180 s, and the skill routing over them.
 */
import { SkillRouting } from '../booth-server/src/routing/SkillRouting';
import { QueueSet } from '../booth-server/src/routing/queues';

const ALWAYS = ['00:00-24:00'];
const hours = { timeZone: 'Europe/Copenhagen', mon: ALWAYS, tue: ALWAYS, wed: ALWAYS, thu: ALWAYS, fri: ALWAYS, sat: ALWAYS, sun: ALWAYS, closedDates: [] };
const queue = (id: string, topics: string[]) => ({
  id,
  name: id,
  topics,
  fallbackLanguages: ['en'],
  openingHours: hours,
  serviceLevel: { percent: 80, withinSeconds: 120 },
  widening: [
    { afterSeconds: 60, match: 'language' as const },
    { afterSeconds: 180, match: 'fallback-language' as const },
  ],
});

export const BENCH_QUEUES = new QueueSet([queue('general', []), queue('passports', ['passport'])]);
export const benchSkillRouting = (): SkillRouting => new SkillRouting({ queues: BENCH_QUEUES, agingSeconds: 120, priorityNeeds: { hearing: 1 } });
