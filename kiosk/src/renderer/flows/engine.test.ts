import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { FlowDefinition, type FlowStep } from '@citizen/protocol';
import { checkFlow, nextTargets } from '@citizen/config/kioskContent';
import { loadKioskContent } from '@citizen/config/kioskContent';
import { advance, answeredOnTrail, back, cardOnTrail, change, currentStep, handover, resolveNext, start, FlowError, type FlowProgress } from './engine';

const K = (s: string): string => `flow.t.${s}`;
/** A small flow with a branch: the car's owner decides whether a note about the agreement is shown. */
const flow: FlowDefinition = {
  id: 't',
  topic: 'parking',
  title: K('title'),
  summary: K('summary'),
  icon: 'car',
  anonymous: false,
  start: 'owner',
  steps: [
    { id: 'owner', type: 'choice', title: K('owner'), answer: 'owner', options: [{ value: 'own', label: K('own'), next: 'plate' }, { value: 'company', label: K('company') }], next: 'note' },
    { id: 'note', type: 'info', title: K('note'), next: 'plate' },
    { id: 'plate', type: 'field', title: K('plate'), answer: 'plate', input: 'plate', required: true, next: { when: [{ answer: 'plate', equals: 'X 99', next: 'odd' }], else: 'card' } },
    { id: 'odd', type: 'info', title: K('odd'), next: 'card' },
    { id: 'card', type: 'card', title: K('card'), answer: 'card', consent: K('consent'), required: false, next: 'summary' },
    { id: 'summary', type: 'summary', title: K('sum'), next: 'done' },
    { id: 'done', type: 'end', title: K('done') },
  ],
};
const fmt = (k: string): string => `EN(${k})`;

describe('flow engine', () => {
  it('follows an option’s own next, else the step’s next', () => {
    const own = advance(flow, start(flow), 'own');
    expect(currentStep(flow, own).id).toBe('plate');
    const company = advance(flow, start(flow), 'company');
    expect(currentStep(flow, company).id).toBe('note');
  });

  it('branches on an answer, first match wins, else the default', () => {
    expect(resolveNext({ when: [{ answer: 'a', equals: '1', next: 'x' }, { answer: 'a', equals: '1', next: 'y' }], else: 'z' }, { a: '1' })).toBe('x');
    expect(resolveNext({ when: [{ answer: 'a', equals: '1', next: 'x' }], else: 'z' }, { a: '2' })).toBe('z');
    let p = advance(flow, start(flow), 'own');
    p = advance(flow, p, 'X 99');
    expect(currentStep(flow, p).id).toBe('odd');
  });

  it('refuses an option a choice does not have, and a step that needs an answer without one', () => {
    expect(() => advance(flow, start(flow), 'stolen')).toThrowError(FlowError);
    expect(() => advance(flow, start(flow))).toThrowError(/needs an answer/);
  });

  it('an empty answer to an optional step removes it; an ending step has no way on', () => {
    let p = advance(flow, advance(flow, start(flow), 'own'), 'AB 12345');
    p = advance(flow, p, '••••1234');
    expect(p.answers.card).toBe('••••1234');
    p = back(p);
    p = advance(flow, p, '');
    expect(p.answers.card).toBeUndefined();
    p = advance(flow, p);
    expect(currentStep(flow, p).type).toBe('end');
    expect(() => advance(flow, p)).toThrowError(/ends the flow/);
  });

  it('back steps one back, never past the start, and forgets the answers of a branch left behind', () => {
    expect(back(start(flow))).toEqual(start(flow));
    let p = advance(flow, start(flow), 'company');
    p = advance(flow, p); // note
    p = advance(flow, p, 'AB 12345');
    p = back(back(back(p)));
    expect(currentStep(flow, p).id).toBe('owner');
    p = advance(flow, p, 'own');
    // "plate" was answered on the old branch; it is not on the trail until asked again.
    expect(answeredOnTrail(flow, p).map((l) => l.answer)).toEqual(['owner']);
  });

  it('changing an answer from the summary comes back to the summary when the way on is the same', () => {
    let p: FlowProgress = start(flow);
    for (const a of ['own', 'AB 12345', '']) p = advance(flow, p, a);
    expect(currentStep(flow, p).id).toBe('summary');
    p = change(flow, p, 'plate');
    expect(currentStep(flow, p).id).toBe('plate');
    p = advance(flow, p, 'CD 67890');
    expect(currentStep(flow, p).id).toBe('summary');
    expect(p.answers.plate).toBe('CD 67890');
    expect(p.resume).toBeUndefined();
  });

  it('changing an answer that changes the branch walks the new branch', () => {
    let p: FlowProgress = start(flow);
    for (const a of ['own', 'AB 12345', '']) p = advance(flow, p, a);
    p = change(flow, p, 'owner');
    p = advance(flow, p, 'company');
    expect(currentStep(flow, p).id).toBe('note');
    expect(p.trail).toEqual(['owner', 'note']);
  });

  it('hands over every answer on the trail under its label, choices by their label, never the card', () => {
    let p: FlowProgress = start(flow);
    for (const a of ['company', undefined, 'AB 12345', '••••1234']) p = advance(flow, p, a);
    const h = handover(flow, p, fmt);
    expect(h).toEqual({ Errand: `EN(${K('title')})`, [`EN(${K('owner')})`]: `EN(${K('company')})`, [`EN(${K('plate')})`]: 'AB 12345' });
    expect(cardOnTrail(flow, p)).toBe('••••1234');
  });

  it('every shipped flow, walked at random, reaches an end, and its handover fits the call request', () => {
    const { flows } = loadKioskContent();
    expect(flows.length).toBeGreaterThanOrEqual(9);
    for (const f of flows) {
      fc.assert(
        fc.property(fc.array(fc.nat(), { minLength: 60, maxLength: 60 }), (picks) => {
          let p = start(f);
          for (let i = 0; i < 60; i++) {
            const s = currentStep(f, p);
            if (['talk', 'leave', 'status', 'end'].includes(s.type)) {
              const h = handover(f, p, fmt);
              expect(Object.keys(h).length).toBeLessThanOrEqual(40);
              return;
            }
            p = advance(f, p, answerFor(s, picks[i]!));
          }
          throw new Error(`flow ${f.id}: no end after 60 steps`);
        }),
        { numRuns: 50 },
      );
    }
  });
});

