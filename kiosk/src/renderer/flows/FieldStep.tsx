/**
 * A form field in a flow: the value, the keyboard that suits it (digits for
 * an identity number, a phone pad, an email keyboard, the resident's own
 * script for text), the help line, and what is wrong, checked when the
 * resident taps Next (and again as they correct it).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { FlowStep } from '@citizen/protocol';
import { useKiosk } from '../context';
import { Keyboard } from '../keyboard/Keyboard';
import { inputModeFor, layoutFor } from '../keyboard/layouts';
import { normalise, validate, type InvalidCode } from './validate';
import type { FlowProgress } from './engine';
import { StepHead } from './FlowScreen';

export function FieldStepView({ step, p }: { step: Extract<FlowStep, { type: 'field' }>; p: FlowProgress }) {
  const { t, flow, lang } = useKiosk();
  const [value, setValue] = useState(p.answers[step.answer] ?? '');
  const [problem, setProblem] = useState<InvalidCode | null>(null);
  const [tried, setTried] = useState(false);
  // A new step (or the same step reached again on another branch) starts from its own answer.
  // Not on mount: useState starts there already, and effects run after the first paint, so a
  // reset then would wipe what was typed in between (a fast typist, a scanner, a slow kiosk).
  const shownStep = useRef(step.id);
  useEffect(() => {
    if (shownStep.current === step.id) return;
    shownStep.current = step.id;
    setValue(p.answers[step.answer] ?? '');
    setProblem(null);
    setTried(false);
  }, [step.id]);
  const maxLength = step.maxLength ?? (step.input === 'long-text' ? 1000 : 120);
  const change = (v: string): void => {
    setValue(v);
    if (tried) setProblem(validate(step, v));
  };
  const next = (): void => {
    setTried(true);
    const why = validate(step, value);
    setProblem(why);
    if (!why) flow.next(normalise(step.input, value));
  };
  const f = t.value.format;
  const label = f(step.title, p.answers);
  const input = {
    id: `field-${step.id}`,
    value,
    maxLength,
    autoComplete: 'off',
    'aria-label': label,
    inputMode: inputModeFor(step.input),
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': `help-${step.id} problem-${step.id}`,
    dir: (step.input === 'text' || step.input === 'long-text' ? 'auto' : 'ltr') as 'auto' | 'ltr',
    'data-testid': 'field-input',
    onInput: (e: Event) => change((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <>
      <StepHead step={step} answers={p.answers} />
      {step.input === 'long-text' ? <textarea rows={4} {...input} /> : <input type="text" {...input} />}
      <p id={`help-${step.id}`} class="hint">
        {step.help ? f(step.help) : step.required ? '' : t.value.optional}
      </p>
      <p id={`problem-${step.id}`} class="notice error" role={problem ? 'alert' : undefined} data-testid="field-problem" data-code={problem ?? ''} hidden={!problem}>
        {problem ? f(`ui.invalid.${problem}`) : ''}
      </p>
      <Keyboard layout={layoutFor(step.input, lang.value)} value={value} onChange={change} maxLength={maxLength} labels={{ label, deleteKey: t.value.deleteDigit, space: t.value.space }} />
      <div class="choices">
        <button type="button" class="big primary" onClick={next} data-testid="flow-next">
          {t.value.next}
        </button>
      </div>
    </>
  );
}
