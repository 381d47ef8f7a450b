import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentSkills, CallRequestInfo } from '@citizen/protocol';
import type { FreeAgent } from './CallRouting';
import { QueueSet } from './queues';
import { SkillRouting, eligible } from './SkillRouting';

const ALWAYS = ['00:00-24:00'];
const hours = { timeZone: 'Europe/Copenhagen', mon: ALWAYS, tue: ALWAYS, wed: ALWAYS, thu: ALWAYS, fri: ALWAYS, sat: ALWAYS, sun: ALWAYS, closedDates: [] };
const queues = new QueueSet([
  {
    id: 'passports',
    name: 'Passports',
    topics: ['passport'],
    fallbackLanguages: ['en'],
    openingHours: hours,
    serviceLevel: { percent: 80, withinSeconds: 120 },
    widening: [
      { afterSeconds: 60, match: 'language' },
      { afterSeconds: 180, match: 'fallback-language' },
    ],
  },
  {
    id: 'general',
    name: 'General',
    topics: [],
    fallbackLanguages: ['en'],
    openingHours: hours,
    serviceLevel: { percent: 80, withinSeconds: 120 },
    widening: [{ afterSeconds: 600, match: 'any' }],
  },
]);
const routing = () => new SkillRouting({ queues, agingSeconds: 120, priorityNeeds: { hearing: 1, interpreter: 2 } });
const agent = (userId: string, skills: AgentSkills, idleSince = 0, declined: string[] = []): FreeAgent => ({ userId, skills, idleSince, declined: new Set(declined) });
const call = (callId: string, queuedAt: number, request: CallRequestInfo) => ({ callId, queuedAt, request });
const none = () => false;

describe('SkillRouting: who may take a call', () => {
  it('requires the language and the topic at first; an agent without topics takes any topic', () => {
    const r = routing();
    r.enqueue(call('c1', 0, { language: 'uk', topic: 'passport' }));
    const danish = agent('da-passport', { languages: { da: 3 }, topics: { passport: 3 } });
    const ukrainianHousing = agent('uk-housing', { languages: { uk: 3 }, topics: { 'housing-benefit': 3 } });
    expect(r.assign([danish, ukrainianHousing], 1000, none)).toEqual([]);
    const ukrainianGeneralist = agent('uk-any', { languages: { uk: 2 }, topics: {} });
    expect(r.assign([danish, ukrainianHousing, ukrainianGeneralist], 1000, none)).toEqual([{ callId: 'c1', userId: 'uk-any' }]);
  });

  it('widens on the clock without losing the place: language after 60 s, fallback language after 180 s', () => {
    const r = routing();
    r.enqueue(call('c1', 0, { language: 'uk', topic: 'passport' }));
    r.enqueue(call('c2', 10_000, { language: 'uk', topic: 'passport' }));
    const ukHousing = agent('uk-housing', { languages: { uk: 3 }, topics: { 'housing-benefit': 3 } });
    const english = agent('en', { languages: { en: 3 }, topics: { passport: 3 } });
    expect(r.assign([ukHousing, english], 59_999, none)).toEqual([]);
    expect(r.assign([ukHousing, english], 60_000, none)).toEqual([{ callId: 'c1', userId: 'uk-housing' }]);
    expect(r.assign([english], 179_999, none)).toEqual([]);
    expect(r.assign([english], 180_000, none)).toEqual([{ callId: 'c1', userId: 'en' }]);
    expect(r.position('c2')).toBe(2);
  });

  it('gives each call, in order, to the longest-idle eligible agent; never one agent two calls', () => {
    const r = routing();
    r.enqueue(call('c1', 0, { language: 'da' }));
    r.enqueue(call('c2', 1, { language: 'da' }));
    const a = agent('recent', { languages: { da: 3 }, topics: {} }, 500);
    const b = agent('longest', { languages: { da: 3 }, topics: {} }, 100);
    expect(r.assign([a, b], 1000, none)).toEqual([
      { callId: 'c1', userId: 'longest' },
      { callId: 'c2', userId: 'recent' },
    ]);
  });

  it('skips calls already on offer and agents who declined a call', () => {
    const r = routing();
    r.enqueue(call('c1', 0, { language: 'da' }));
    r.enqueue(call('c2', 1, { language: 'da' }));
    const a = agent('a', { languages: { da: 3 }, topics: {} }, 0, ['c2']);
    expect(r.assign([a], 1000, (id) => id === 'c1')).toEqual([]);
  });
});

