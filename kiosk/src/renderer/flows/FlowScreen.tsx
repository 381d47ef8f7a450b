/**
 * A guided flow on the screen: one step at a time, in the resident's
 * language, with Back and "Start again" always at hand. What each step does
 * is in protocol/src/flows.ts; where it leads is the engine's business
 * (engine.ts). The step views here only ask and show.
 */
import { useState } from 'preact/hooks';
import type { CallRequestInfo, FlowDefinition, FlowStep } from '@citizen/protocol';
import { useKiosk } from '../context';
import { answeredOnTrail, cardOnTrail, handover, labelKeyOf, valueKeyOf, type FlowProgress } from './engine';
import { FieldStepView } from './FieldStep';
import { useLazy } from '../lazy';
import { ReferenceReceipt, useCasePromise } from '../call/Receipt';

type Step<K extends FlowStep['type']> = Extract<FlowStep, { type: K }>;

export function FlowScreen() {
  const { flow, t } = useKiosk();
  const def = flow.flow.value;
  const step = flow.step.value;
  const p = flow.progress.value;
  if (!def || !step || !p) return null;
  return (
    <section class={`screen flow step-${step.type}`} data-testid="flow" data-flow={def.id} data-step={step.id}>
      <p class="flow-title">{t.value.format(def.title)}</p>
      <StepView def={def} step={step} p={p} />
      <nav class="flow-nav">
        {flow.canGoBack.value && step.type !== 'end' && (
          <button type="button" class="big secondary" onClick={() => flow.back()} data-testid="flow-back">
            {t.value.back}
          </button>
        )}
        <StartAgain />
      </nav>
    </section>
  );
}

/** Leaves the flow; its answers are forgotten. */
function StartAgain() {
  const { t, home, flow } = useKiosk();
  if (flow.step.value?.type === 'end') return null;
  return (
    <button type="button" class="big secondary" onClick={home} data-testid="flow-home">
      {t.value.startAgain}
    </button>
  );
}

function StepView({ def, step, p }: { def: FlowDefinition; step: FlowStep; p: FlowProgress }) {
  switch (step.type) {
    case 'info':
      return <InfoView step={step} />;
    case 'choice':
      return <ChoiceView step={step} p={p} />;
    case 'field':
      return <FieldStepView step={step} p={p} />;
    case 'card':
      return <CardView step={step} p={p} />;
    case 'summary':
      return <SummaryView def={def} step={step} p={p} />;
    case 'print':
      return <PrintView step={step} p={p} />;
    case 'submit':
      return <SubmitView def={def} step={step} p={p} />;
    case 'talk':
      return <TalkView def={def} step={step} p={p} />;
    case 'leave':
      return <LeaveView def={def} step={step} p={p} />;
    case 'status':
      return <StatusView />;
    case 'end':
      return <EndView step={step} p={p} />;
  }
}

/** Title and body of a step; the body may name answers (`{childName}`). */
export function StepHead({ step, answers }: { step: FlowStep; answers: Readonly<Record<string, string>> }) {
  const { t } = useKiosk();
  return (
    <>
      <h2 data-testid="step-title">{t.value.format(step.title, answers)}</h2>
      {step.body && <p class="step-body">{t.value.format(step.body, answers)}</p>}
    </>
  );
}

function Next({ onClick, label, disabled = false }: { onClick: () => void; label?: string; disabled?: boolean }) {
  const { t } = useKiosk();
  return (
    <button type="button" class="big primary" onClick={onClick} disabled={disabled} data-testid="flow-next">
      {label ?? t.value.next}
    </button>
  );
}

function InfoView({ step }: { step: Step<'info'> }) {
  const { t, flow } = useKiosk();
  const answers = flow.progress.value?.answers ?? {};
  return (
    <>
      <StepHead step={step} answers={answers} />
      {step.bullets && (
        <ul class="bullets">
          {step.bullets.map((b) => (
            <li>{t.value.format(b, answers)}</li>
          ))}
        </ul>
      )}
      <Next onClick={() => flow.next()} />
    </>
  );
}

function ChoiceView({ step, p }: { step: Step<'choice'>; p: FlowProgress }) {
  const { t, flow } = useKiosk();
  const current = p.answers[step.answer];
  return (
    <>
      <StepHead step={step} answers={p.answers} />
      <div class="options" role="group" aria-label={t.value.format(step.title, p.answers)}>
        {step.options.map((o) => (
          <button
            type="button"
            class={o.value === current ? 'big option chosen' : 'big option'}
            aria-pressed={o.value === current}
            onClick={() => flow.next(o.value)}
            data-option={o.value}
          >
            {t.value.format(o.label, p.answers)}
          </button>
        ))}
      </div>
    </>
  );
}

