/**
 * A case as staff work on it: what the resident asked (reference, topic,
 * language, place, answers, the promised answer date), its history, a note,
 * and the case status, outcome code and next step with one Save. Shown on the
 * desk during a call, with a callback in hand and in wrap-up, and on the Cases
 * screen; the state behind it is the signed-in user's cases state.
 */
import { Fragment } from 'preact';
import { useEffect } from 'preact/hooks';
import { CASE_STATUSES, NEXT_STEPS, type InquiryDetail } from '@citizen/protocol';
import type { CaseProblem, CaseState } from './caseState';
import { useCases } from './CasesContext';
import { CASE_STATUS_LABEL, CONTACT_STATUS_LABEL, NEXT_STEP_LABEL, actorName, describeEvent, staffName, type Naming } from './caseWords';
import type { OutcomeCodeOption } from './casesState';
import './cases.css';

export function CasePanel({ inquiryId }: { inquiryId: string }) {
  const cases = useCases();
  const c = cases.stateFor(inquiryId);
  useEffect(() => cases.hold(inquiryId), [cases, inquiryId]);
  const d = c.detail.value;
  const naming: Naming = { selfId: cases.selfId, outcome: cases.outcomeLabel };
  return (
    <section class="case-panel panel" data-testid="case-panel" data-inquiry={inquiryId}>
      <h3>
        Case <span data-testid="case-reference">{d?.inquiry.reference ?? '…'}</span>
        {d && (
          <span class="case-status-badge" data-status={d.inquiry.caseStatus} data-testid="case-status">
            {CASE_STATUS_LABEL[d.inquiry.caseStatus]}
          </span>
        )}
      </h3>
      {c.loadProblem.value && <Problem problem={c.loadProblem.value} />}
      {!d && !c.loadProblem.value && <p class="muted">Loading the case…</p>}
      {d && (
        <>
          <Facts detail={d} naming={naming} />
          <Answers answers={d.inquiry.answers} />
          <h4>History</h4>
          <ol class="case-history" data-testid="case-history">
            {d.history.map((e) => (
              <li key={e.id} data-kind={e.kind}>
                <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time> <span class="muted">{actorName(e.actor, naming)}</span> {describeEvent(e, naming)}
              </li>
            ))}
          </ol>
          <CaseForm c={c} codes={cases.outcomeCodes.value} codesProblem={cases.outcomeCodesProblem.value} />
        </>
      )}
    </section>
  );
}

function Facts({ detail, naming }: { detail: InquiryDetail; naming: Naming }) {
  const i = detail.inquiry;
  return (
    <dl class="case-facts">
      <dt>Topic</dt>
      <dd data-testid="case-topic">{i.topic ?? 'none given'}</dd>
      <dt>Language</dt>
      <dd>{i.language}</dd>
      <dt>Place</dt>
      <dd>{i.place ?? 'not recorded'}</dd>
      <dt>Received</dt>
      <dd>{new Date(i.createdAt).toLocaleString()}</dd>
      {i.resolvedAt ? (
        <>
          <dt>Resolved on</dt>
          <dd>{new Date(i.resolvedAt).toLocaleDateString()}</dd>
        </>
      ) : (
        <>
          <dt>Answer promised by</dt>
          <dd data-testid="case-promised">{i.promisedBy ? new Date(i.promisedBy).toLocaleDateString() : 'no date promised'}</dd>
        </>
      )}
      <dt>Contact</dt>
      <dd>
        {CONTACT_STATUS_LABEL[i.contactStatus]}
        {i.agentId && <> · taken by {staffName(i.agentId, naming)}</>}
        {i.assigneeId && <> · assigned to {staffName(i.assigneeId, naming)}</>}
      </dd>
    </dl>
  );
}

function Answers({ answers }: { answers: Record<string, string> }) {
  const entries = Object.entries(answers);
  if (entries.length === 0) return <p class="muted">The resident gave no answers.</p>;
  return (
    <>
      <h4>The resident’s answers</h4>
      <dl class="answers" data-testid="case-answers">
        {entries.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </Fragment>
        ))}
      </dl>
    </>
  );
}

function CaseForm({ c, codes, codesProblem }: { c: CaseState; codes: readonly OutcomeCodeOption[] | null; codesProblem: CaseProblem | null }) {
  const f = c.fields.value;
  if (!f) return null;
  const busy = c.saving.value;
  // A code recorded before it was taken out of the configuration still shows as what it is.
  const retired = f.outcomeCode && !codes?.some((o) => o.code === f.outcomeCode) ? f.outcomeCode : null;
  return (
    <form
      class="case-form"
      onSubmit={(e) => {
        e.preventDefault();
        void c.save();
      }}
    >
      <label class="case-note">
        Note
        <textarea
          name="note"
          rows={3}
          maxLength={2000}
          readOnly={busy}
          value={c.note.value}
          onInput={(e) => c.setNote(e.currentTarget.value)}
          placeholder="For staff only; the resident never sees notes."
        />
      </label>
      <div class="row">
        <button type="button" class="secondary" disabled={busy || !c.note.value.trim()} onClick={() => void c.addNote()}>
          Add note
        </button>
      </div>
      <div class="row case-fields">
        <label>
          Case status
          <select name="caseStatus" value={f.caseStatus} disabled={busy} onChange={(e) => {
              const s = CASE_STATUSES.find((x) => x === e.currentTarget.value);
              if (s) c.setStatus(s);
            }}>
            {CASE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {CASE_STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Outcome
          <select name="outcomeCode" value={f.outcomeCode} disabled={busy} onChange={(e) => c.setOutcomeCode(e.currentTarget.value)}>
            <option value="">No outcome yet</option>
            {(codes ?? []).map((o) => (
              <option key={o.code} value={o.code}>
                {o.label}
              </option>
            ))}
            {retired && <option value={retired}>{retired} (no longer configured)</option>}
          </select>
        </label>
        <label>
          Next step
          <select name="nextStep" value={f.nextStep} disabled={busy} onChange={(e) => {
              const v = e.currentTarget.value;
              c.setNextStep(NEXT_STEPS.find((x) => x === v) ?? '');
            }}>
            <option value="">None</option>
            {NEXT_STEPS.map((s) => (
              <option key={s} value={s}>
                {NEXT_STEP_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy || !c.dirty.value}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
      {codesProblem && <Problem problem={codesProblem} />}
      {c.saveProblem.value && <Problem problem={c.saveProblem.value} />}
      {c.notice.value && !c.dirty.value && (
        <p role="status" class="notice" data-testid="case-notice">
          {c.notice.value}
        </p>
      )}
      {c.dirty.value && !busy && <p class="muted">Not saved yet.</p>}
    </form>
  );
}

export function Problem({ problem }: { problem: CaseProblem }) {
  return (
    <div role="alert" class="error case-problem" data-code={problem.code}>
      <p>{problem.text}</p>
      {problem.detail && <p class="muted">{problem.detail}</p>}
      {problem.fix && <p class="fix">{problem.fix}</p>}
    </div>
  );
}