describe('SkillRouting: order', () => {
  it('serves higher priority first, first come first served within a priority', () => {
    const r = routing();
    r.enqueue(call('plain-early', 0, { language: 'da' }));
    r.enqueue(call('plain-late', 5000, { language: 'da' }));
    r.enqueue(call('hearing', 10_000, { language: 'da', needs: ['hearing'] }));
    expect([r.position('hearing'), r.position('plain-early'), r.position('plain-late')]).toEqual([1, 2, 3]);
  });

  it('lets a long wait outweigh a later arrival of higher priority (aging)', () => {
    const r = routing();
    r.enqueue(call('plain', 0, { language: 'da' }));
    // One level is worth 120 s of waiting: a hearing-needs call 121 s later queues behind.
    r.enqueue(call('hearing-late', 121_000, { language: 'da', needs: ['hearing'] }));
    r.enqueue(call('hearing-soon', 119_000, { language: 'da', needs: ['hearing'] }));
    expect([r.position('hearing-soon'), r.position('plain'), r.position('hearing-late')]).toEqual([1, 2, 3]);
  });

  it('counts positions per queue', () => {
    const r = routing();
    r.enqueue(call('g1', 0, { language: 'da' }));
    r.enqueue(call('p1', 1, { language: 'da', topic: 'passport' }));
    r.enqueue(call('g2', 2, { language: 'da', topic: 'moving-address' }));
    expect(r.positions()).toEqual(new Map([['g1', 1], ['p1', 1], ['g2', 2]]));
    expect(r.queueFor({ language: 'da', topic: 'passport' })).toBe('passports');
  });
});

describe('SkillRouting properties', () => {
  const skillsArb = fc.record({
    languages: fc.dictionary(fc.constantFrom('da', 'en', 'uk', 'ar'), fc.integer({ min: 1, max: 3 }), { maxKeys: 3 }),
    topics: fc.dictionary(fc.constantFrom('passport', 'housing-benefit'), fc.integer({ min: 1, max: 3 }), { maxKeys: 2 }),
  });
  const requestArb = fc.record(
    { language: fc.constantFrom('da', 'en', 'uk', 'ar'), topic: fc.constantFrom('passport', 'housing-benefit', 'moving-address'), needs: fc.subarray(['hearing', 'interpreter'] as const) },
    { requiredKeys: ['language'] },
  );

  it('pairs only eligible agents, each agent and each call at most once', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { maxLength: 30 }), fc.array(skillsArb, { maxLength: 10 }), fc.integer({ min: 0, max: 900_000 }), (requests, skills, now) => {
        const r = routing();
        requests.forEach((req, i) => r.enqueue(call(`c${i}`, i * 1000, req as CallRequestInfo)));
        const agents = skills.map((s, i) => agent(`a${i}`, s as AgentSkills, i));
        const out = r.assign(agents, now, none);
        expect(new Set(out.map((o) => o.callId)).size).toBe(out.length);
        expect(new Set(out.map((o) => o.userId)).size).toBe(out.length);
        for (const o of out) {
          const i = Number(o.callId.slice(1));
          const req = requests[i]! as CallRequestInfo;
          const level = r.matchLevelOf(o.callId, now)!;
          const a = agents.find((x) => x.userId === o.userId)!;
          expect(eligible(a, req.language, req.topic, level, queues.forTopic(req.topic))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never starves anyone: with one agent serving a call every 30 s while new calls keep coming, every call is served', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 60_000 }), priority: fc.constantFrom<CallRequestInfo['needs']>([], ['hearing'], ['interpreter'], ['hearing', 'interpreter']) }), { minLength: 5, maxLength: 60 }), (arrivals) => {
        const r = routing();
        const everyone = agent('a', { languages: { da: 3 }, topics: {} });
        let t = 0;
        const arrivedAt = new Map<string, number>();
        arrivals.forEach((a, i) => {
          t += a.gapMs;
          arrivedAt.set(`c${i}`, t);
        });
        const served = new Map<string, number>();
        // Serve one call every 30 s from t=0; arrivals join when their time has come.
        let clock = 0;
        let next = 0;
        while (served.size < arrivals.length && clock < 100 * 3_600_000) {
          while (next < arrivals.length && arrivedAt.get(`c${next}`)! <= clock) {
            r.enqueue(call(`c${next}`, arrivedAt.get(`c${next}`)!, { language: 'da', needs: arrivals[next]!.priority ?? [] }));
            next++;
          }
          const [pick] = r.assign([everyone], clock, none);
          if (pick) {
            served.set(pick.callId, clock);
            r.remove(pick.callId);
          }
          clock += 30_000;
        }
        expect(served.size).toBe(arrivals.length);
        // Bounded wait: at most (calls ahead at any time) × 30 s plus the aging bound of the priority spread.
        for (const [id, at] of served) expect(at - arrivedAt.get(id)!).toBeLessThanOrEqual(arrivals.length * 30_000 + 3 * 120_000);
      }),
      { numRuns: 200 },
    );
  });
});