/** The card at the reader, only with the resident's say-so; its masked form is the answer. */
function CardView({ step, p }: { step: Step<'card'>; p: FlowProgress }) {
  const { t, flow, card, cardProblem } = useKiosk();
  const c = card.value;
  return (
    <>
      <StepHead step={step} answers={p.answers} />
      <p class="consent-text">{t.value.format(step.consent)}</p>
      {cardProblem.value && (
        <p class="notice error" role="alert" data-testid="card-problem">
          {t.value.cardRejected}
        </p>
      )}
      {c ? (
        <>
          <p class="notice" role="status" data-testid="card-read">
            {t.value.cardRead(c.masked)}
          </p>
          <Next onClick={() => flow.next(c.masked)} label={t.value.useThisCard} />
        </>
      ) : (
        <p class="notice" role="status" data-testid="card-wait">
          {t.value.presentCard}
        </p>
      )}
      {!step.required && (
        <button type="button" class="big secondary" onClick={() => flow.next('')} data-testid="card-skip">
          {t.value.continueWithoutCard}
        </button>
      )}
    </>
  );
}

function SummaryView({ def, step, p }: { def: FlowDefinition; step: Step<'summary'>; p: FlowProgress }) {
  const { t, flow } = useKiosk();
  const lines = answeredOnTrail(def, p);
  return (
    <>
      <StepHead step={step} answers={p.answers} />
      <dl class="summary" data-testid="summary">
        {lines.map((l) => {
          const valueKey = valueKeyOf(l);
          return (
            <div class="summary-row" data-answer={l.answer}>
              <dt>{t.value.format(labelKeyOf(def, l), p.answers)}</dt>
              <dd>
                <span>{valueKey ? t.value.format(valueKey, p.answers) : l.value}</span>
                <button type="button" class="secondary change" onClick={() => flow.change(l.answer)} data-testid={`change-${l.answer}`}>
                  {t.value.change}
                </button>
              </dd>
            </div>
          );
        })}
      </dl>
      <Next onClick={() => flow.next()} label={t.value.confirm} />
    </>
  );
}

type PrintState = 'idle' | 'printing' | 'printed' | 'failed';

/** A document to take home (a checklist, a confirmation), filled in with the answers. */
function PrintView({ step, p }: { step: Step<'print'>; p: FlowProgress }) {
  const { t, flow, bridge, lang, localFormat } = useKiosk();
  const [state, setState] = useState<PrintState>('idle');
  const print = async (): Promise<void> => {
    setState('printing');
    const text = (f: (key: string, values?: Record<string, string>) => string) => ({
      title: f(step.document.title, p.answers).slice(0, 80),
      lines: step.document.lines.map((l) => f(l, p.answers).slice(0, 300)),
    });
    try {
      // The same document in the kiosk's local language, for a printer that cannot print the resident's script.
      const local = localFormat.value;
      await bridge.printDocument({ ...text(t.value.format), reference: p.reference ?? null, ...(local.lang !== lang.value ? { fallback: text(local.format) } : {}) });
      setState('printed');
    } catch {
      setState('failed');
    }
  };
  return (
    <>
      <StepHead step={step} answers={p.answers} />
      <div class="choices">
        <button type="button" class="big secondary" onClick={() => void print()} disabled={state === 'printing'} data-testid="flow-print" data-state={state}>
          {state === 'printing' ? t.value.printing : state === 'printed' ? t.value.printed : state === 'failed' ? t.value.printFailed : t.value.printReceipt}
        </button>
        <Next onClick={() => flow.next()} />
      </div>
    </>
  );
}

/** What a call or an inquiry from this flow carries: the topic, the language, every answer (in the reference language) and a consented card. */
export function useRequestInfo(def: FlowDefinition, p: FlowProgress, step: { topic?: string }): CallRequestInfo {
  const { lang, referenceFormat, card: presented } = useKiosk();
  const masked = cardOnTrail(def, p);
  const card = masked && presented.value?.masked === masked ? presented.value : null;
  return {
    language: lang.value,
    ...(step.topic ?? def.topic ? { topic: step.topic ?? def.topic } : {}),
    answers: handover(def, p, referenceFormat.value),
    ...(card ? { card: { kind: card.kind, masked: card.masked } } : {}),
  };
}

