/**
 * The running flow as signals: which flow, the progress through it, and the
 * moves the screens make (answer, back, change an answer from the summary).
 * The engine (engine.ts) decides; this only holds the state, so switching
 * language re-renders the same step with the same answers.
 */
import { computed, signal } from '@preact/signals';
import type { FlowDefinition, FlowStep } from '@citizen/protocol';
import { advance, back, canGoBack, change, currentStep, start, type FlowProgress } from './engine';

export function createFlowRunner() {
  const flow = signal<FlowDefinition | null>(null);
  const progress = signal<FlowProgress | null>(null);
  const step = computed<FlowStep | null>(() => (flow.value && progress.value ? currentStep(flow.value, progress.value) : null));

  return {
    flow,
    progress,
    step,
    canGoBack: computed(() => (progress.value ? canGoBack(progress.value) : false)),
    start(def: FlowDefinition): void {
      flow.value = def;
      progress.value = start(def);
    },
    /** Forgets the flow and every answer. */
    stop(): void {
      flow.value = null;
      progress.value = null;
    },
    next(answer?: string): void {
      if (flow.value && progress.value) progress.value = advance(flow.value, progress.value, answer);
    },
    back(): void {
      if (progress.value) progress.value = back(progress.value);
    },
    change(answer: string): void {
      if (flow.value && progress.value) progress.value = change(flow.value, progress.value, answer);
    },
    /** The inquiry the flow sent: kept with the progress, shown at the end. */
    submitted(reference: string, promisedBy: string): void {
      if (progress.value) progress.value = { ...progress.value, reference, promisedBy };
    },
  };
}
export type FlowRunner = ReturnType<typeof createFlowRunner>;
