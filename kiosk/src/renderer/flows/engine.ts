/**
 * The flow engine: where a resident is in a guided flow, what they answered,
 * and where each answer leads. Pure functions over a flow definition
 * (protocol/src/flows.ts), so every branch can be tested without a screen.
 *
 * Progress is the trail of steps taken (for "back") and the answers. Only
 * answers given on the trail count: an answer left behind on a branch the
 * resident backed out of is neither summarised nor handed over. From the
 * summary the resident can change one answer; if the way on from that step is
 * unchanged they come straight back to the summary, otherwise they walk the
 * new branch.
 */
import type { FlowDefinition, FlowStep, Next } from '@citizen/protocol';

export interface FlowProgress {
  readonly flowId: string;
  /** Steps taken, the current one last. */
  readonly trail: readonly string[];
  readonly answers: Readonly<Record<string, string>>;
  /** While changing an answer from the summary: the steps after the changed one, to come back to. */
  readonly resume?: readonly string[];
  /** The reference of the inquiry the flow submitted, once it has one. */
  readonly reference?: string;
  readonly promisedBy?: string;
}

export class FlowError extends Error {
  constructor(
    readonly code: 'FLOW_NO_STEP' | 'FLOW_NOT_ANSWERABLE' | 'FLOW_BAD_OPTION' | 'FLOW_NO_WAY_ON',
    message: string,
  ) {
    super(message);
    this.name = 'FlowError';
  }
}

export function stepOf(flow: FlowDefinition, id: string): FlowStep {
  const s = flow.steps.find((x) => x.id === id);
  if (!s) throw new FlowError('FLOW_NO_STEP', `flow ${flow.id} has no step ${id}`);
  return s;
}

export const start = (flow: FlowDefinition): FlowProgress => ({ flowId: flow.id, trail: [flow.start], answers: {} });

export const currentStep = (flow: FlowDefinition, p: FlowProgress): FlowStep => stepOf(flow, p.trail[p.trail.length - 1]!);

/** Where `next` leads with these answers: the first branch whose answer matches, else `else`. */
export function resolveNext(next: Next, answers: Readonly<Record<string, string>>): string {
  if (typeof next === 'string') return next;
  return next.when.find((w) => answers[w.answer] === w.equals)?.next ?? next.else;
}

/** The step after `step` given the answers (a choice's option may have its own way on). */
export function nextOf(step: FlowStep, answers: Readonly<Record<string, string>>): string {
  if (step.type === 'choice') {
    const picked = step.options.find((o) => o.value === answers[step.answer]);
    if (picked?.next) return picked.next;
  }
  if ('next' in step && step.next !== undefined) return resolveNext(step.next, answers);
  throw new FlowError('FLOW_NO_WAY_ON', `step ${step.id} ends the flow`);
}

/**
 * Moves on from the current step. Steps that ask something take the answer
 * (a choice's value must be one of its options); an empty answer to an
 * optional field or card step removes it.
 */
export function advance(flow: FlowDefinition, p: FlowProgress, answer?: string): FlowProgress {
  const step = currentStep(flow, p);
  let answers = p.answers;
  if ('answer' in step) {
    if (answer === undefined) throw new FlowError('FLOW_NOT_ANSWERABLE', `step ${step.id} needs an answer`);
    if (step.type === 'choice' && !step.options.some((o) => o.value === answer)) throw new FlowError('FLOW_BAD_OPTION', `step ${step.id} has no option ${answer}`);
    answers = { ...answers };
    if (answer === '') delete (answers as Record<string, string>)[step.answer];
    else (answers as Record<string, string>)[step.answer] = answer;
  }
  const to = nextOf(step, answers);
  const { resume, ...rest } = p;
  // Changing an answer from the summary: the same way on goes straight back there.
  if (resume && resume[0] === to) return { ...rest, answers, trail: [...p.trail, ...resume] };
  return { ...rest, answers, trail: [...p.trail, to] };
}

/** One step back (not past the start). */
export function back(p: FlowProgress): FlowProgress {
  if (p.trail.length <= 1) return p;
  const { resume: _, ...rest } = p;
  return { ...rest, trail: p.trail.slice(0, -1) };
}

export const canGoBack = (p: FlowProgress): boolean => p.trail.length > 1;

/** From the summary: go to the step that asked `answer`, and come back after it if the way on is the same. */
export function change(flow: FlowDefinition, p: FlowProgress, answer: string): FlowProgress {
  const at = p.trail.findIndex((id) => {
    const s = stepOf(flow, id);
    return 'answer' in s && s.answer === answer;
  });
  if (at < 0) return p;
  return { ...p, trail: p.trail.slice(0, at + 1), resume: p.trail.slice(at + 1) };
}

export interface AnswerLine {
  /** The answer's name. */
  answer: string;
  /** The step that asked it. */
  step: FlowStep;
  /** What was answered: a choice's value, the typed text, a card's masked form. */
  value: string;
}

/** The answers given on the trail (the steps moved on from), in the order they were asked. */
export function answeredOnTrail(flow: FlowDefinition, p: FlowProgress): AnswerLine[] {
  const out: AnswerLine[] = [];
  const seen = new Set<string>();
  for (const id of p.trail.slice(0, -1)) {
    const step = stepOf(flow, id);
    if (!('answer' in step) || seen.has(step.answer)) continue;
    seen.add(step.answer);
    const value = p.answers[step.answer];
    if (value !== undefined) out.push({ answer: step.answer, step, value });
  }
  return out;
}

/** The message key labelling an answer: the flow's label for it, else the asking step's title. */
export const labelKeyOf = (flow: FlowDefinition, line: AnswerLine): string => flow.answerLabels?.[line.answer] ?? line.step.title;

/** The message key of a choice's value (its option label); null for typed answers. */
export function valueKeyOf(line: AnswerLine): string | null {
  if (line.step.type !== 'choice') return null;
  return line.step.options.find((o) => o.value === line.value)?.label ?? null;
}

/**
 * What the agent (or the case handler) gets: each answer on the trail under
 * its label, choices by their option's label, in the reference language so
 * every agent reads the same words, whatever language the resident used.
 * The flow's title heads the list. Card answers are left out: a card goes
 * with the call only through its own consent (CallRequestInfo.card).
 */
export function handover(flow: FlowDefinition, p: FlowProgress, format: (key: string) => string): Record<string, string> {
  const out: Record<string, string> = { Errand: format(flow.title).slice(0, 500) };
  for (const line of answeredOnTrail(flow, p)) {
    if (line.step.type === 'card') continue;
    const valueKey = valueKeyOf(line);
    const label = format(labelKeyOf(flow, line)).slice(0, 64);
    out[label in out ? `${label.slice(0, 60)} (${line.answer})`.slice(0, 64) : label] = (valueKey ? format(valueKey) : line.value).slice(0, 500);
    if (Object.keys(out).length >= 40) break;
  }
  return out;
}

/** The card answer on the trail, if any (its masked form). */
export function cardOnTrail(flow: FlowDefinition, p: FlowProgress): string | null {
  return answeredOnTrail(flow, p).find((l) => l.step.type === 'card')?.value ?? null;
}
