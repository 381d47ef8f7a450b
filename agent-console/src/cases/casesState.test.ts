/**
 * The signed-in user's cases without rendering: the list's filters and pages
 * as the server is asked for them, the newest answer winning, the outcome
 * codes read once, one state per case shared by every panel showing it, kept
 * while it holds unsaved edits, and a saved case's row following at once.
 */
import { describe, expect, it } from 'vitest';
import type { InquiryDetail, InquiryList, InquiryListQuery, InquirySummary } from '@citizen/protocol';
import { ApiError } from '../api';
import { createCaseListState, createCasesState, type CasesApi } from './casesState';

const summary = (n: number, over: Partial<InquirySummary> = {}): InquirySummary => ({
  id: `c-${n}`,
  reference: 'BS-7K3Q-92XK',
  kioskId: 'k-1',
  place: 'Main library',
  language: 'da',
  topic: null,
  contactStatus: 'ended',
  caseStatus: 'received',
  outcomeCode: null,
  nextStep: null,
  agentId: 'u-anna',
  assigneeId: null,
  createdAt: '2025-03-10T09:00:00.000Z',
  promisedBy: null,
  resolvedAt: null,
  ...over,
});
const detail = (n: number, over: Partial<InquirySummary> = {}): InquiryDetail => ({
  inquiry: { ...summary(n, over), answers: {}, endReason: null, endedAt: null },
  history: [],
});

/** `total` cases c-0 … c-(total-1); the list answers pages of them as the server would. */
function listApi(total: number, asked: InquiryListQuery[] = []) {
  return {
    asked,
    inquiries: async (q: InquiryListQuery): Promise<InquiryList> => {
      asked.push(q);
      const limit = q.limit ?? 20;
      const offset = q.offset ?? 0;
      const all = Array.from({ length: total }, (_, i) => summary(i));
      return { items: all.slice(offset, offset + limit), total, limit, offset };
    },
  };
}

describe('case list', () => {
  it('asks for the filters and pages chosen, back to the first page when a filter changes', async () => {
    const api = listApi(45);
    const list = createCaseListState(api, 20);
    await list.load();
    expect(list.range.value).toBe('1–20 of 45');
    expect([list.hasPrevious.value, list.hasNext.value]).toEqual([false, true]);
    await list.next();
    await list.next();
    expect(list.range.value).toBe('41–45 of 45');
    expect([list.hasPrevious.value, list.hasNext.value]).toEqual([true, false]);
    await list.previous();
    expect(list.range.value).toBe('21–40 of 45');
    await list.filter('in-progress', true);
    expect(api.asked).toEqual([
      { limit: 20, offset: 0 },
      { limit: 20, offset: 20 },
      { limit: 20, offset: 40 },
      { limit: 20, offset: 20 },
      { caseStatus: 'in-progress', mine: true, limit: 20, offset: 0 },
    ]);
  });

  it('shows the last page when the page asked for is past the end', async () => {
    const api = listApi(45);
    const list = createCaseListState(api, 20);
    list.offset.value = 60;
    await list.load();
    await expect.poll(() => list.range.value).toBe('41–45 of 45');
    expect(api.asked.map((q) => q.offset)).toEqual([60, 40]);
  });

  it('shows only the newest answer, and why listing failed', async () => {
    const answers: (() => void)[] = [];
    const api = listApi(3);
    const list = createCaseListState({ inquiries: (q) => new Promise((resolve) => answers.push(() => resolve(api.inquiries(q)))) }, 20);
    const first = list.load();
    const second = list.filter('resolved', false);
    answers[1]!();
    await second;
    answers[0]!();
    await first;
    expect(api.asked.at(-1)).toEqual({ limit: 20, offset: 0 });
    expect(list.loading.value).toBe(false);

    const failing = createCaseListState({ inquiries: async () => Promise.reject(new ApiError(403, 'FORBIDDEN', 'not for technicians', 'Sign in as an agent or supervisor.')) });
    await failing.load();
    expect(failing.problem.value).toEqual({ code: 'FORBIDDEN', text: 'You may not do this with cases.', detail: 'not for technicians', fix: 'Sign in as an agent or supervisor.' });
  });
});