/** A valid answer for a step: an option by index, a plausible typed value. */
function answerFor(s: FlowStep, pick: number): string | undefined {
  if (s.type === 'choice') return s.options[pick % s.options.length]!.value;
  if (s.type === 'card') return pick % 2 ? '••••1234' : '';
  if (s.type !== 'field') return undefined;
  const byInput: Record<string, string> = { 'national-id': '0101901234', date: '01.02.2026', phone: '+45 12345678', email: 'a@b.dk', plate: 'AB 12345' };
  return byInput[s.input] ?? 'text';
}

describe('generated flows', () => {
  // A random flow that passes the content checks can always be walked to an end.
  const genFlow = fc.integer({ min: 2, max: 12 }).chain((n) =>
    fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.boolean()), { minLength: n, maxLength: n }).map((edges) => {
      const steps: FlowStep[] = edges.map(([a, b, choice], i) => {
        if (i === n - 1) return { id: `s${i}`, type: 'end', title: K('end') };
        // Edges only forward, so the graph has no cycle without an exit.
        const fwd = (x: number): string => `s${Math.min(n - 1, i + 1 + (x % (n - 1 - i)))}`;
        return choice
          ? { id: `s${i}`, type: 'choice', title: K('c'), answer: `a${i}`, options: [{ value: 'x', label: K('x'), next: fwd(a) }, { value: 'y', label: K('y'), next: fwd(b) }] }
          : { id: `s${i}`, type: 'info', title: K('i'), next: fwd(a) };
      });
      return { id: 'gen', title: K('title'), summary: K('summary'), icon: 'info', anonymous: true, start: 's0', steps } satisfies FlowDefinition;
    }),
  );

  it('a generated flow that passes the checks is walked to its end on every choice', () => {
    fc.assert(
      fc.property(genFlow, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (f, picks) => {
        expect(Value.Check(FlowDefinition, f)).toBe(true);
        const problems = checkFlow(f, new Set());
        // Unreachable steps are refused by the checks; only walk flows the kiosk would accept.
        fc.pre(problems.length === 0);
        let p = start(f);
        for (let i = 0; i < 12 && currentStep(f, p).type !== 'end'; i++) {
          const s = currentStep(f, p);
          p = advance(f, p, s.type === 'choice' ? (picks[i] ? 'x' : 'y') : undefined);
        }
        expect(currentStep(f, p).type).toBe('end');
        expect(nextTargets(currentStep(f, p))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