function SubmitView({ def, step, p }: { def: FlowDefinition; step: Step<'submit'>; p: FlowProgress }) {
  const { t, flow, call } = useKiosk();
  const request = useRequestInfo(def, p, step);
  const [consent, setConsent] = useState(false);
  const [state, setState] = useState<{ s: 'idle' } | { s: 'sending' } | { s: 'failed'; code: string }>({ s: 'idle' });
  const send = async (): Promise<void> => {
    setState({ s: 'sending' });
    const message = Object.entries(request.answers ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n')
      .slice(0, 2000);
    const r = await call.submitFromFlow(request, message);
    if (!r.ok) return setState({ s: 'failed', code: r.code });
    flow.submitted(r.reference, r.promisedBy);
    flow.next();
  };
  return (
    <>
      <StepHead step={step} answers={p.answers} />
      <label class="consent">
        <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.currentTarget.checked)} data-testid="flow-consent" />
        {t.value.consentWritten}
      </label>
      {state.s === 'failed' && (
        <p role="alert" class="notice error" data-testid="flow-send-failed" data-code={state.code}>
          {t.value.leaveFailed}
        </p>
      )}
      <Next onClick={() => void send()} disabled={!consent || state.s === 'sending'} label={state.s === 'sending' ? t.value.sending : t.value.send} />
    </>
  );
}

/** Hands over to a person with everything said so far. */
function TalkView({ def, step, p }: { def: FlowDefinition; step: Step<'talk'>; p: FlowProgress }) {
  const { t, call, connection } = useKiosk();
  const request = useRequestInfo(def, p, step);
  return (
    <>
      <StepHead step={step} answers={p.answers} />
      <button
        type="button"
        class="big primary talk"
        disabled={connection.value.state !== 'online' || call.state.value.step === 'requesting'}
        onClick={() => void call.talkToAPerson(request)}
        data-testid="flow-talk"
      >
        {call.state.value.step === 'requesting' ? t.value.connecting : t.value.talkToPerson}
        <small>{t.value.talkToPersonHint}</small>
      </button>
    </>
  );
}

function LeaveView({ def, step, p }: { def: FlowDefinition; step: Step<'leave'>; p: FlowProgress }) {
  const { t, call } = useKiosk();
  const request = useRequestInfo(def, p, step);
  return (
    <>
      <StepHead step={step} answers={p.answers} />
      <div class="choices">
        <button type="button" class="big primary" onClick={() => call.offerCallback(request)} data-testid="flow-callback">
          {t.value.callMeBack}
        </button>
        <button type="button" class="big secondary" onClick={() => call.writeInquiry(request)} data-testid="flow-write">
          {t.value.writeToUs}
        </button>
      </div>
    </>
  );
}

function StatusView() {
  const { followUp, t, lang, flow, home } = useKiosk();
  const FollowUpScreen = useLazy(() => import('../followUp/FollowUpScreen').then((m) => m.FollowUpScreen), true);
  if (!FollowUpScreen) return <p class="notice">…</p>;
  return <FollowUpScreen followUp={followUp} t={t.value} lang={lang.value} onBack={() => (flow.canGoBack.value ? flow.back() : home())} />;
}

/** What happens now; with a reference if the flow sent an inquiry. Finishing wipes the session. */
function EndView({ step, p }: { step: Step<'end'>; p: FlowProgress }) {
  const { t, endResidentSession, bridge, receiptLang, lang } = useKiosk();
  const promise = useCasePromise(p.reference ?? null, lang.value);
  return (
    <>
      <StepHead step={step} answers={p.answers} />
      {p.reference && (
        <>
          {p.promisedBy && (
            <p data-testid="flow-answer-by">{t.value.answerBy(new Date(p.promisedBy).toLocaleDateString(t.value.locale, { day: 'numeric', month: 'long', year: 'numeric' }))}</p>
          )}
          <ReferenceReceipt reference={p.reference} language={receiptLang.value} bridge={bridge} t={t.value} nextSteps={['track-online']} promise={promise} />
        </>
      )}
      <button type="button" class="big primary" onClick={() => void endResidentSession()} data-testid="flow-finish">
        {t.value.finish}
      </button>
    </>
  );
}