function casesApi() {
  const calls: string[] = [];
  let codesFail = true;
  const server = new Map<string, InquiryDetail>([
    ['c-1', detail(1)],
    ['c-2', detail(2)],
  ]);
  const api: CasesApi = {
    ...listApi(3),
    inquiry: async (id) => {
      calls.push(`GET ${id}`);
      return structuredClone(server.get(id)!);
    },
    updateInquiry: async (id, body) => {
      calls.push(`PATCH ${id}`);
      const d = server.get(id)!;
      const updated = { ...d, inquiry: { ...d.inquiry, ...(body.caseStatus ? { caseStatus: body.caseStatus } : {}) } };
      server.set(id, updated);
      return structuredClone(updated);
    },
    addInquiryNote: async () => Promise.reject(new Error('not used')),
    outcomeCodes: async () => {
      calls.push('CODES');
      if (codesFail) {
        codesFail = false;
        throw new TypeError('Failed to fetch');
      }
      return { outcomeCodes: [{ code: 'answered', label: 'Answered during the call' }] };
    },
  };
  return { api, calls };
}

describe('cases of the signed-in user', () => {
  it('reads the outcome codes once, again only after a failure', async () => {
    const { api, calls } = casesApi();
    const cases = createCasesState(api, { id: 'u-anna' });
    await cases.loadOutcomeCodes();
    expect(cases.outcomeCodesProblem.value?.code).toBe('NETWORK');
    expect(cases.outcomeLabel('answered')).toBe('answered');
    await Promise.all([cases.loadOutcomeCodes(), cases.loadOutcomeCodes()]);
    await cases.loadOutcomeCodes();
    expect(calls.filter((c) => c === 'CODES')).toHaveLength(2);
    expect(cases.outcomeCodesProblem.value).toBeNull();
    expect(cases.outcomeLabel('answered')).toBe('Answered during the call');
  });

  it('shares one state per case between panels, drops it when none shows it, and keeps unsaved edits', async () => {
    const { api, calls } = casesApi();
    const cases = createCasesState(api, { id: 'u-anna' });
    // The call's panel on the desk and the same case opened from the list.
    const deskPanel = cases.hold('c-1');
    const listPanel = cases.hold('c-1');
    const c = cases.stateFor('c-1');
    await expect.poll(() => c.fields.value?.caseStatus).toBe('received');
    c.setNote('typed on the desk');
    deskPanel();
    deskPanel(); // a release is idempotent
    expect(cases.stateFor('c-1').note.value).toBe('typed on the desk');
    listPanel();
    expect(cases.unsaved.value).toEqual(new Set(['c-1']));
    // Shown again (wrap-up after the call): the same edits, the case read again.
    const wrapUp = cases.hold('c-1');
    expect(cases.stateFor('c-1')).toBe(c);
    expect(cases.unsaved.value).toEqual(new Set());
    expect(calls.filter((x) => x === 'GET c-1')).toHaveLength(3);
    c.setNote('');
    wrapUp();
    // Nothing unsaved: the next panel starts from a fresh state.
    expect(cases.stateFor('c-1')).not.toBe(c);
    expect(cases.unsaved.value).toEqual(new Set());
  });

  it('shows a saved case’s new status in the list at once', async () => {
    const { api } = casesApi();
    const cases = createCasesState(api, { id: 'u-anna' });
    await cases.list.load();
    const release = cases.hold('c-1');
    const c = cases.stateFor('c-1');
    await expect.poll(() => c.fields.value).not.toBeNull();
    c.setStatus('resolved');
    await c.save();
    expect(cases.list.page.value?.items.map((i) => i.caseStatus)).toEqual(['received', 'resolved', 'received']);
    expect(Object.keys(cases.list.page.value!.items[1]!).sort()).toEqual(Object.keys(summary(1)).sort());
    release();
  });
});
