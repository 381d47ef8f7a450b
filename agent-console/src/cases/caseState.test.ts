/**
 * One case without rendering, against a fake API that behaves like the
 * server's case routes: the form shows the saved case with the agent's edits
 * over it, Save sends the note and then only what changed, a failed save keeps
 * everything typed, a reload keeps the edits, and answers out of order do
 * not bring back an older case.
 */
import { describe, expect, it } from 'vitest';
import type { InquiryDetail, InquiryEvent, InquiryPatch, NoteResponse } from '@citizen/protocol';
import { ApiError } from '../api';
import { createCaseState, type CaseApi } from './caseState';
import { describeEvent } from './caseWords';

const AT = '2025-03-10T09:00:00.000Z';

function detailOf(over: Partial<InquiryDetail['inquiry']> = {}, history: InquiryEvent[] = []): InquiryDetail {
  return {
    inquiry: {
      id: 'c-1',
      reference: 'BS-7K3Q-92XK',
      kioskId: 'k-1',
      place: 'Main library',
      language: 'da',
      topic: 'passport',
      contactStatus: 'in-call',
      caseStatus: 'received',
      outcomeCode: null,
      nextStep: null,
      agentId: 'u-anna',
      assigneeId: null,
      createdAt: AT,
      promisedBy: '2025-03-20T09:00:00.000Z',
      resolvedAt: null,
      answers: { reason: 'lost passport' },
      endReason: null,
      endedAt: null,
      ...over,
    },
    history: [{ id: 1, at: AT, actor: { kind: 'kiosk' }, kind: 'created', place: 'Main library' }, ...history],
  };
}

/** The server's case routes in memory; `fail` makes the next call of a route answer with that error. */
function fakeServer() {
  let current = detailOf();
  let nextId = 2;
  const calls: string[] = [];
  const fail: { patch?: ApiError | Error; note?: ApiError | Error; read?: ApiError | Error } = {};
  const api: CaseApi = {
    inquiry: async () => {
      calls.push('GET');
      if (fail.read) throw fail.read;
      return structuredClone(current);
    },
    updateInquiry: async (_id, body: InquiryPatch) => {
      calls.push(`PATCH ${JSON.stringify(body)}`);
      const err = fail.patch;
      if (err) {
        delete fail.patch;
        throw err;
      }
      const i = current.inquiry;
      const events: InquiryEvent[] = [];
      if (body.caseStatus && body.caseStatus !== i.caseStatus) events.push({ id: nextId++, at: AT, actor: { kind: 'staff', userId: 'u-anna' }, kind: 'status-changed', from: i.caseStatus, to: body.caseStatus });
      const inquiry = { ...i, ...(body.caseStatus ? { caseStatus: body.caseStatus } : {}), ...(body.outcomeCode !== undefined ? { outcomeCode: body.outcomeCode } : {}), ...(body.nextStep !== undefined ? { nextStep: body.nextStep } : {}) };
      if (body.outcomeCode !== undefined || body.nextStep !== undefined) events.push({ id: nextId++, at: AT, actor: { kind: 'staff', userId: 'u-anna' }, kind: 'outcome', outcomeCode: inquiry.outcomeCode, nextStep: inquiry.nextStep });
      current = { inquiry, history: [...current.history, ...events] };
      return structuredClone(current);
    },
    addInquiryNote: async (_id, text) => {
      calls.push(`NOTE ${text}`);
      const err = fail.note;
      if (err) {
        delete fail.note;
        throw err;
      }
      const note: NoteResponse['note'] = { id: nextId++, at: AT, actor: { kind: 'staff', userId: 'u-anna' }, kind: 'note', text };
      current = { ...current, history: [...current.history, note] };
      return { note };
    },
  };
  return {
    api,
    calls,
    fail,
    get current() {
      return current;
    },
    /** Something outside the panel changed the case (the call ended). */
    change(f: (d: InquiryDetail) => InquiryDetail) {
      current = f(current);
    },
  };
}

