/**
 * One case as staff work on it, as signals: what the server holds (the case
 * and its history, oldest first), what the agent changed and has not saved
 * (case status, outcome code, next step, the note being typed), saving, and
 * what went wrong. No rendering here.
 *
 * The agent's edits are kept apart from the server's answer: a reload (the
 * history grew because the call ended) moves the saved values and leaves the
 * edits alone, and a save that fails keeps every edit for another try. Only
 * what was sent and is still as sent is cleared by a save that goes through.
 */
import { computed, signal } from '@preact/signals';
import type { CaseStatus, InquiryDetail, InquiryPatch, NextStep } from '@citizen/protocol';
import { ApiError, type Api } from '../api';

export type CaseApi = Pick<Api, 'inquiry' | 'updateInquiry' | 'addInquiryNote'>;

/** The fields the panel edits; '' is "none" (a case may have no outcome code or next step yet). */
export interface CaseFields {
  caseStatus: CaseStatus;
  outcomeCode: string;
  nextStep: NextStep | '';
}

/** What went wrong, for the screen: our sentence, the server's message and its "how to fix" line, and the code. */
export interface CaseProblem {
  code: string;
  text: string;
  detail: string | null;
  fix: string | null;
}

const MESSAGES: Record<string, string> = {
  NOT_FOUND: 'This case does not exist, or it is not one you took or are assigned to.',
  OUTCOME_CODE_UNKNOWN: 'That outcome code is not configured (any more); choose another.',
  ASSIGNEE_UNKNOWN: 'That person cannot be assigned cases.',
  BAD_REQUEST: 'The server refused the change; check the fields.',
  FORBIDDEN: 'You may not do this with cases.',
  UNAUTHENTICATED: 'Your session ended. Sign in again; what you typed is kept until then.',
  CSRF_TOKEN_INVALID: 'The server did not accept this console’s session token. Reload the page.',
};

export function caseProblem(err: unknown, doing: string): CaseProblem {
  if (err instanceof ApiError) return { code: err.code, text: MESSAGES[err.code] ?? `Could not ${doing}.`, detail: err.message, fix: err.fix };
  return { code: 'NETWORK', text: `Could not ${doing}: the server could not be reached.`, detail: null, fix: 'Check the connection and try again; what you typed is kept.' };
}

const NOTE_MAX = 2000;

export function createCaseState(api: CaseApi, id: string, hooks: { saved?: (detail: InquiryDetail) => void } = {}) {
  const detail = signal<InquiryDetail | null>(null);
  const edits = signal<Partial<CaseFields>>({});
  const note = signal('');
  const loading = signal(false);
  const saving = signal(false);
  /** Reading the case failed (shown in place of the case when there is none yet). */
  const loadProblem = signal<CaseProblem | null>(null);
  /** The last save or note failed. */
  const saveProblem = signal<CaseProblem | null>(null);
  const notice = signal<string | null>(null);

  const saved = computed((): CaseFields | null => {
    const i = detail.value?.inquiry;
    return i ? { caseStatus: i.caseStatus, outcomeCode: i.outcomeCode ?? '', nextStep: i.nextStep ?? '' } : null;
  });
  /** What the form shows: the saved case with the agent's edits over it. */
  const fields = computed((): CaseFields | null => (saved.value ? { ...saved.value, ...edits.value } : null));
  /** The PATCH body: the edited fields that differ from what is saved; null when there is nothing to change. */
  const patch = computed((): InquiryPatch | null => {
    const base = saved.value;
    if (!base) return null;
    const body: InquiryPatch = {};
    const e = edits.value;
    if (e.caseStatus !== undefined && e.caseStatus !== base.caseStatus) body.caseStatus = e.caseStatus;
    if (e.outcomeCode !== undefined && e.outcomeCode !== base.outcomeCode) body.outcomeCode = e.outcomeCode || null;
    if (e.nextStep !== undefined && e.nextStep !== base.nextStep) body.nextStep = e.nextStep || null;
    return Object.keys(body).length > 0 ? body : null;
  });
  const noteText = computed(() => note.value.trim());
  const dirty = computed(() => patch.value !== null || noteText.value !== '');

  // Answers can arrive out of order (a reload sent before a save, answered after it): the newest request's wins.
  let asked = 0;
  let shown = 0;
  function show(request: number, d: InquiryDetail): void {
    if (request < shown) return;
    shown = request;
    detail.value = d;
  }

  function set<K extends keyof CaseFields>(key: K, value: CaseFields[K]): void {
    const next = { ...edits.value };
    if (saved.value?.[key] === value) delete next[key];
    else next[key] = value;
    edits.value = next;
    notice.value = null;
  }

  async function load(): Promise<void> {
    const request = ++asked;
    loading.value = true;
    try {
      show(request, await api.inquiry(id));
      loadProblem.value = null;
    } catch (err) {
      loadProblem.value = caseProblem(err, 'read the case');
    } finally {
      loading.value = false;
    }
  }

  /** Posts the typed note; throws what the server answered. */
  async function postNote(): Promise<void> {
    const text = noteText.value;
    const sent = note.value;
    const { note: added } = await api.addInquiryNote(id, text);
    if (note.value === sent) note.value = '';
    const d = detail.value;
    if (d && !d.history.some((e) => e.id === added.id)) detail.value = { ...d, history: [...d.history, added] };
  }

  /** Runs one write; the form keeps everything that was not written. Resolves true when it went through. */
  async function write(doing: string, fn: () => Promise<string>): Promise<boolean> {
    if (saving.value) return false;
    saving.value = true;
    saveProblem.value = null;
    notice.value = null;
    try {
      notice.value = await fn();
      return true;
    } catch (err) {
      saveProblem.value = caseProblem(err, doing);
      return false;
    } finally {
      saving.value = false;
    }
  }

  return {
    id,
    detail,
    fields,
    note,
    dirty,
    patch,
    loading,
    saving,
    loadProblem,
    saveProblem,
    notice,
    load,
    setStatus: (v: CaseStatus) => set('caseStatus', v),
    setOutcomeCode: (v: string) => set('outcomeCode', v),
    setNextStep: (v: NextStep | '') => set('nextStep', v),
    setNote: (text: string) => {
      note.value = text.slice(0, NOTE_MAX);
      notice.value = null;
    },
    /** Adds the typed note alone. */
    addNote: () =>
      write('add the note', async () => {
        if (!noteText.value) return 'Nothing to add.';
        await postNote();
        return 'Note added.';
      }),
    /** Saves everything the agent changed: the typed note first (it is history), then status, outcome code and next step. */
    save: () =>
      write('save the case', async () => {
        if (noteText.value) await postNote();
        const body = patch.value;
        if (body) {
          const request = ++asked;
          const updated = await api.updateInquiry(id, body);
          show(request, updated);
          // Clear what was sent and is still as sent; a field changed again meanwhile stays an edit.
          const left = { ...edits.value };
          for (const key of Object.keys(body) as (keyof InquiryPatch)[]) {
            if (key === 'assigneeId') continue;
            const sentValue = body[key] ?? '';
            if (left[key] === sentValue) delete left[key];
          }
          edits.value = left;
          hooks.saved?.(updated);
        }
        return 'Saved.';
      }),
  };
}
export type CaseState = ReturnType<typeof createCaseState>;
