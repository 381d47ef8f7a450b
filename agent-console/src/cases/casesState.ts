/**
 * Cases for one signed-in user, as signals: the configured outcome codes
 * (read once), the Cases screen's list with its filters and page, and one
 * `CaseState` per case on screen. No rendering here.
 *
 * A case on screen in two places at once (the call's panel on the hidden
 * desk and the same case opened from the list) is one state, so both show the
 * same edits. A case's state is dropped when no panel shows it any more,
 * unless it holds edits the agent has not saved: those stay until a panel
 * shows the case again (the call ended, the callback was reported, the agent
 * closed the wrap-up panel), and the list marks the case as unsaved.
 */
import { computed, signal } from '@preact/signals';
import type { CaseStatus, InquiryList, InquirySummary, OutcomeCodeList } from '@citizen/protocol';
import type { Api } from '../api';
import { caseProblem, createCaseState, type CaseProblem, type CaseState } from './caseState';

export type CasesApi = Pick<Api, 'inquiries' | 'inquiry' | 'updateInquiry' | 'addInquiryNote' | 'outcomeCodes'>;
export type OutcomeCodeOption = OutcomeCodeList['outcomeCodes'][number];

export const PAGE_SIZE = 20;

export function createCasesState(api: CasesApi, user: { id: string }, pageSize = PAGE_SIZE) {
  const outcomeCodes = signal<readonly OutcomeCodeOption[] | null>(null);
  const outcomeCodesProblem = signal<CaseProblem | null>(null);
  let codesAsked: Promise<void> | null = null;

  /** Reads the outcome codes once; a failed read is tried again by the next panel. */
  function loadOutcomeCodes(): Promise<void> {
    if (outcomeCodes.value) return Promise.resolve();
    codesAsked ??= api.outcomeCodes().then(
      (r) => {
        outcomeCodes.value = r.outcomeCodes;
        outcomeCodesProblem.value = null;
      },
      (err: unknown) => {
        codesAsked = null;
        outcomeCodesProblem.value = caseProblem(err, 'read the outcome codes');
      },
    );
    return codesAsked;
  }

  const outcomeLabel = (code: string): string => outcomeCodes.value?.find((o) => o.code === code)?.label ?? code;

  const list = createCaseListState(api, pageSize);

  const open = new Map<string, { state: CaseState; holders: number }>();
  /** Case ids with edits not saved, for the list. */
  const unsaved = signal<ReadonlySet<string>>(new Set());
  const markUnsaved = (): void => {
    unsaved.value = new Set([...open].filter(([, e]) => e.holders === 0 && e.state.dirty.value).map(([id]) => id));
  };

  function stateFor(id: string): CaseState {
    let entry = open.get(id);
    if (!entry) {
      entry = { state: createCaseState(api, id, { saved: (d) => list.update(d.inquiry) }), holders: 0 };
      open.set(id, entry);
    }
    return entry.state;
  }

  /** A panel shows the case: (re)read it and the outcome codes. Returns the release, for the panel's cleanup. */
  function hold(id: string): () => void {
    const state = stateFor(id);
    const entry = open.get(id)!;
    entry.holders++;
    markUnsaved();
    void state.load();
    void loadOutcomeCodes();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.holders--;
      if (entry.holders === 0 && !state.dirty.value && open.get(id) === entry) open.delete(id);
      markUnsaved();
    };
  }

  return { selfId: user.id, outcomeCodes, outcomeCodesProblem, loadOutcomeCodes, outcomeLabel, list, stateFor, hold, unsaved };
}
export type CasesState = ReturnType<typeof createCasesState>;

/**
 * The Cases screen's list: newest first, filtered by case status and "mine"
 * (cases I took the call of or am assigned to), a page at a time, and the case
 * opened from it.
 */
export function createCaseListState(api: Pick<Api, 'inquiries'>, pageSize = PAGE_SIZE) {
  /** '' = every status. */
  const caseStatus = signal<CaseStatus | ''>('');
  const mine = signal(false);
  const offset = signal(0);
  const page = signal<InquiryList | null>(null);
  const problem = signal<CaseProblem | null>(null);
  const loading = signal(false);
  /** The case opened from the list. */
  const selected = signal<string | null>(null);
  let latest = 0;

  async function load(): Promise<void> {
    // Only the newest request's answer is shown, whatever order answers come in.
    const mineRequest = ++latest;
    loading.value = true;
    try {
      const r = await api.inquiries({ ...(caseStatus.value ? { caseStatus: caseStatus.value } : {}), ...(mine.value ? { mine: true } : {}), limit: pageSize, offset: offset.value });
      if (mineRequest !== latest) return;
      // Past the end (cases left the filter since the page was chosen): show the last page instead.
      if (r.items.length === 0 && r.offset > 0 && r.total > 0) {
        offset.value = Math.floor((r.total - 1) / pageSize) * pageSize;
        void load();
        return;
      }
      page.value = r;
      problem.value = null;
    } catch (err) {
      if (mineRequest !== latest) return;
      problem.value = caseProblem(err, 'list the cases');
    } finally {
      if (mineRequest === latest) loading.value = false;
    }
  }

  const from = (start: number): Promise<void> => {
    offset.value = Math.max(0, start);
    return load();
  };

  return {
    caseStatus,
    mine,
    offset,
    page,
    problem,
    loading,
    selected,
    load,
    /** A filter changed: back to the first page. */
    filter: (status: CaseStatus | '', onlyMine: boolean) => {
      caseStatus.value = status;
      mine.value = onlyMine;
      return from(0);
    },
    hasPrevious: computed(() => (page.value?.offset ?? 0) > 0),
    hasNext: computed(() => (page.value ? page.value.offset + page.value.items.length < page.value.total : false)),
    previous: () => from((page.value?.offset ?? 0) - pageSize),
    next: () => from((page.value?.offset ?? 0) + pageSize),
    /** "21–40 of 57". */
    range: computed(() => {
      const p = page.value;
      if (!p || p.items.length === 0) return null;
      return `${p.offset + 1}–${p.offset + p.items.length} of ${p.total}`;
    }),
    /** A case saved elsewhere: its row shows the new status at once (the next load applies the filters again). */
    update: (c: InquirySummary) => {
      const p = page.value;
      if (!p || !p.items.some((i) => i.id === c.id)) return;
      page.value = { ...p, items: p.items.map((i) => (i.id === c.id ? pick(c) : i)) };
    },
    open: (id: string) => {
      selected.value = id;
    },
    /** Back to the list, read again: the case opened may have changed. */
    close: () => {
      selected.value = null;
      return load();
    },
  };
}
export type CaseListState = ReturnType<typeof createCaseListState>;

/** The summary fields of a case (a detail's inquiry carries answers and more). */
function pick(c: InquirySummary): InquirySummary {
  const { id, reference, kioskId, place, language, topic, contactStatus, caseStatus, outcomeCode, nextStep, agentId, assigneeId, createdAt, promisedBy, resolvedAt } = c;
  return { id, reference, kioskId, place, language, topic, contactStatus, caseStatus, outcomeCode, nextStep, agentId, assigneeId, createdAt, promisedBy, resolvedAt };
}