describe('case state', () => {
  it('shows the saved case, and the agent’s edits over it until they are saved', async () => {
    const server = fakeServer();
    const c = createCaseState(server.api, 'c-1');
    expect(c.fields.value).toBeNull();
    await c.load();
    expect(c.fields.value).toEqual({ caseStatus: 'received', outcomeCode: '', nextStep: '' });
    expect(c.dirty.value).toBe(false);

    c.setStatus('in-progress');
    c.setOutcomeCode('answered');
    expect(c.fields.value).toEqual({ caseStatus: 'in-progress', outcomeCode: 'answered', nextStep: '' });
    expect(c.patch.value).toEqual({ caseStatus: 'in-progress', outcomeCode: 'answered' });
    // Changing a field back to what is saved is no change.
    c.setOutcomeCode('');
    expect(c.patch.value).toEqual({ caseStatus: 'in-progress' });
    c.setOutcomeCode('answered');
    expect(c.dirty.value).toBe(true);
  });

  it('saves the typed note first, then only what changed, and comes back clean with the server’s case', async () => {
    const server = fakeServer();
    const saved: string[] = [];
    const c = createCaseState(server.api, 'c-1', { saved: (d) => saved.push(d.inquiry.caseStatus) });
    await c.load();
    c.setNote('  Resident will send the police report.  ');
    c.setStatus('in-progress');
    c.setOutcomeCode('documents-requested');
    c.setNextStep('answer-digital-post');
    expect(await c.save()).toBe(true);

    expect(server.calls).toEqual(['GET', 'NOTE Resident will send the police report.', 'PATCH {"caseStatus":"in-progress","outcomeCode":"documents-requested","nextStep":"answer-digital-post"}']);
    expect(c.fields.value).toEqual({ caseStatus: 'in-progress', outcomeCode: 'documents-requested', nextStep: 'answer-digital-post' });
    expect(c.note.value).toBe('');
    expect(c.dirty.value).toBe(false);
    expect(c.notice.value).toBe('Saved.');
    expect(c.detail.value?.history.map((e) => e.kind)).toEqual(['created', 'note', 'status-changed', 'outcome']);
    expect(saved).toEqual(['in-progress']);

    // Clearing the outcome sends null, not an empty string.
    c.setOutcomeCode('');
    await c.save();
    expect(server.calls.at(-1)).toBe('PATCH {"outcomeCode":null}');
    expect(server.current.inquiry.outcomeCode).toBeNull();
  });

  it('adds a note alone, and a note-only save sends no change', async () => {
    const server = fakeServer();
    const c = createCaseState(server.api, 'c-1');
    await c.load();
    c.setNote('Called from the library.');
    expect(await c.addNote()).toBe(true);
    expect(c.notice.value).toBe('Note added.');
    c.setNote('Second note.');
    await c.save();
    expect(server.calls).toEqual(['GET', 'NOTE Called from the library.', 'NOTE Second note.']);
    expect(c.detail.value?.history.filter((e) => e.kind === 'note').map((e) => describeEvent(e, { selfId: 'u-anna', outcome: (x) => x }))).toEqual(['Note: Called from the library.', 'Note: Second note.']);
  });

  it('keeps everything typed when a save fails, and says what the server answered and how to fix it', async () => {
    const server = fakeServer();
    const c = createCaseState(server.api, 'c-1');
    await c.load();
    c.setNote('Resident sounded worried.');
    c.setStatus('resolved');
    c.setOutcomeCode('made-up');
    server.fail.note = new ApiError(401, 'UNAUTHENTICATED', 'not signed in', 'Sign in again.');
    expect(await c.save()).toBe(false);
    expect(c.saveProblem.value).toEqual({ code: 'UNAUTHENTICATED', text: 'Your session ended. Sign in again; what you typed is kept until then.', detail: 'not signed in', fix: 'Sign in again.' });
    expect(c.note.value).toBe('Resident sounded worried.');
    expect(c.fields.value).toMatchObject({ caseStatus: 'resolved', outcomeCode: 'made-up' });

    // The note goes through this time, the change does not: the note is history now, the change stays typed.
    server.fail.patch = new ApiError(400, 'OUTCOME_CODE_UNKNOWN', 'unknown outcome code "made-up"; configured: answered', 'Use one of the outcome codes configured in inquiries.outcomeCodes.');
    expect(await c.save()).toBe(false);
    expect(c.note.value).toBe('');
    expect(c.detail.value?.history.at(-1)).toMatchObject({ kind: 'note', text: 'Resident sounded worried.' });
    expect(c.saveProblem.value).toMatchObject({ code: 'OUTCOME_CODE_UNKNOWN', detail: 'unknown outcome code "made-up"; configured: answered', fix: 'Use one of the outcome codes configured in inquiries.outcomeCodes.' });
    expect(c.fields.value).toMatchObject({ caseStatus: 'resolved', outcomeCode: 'made-up' });
    expect(server.current.inquiry.caseStatus).toBe('received');

    // Unreachable server: the same, with our own fix line.
    server.fail.patch = new TypeError('Failed to fetch');
    await c.save();
    expect(c.saveProblem.value).toMatchObject({ code: 'NETWORK', fix: 'Check the connection and try again; what you typed is kept.' });

    c.setOutcomeCode('answered');
    expect(await c.save()).toBe(true);
    expect(c.saveProblem.value).toBeNull();
    expect(server.current.inquiry).toMatchObject({ caseStatus: 'resolved', outcomeCode: 'answered' });
  });

  it('keeps the agent’s edits when the case is read again, and takes the rest from the server', async () => {
    const server = fakeServer();
    const c = createCaseState(server.api, 'c-1');
    await c.load();
    c.setNote('half a sentence');
    c.setOutcomeCode('answered');
    server.change((d) => ({
      inquiry: { ...d.inquiry, contactStatus: 'ended', caseStatus: 'in-progress', nextStep: 'bring-id' },
      history: [...d.history, { id: 9, at: AT, actor: { kind: 'system' }, kind: 'contact-ended', contactStatus: 'ended', endReason: 'hangup-agent' }],
    }));
    await c.load();
    expect(c.fields.value).toEqual({ caseStatus: 'in-progress', outcomeCode: 'answered', nextStep: 'bring-id' });
    expect(c.note.value).toBe('half a sentence');
    expect(c.detail.value?.inquiry.contactStatus).toBe('ended');
    // An edit that the server now holds anyway is no change any more.
    c.setStatus('received');
    c.setStatus('in-progress');
    expect(c.patch.value).toEqual({ outcomeCode: 'answered' });
  });

  it('does not let an older answer replace a newer case', async () => {
    const server = fakeServer();
    const answers: (() => void)[] = [];
    const slowRead: CaseApi = {
      ...server.api,
      inquiry: (id) => {
        const snapshot = server.api.inquiry(id);
        return new Promise((resolve) => answers.push(() => resolve(snapshot)));
      },
    };
    const c = createCaseState(slowRead, 'c-1');
    const first = c.load();
    answers.shift()!();
    await first;
    const reload = c.load(); // asked before the save, answered after it
    c.setStatus('waiting-for-resident');
    await c.save();
    answers.shift()!();
    await reload;
    expect(c.detail.value?.inquiry.caseStatus).toBe('waiting-for-resident');
    expect(c.fields.value?.caseStatus).toBe('waiting-for-resident');
  });

  it('says why a case cannot be read', async () => {
    const server = fakeServer();
    server.fail.read = new ApiError(404, 'NOT_FOUND', 'no inquiry c-1', 'Check the id.');
    const c = createCaseState(server.api, 'c-1');
    await c.load();
    expect(c.loadProblem.value).toEqual({ code: 'NOT_FOUND', text: 'This case does not exist, or it is not one you took or are assigned to.', detail: 'no inquiry c-1', fix: 'Check the id.' });
    expect(c.fields.value).toBeNull();
  });
});

