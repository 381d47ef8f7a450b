/**
 * After a call, the case of the call just ended, so the agent finishes the
 * notes and records the outcome in wrap-up. It stays after the wrap-up time
 * runs out (the agent may still be typing) until the agent closes it or takes
 * the next call; unsaved edits outlive it (see casesState.ts).
 */
import { useState } from 'preact/hooks';
import type { DeskState } from '../call/deskState';
import { CasePanel } from './CasePanel';
import { useCases } from './CasesContext';

export function WrapUpCase({ desk }: { desk: DeskState }) {
  const cases = useCases();
  const ended = desk.lastEnded.value;
  const [closed, setClosed] = useState<string | null>(null);
  if (!ended || closed === ended.callId) return null;
  // A call is its inquiry's first contact: the inquiry has the call's id.
  const inquiryId = ended.callId;
  const unsaved = cases.stateFor(inquiryId).dirty.value;
  return (
    <div class="wrap-up-case" data-testid="wrap-up-case">
      <CasePanel inquiryId={inquiryId} />
      <div class="row">
        <button type="button" class="secondary" onClick={() => setClosed(inquiryId)}>
          Close the case
        </button>
        {unsaved && <span class="muted">Changes not saved stay with the case under Cases.</span>}
      </div>
    </div>
  );
}