describe('case history wording', () => {
  const naming = { selfId: 'u-anna', outcome: (code: string) => (code === 'answered' ? 'Answered during the call' : code) };
  const at = { at: AT, actor: { kind: 'staff' as const, userId: 'u-anna' } };
  it('describes each event for staff, naming the signed-in user "you"', () => {
    expect(describeEvent({ id: 1, ...at, kind: 'status-changed', from: 'received', to: 'in-progress' }, naming)).toBe('Status Received → In progress');
    expect(describeEvent({ id: 2, ...at, kind: 'outcome', outcomeCode: 'answered', nextStep: 'bring-id' }, naming)).toBe('Outcome Answered during the call · next step Resident brings photo ID');
    expect(describeEvent({ id: 3, ...at, kind: 'outcome', outcomeCode: 'retired-code', nextStep: null }, naming)).toBe('Outcome retired-code · next step none');
    expect(describeEvent({ id: 4, ...at, kind: 'contact-started', agentId: 'u-anna' }, naming)).toBe('Call answered by you');
    expect(describeEvent({ id: 5, ...at, kind: 'assigned', from: null, to: 'u-omar' }, naming)).toBe('Assigned to u-omar');
    expect(describeEvent({ id: 6, ...at, kind: 'contact-ended', contactStatus: 'abandoned', endReason: null }, naming)).toBe('The resident left before an answer');
    expect(describeEvent({ id: 7, ...at, kind: 'resident-answered', title: 'Your address', answer: 'not-correct' }, naming)).toBe('The resident said this is not correct: Your address');
    expect(describeEvent({ id: 8, ...at, kind: 'printed-at-kiosk', title: 'Appointment', ok: false, code: 'PAPER_OUT' }, naming)).toBe('Could not print at the kiosk (PAPER_OUT): Appointment');
    expect(describeEvent({ id: 9, ...at, kind: 'transferred', toQueue: 'passports', toUser: null, note: 'needs a new passport' }, naming)).toBe('Transferred to the queue passports: needs a new passport');
  });
});
