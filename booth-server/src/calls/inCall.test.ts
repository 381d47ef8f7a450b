/**
 * What staff do during a call, through the real call service over real
 * sockets: show information on the kiosk and get the resident's answer, print
 * at the kiosk, invite a supervisor or an interpreter (and only them), and
 * transfer the call to a queue or an agent, the resident keeping their place
 * and the next agent getting the context. Each step lands in the case's
 * history.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallOffer, CallSnapshot, InquiryEventKind, KioskRequests, StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { createTestApp, next, newKioskClient, signIn, staffClient, type TestApp } from '../testing';

let t: TestApp;
let url: string;
const clients: { close(): void }[] = [];
const track = <C extends { close(): void }>(c: C): C => {
  clients.push(c);
  return c;
};

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 46200;
    c.sfu.rtcMaxPort = 46299;
    c.calls.reconnectGraceSeconds = 1;
  });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await new Promise((r) => setTimeout(r, 1200));
});
afterAll(async () => {
  await t.app.close();
});

async function staff(username: string, password = 'demo-agent'): Promise<SignalClient<StaffRequests>> {
  const s = track(staffClient(url, await signIn(t.app, username, password)));
  await next(s as never, 'session');
  return s;
}
let kiosks = 0;
async function kiosk(): Promise<SignalClient<KioskRequests>> {
  const k = track(await newKioskClient(t, url, `k-tools-${++kiosks}`));
  await next(k as never, 'session');
  return k;
}
/** A resident (Danish, no topic: the general queue) in a call with anna. */
async function callWithAnna(): Promise<{ k: SignalClient<KioskRequests>; anna: SignalClient<StaffRequests>; callId: string; reference: string }> {
  const k = await kiosk();
  const anna = await staff('anna');
  const { callId, reference } = await k.request('requestCall', { language: 'da', answers: { errand: 'moving' } });
  const offer = next<CallOffer>(anna as never, 'callOffered');
  await anna.request('setAvailability', { available: true });
  await offer;
  await anna.request('acceptCall', { callId });
  return { k, anna, callId, reference };
}
const history = async (id: string): Promise<InquiryEventKind[]> => ((await t.store.findInquiryCase(id, { kind: 'all' }))?.events ?? []).map((e) => e.kind);

describe('during a call', () => {
  it('shows information on the kiosk and asks the resident to confirm it; the answer reaches the agent and the case history', async () => {
    const { k, anna, callId } = await callWithAnna();
    const shown = next<{ callId: string; pushId: string; item: { kind: string; title: string } }>(k as never, 'kioskPush');
    const { pushId } = await anna.request('pushToKiosk', {
      callId,
      item: { kind: 'confirm', title: 'Your new address', body: 'Is this right?', fields: [{ label: 'Address', value: 'Vesterbrogade 1, 1620 København V' }] },
    });
    expect(await shown).toMatchObject({ callId, pushId, item: { kind: 'confirm', title: 'Your new address' } });
    const answered = next<{ pushId: string; answer: string }>(anna as never, 'pushAnswered');
    await k.request('answerPush', { callId, pushId, answer: 'confirmed' });
    expect(await answered).toEqual({ callId, pushId, answer: 'confirmed' });
    // Answered once; a second answer, or one from another kiosk, finds nothing.
    await expect(k.request('answerPush', { callId, pushId, answer: 'not-correct' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const other = await kiosk();
    await expect(other.request('answerPush', { callId, pushId, answer: 'read' })).rejects.toMatchObject({ code: 'NOT_IN_CALL' });
    // Only someone in the call shows things in it.
    const omar = await staff('omar');
    await expect(omar.request('pushToKiosk', { callId, item: { kind: 'info', title: 'x', body: 'y' } })).rejects.toMatchObject({ code: 'NOT_IN_CALL' });
    await expect(anna.request('pushToKiosk', { callId, item: { kind: 'info', title: '', body: 'y' } })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    expect(await history(callId)).toEqual(expect.arrayContaining(['shown-on-kiosk', 'resident-answered']));
  });

  it('prints a document at the kiosk with the reference; the outcome reaches the agent and the case history', async () => {
    const { k, anna, callId, reference } = await callWithAnna();
    const asked = next<{ printId: string; reference: string; document: { title: string } }>(k as never, 'printRequest');
    const { printId } = await anna.request('printAtKiosk', { callId, document: { title: 'Documents to bring', lines: ['Passport photo', 'Old passport'], withReference: true } });
    expect(await asked).toMatchObject({ printId, reference, document: { title: 'Documents to bring' } });
    const result = next<{ ok: boolean; code?: string }>(anna as never, 'printResult');
    await k.request('reportPrint', { callId, printId, ok: false, code: 'PRINTER_PAPER_OUT', queued: true });
    expect(await result).toEqual({ callId, printId, ok: false, code: 'PRINTER_PAPER_OUT', queued: true });
    const events = (await t.store.findInquiryCase(callId, { kind: 'all' }))?.events ?? [];
    expect(events.find((e) => e.kind === 'printed-at-kiosk')).toMatchObject({ title: 'Documents to bring', ok: false, code: 'PRINTER_PAPER_OUT', actor: { kind: 'kiosk' } });
  });

  it('invites an interpreter who speaks the resident’s language and a supervisor; nobody else joins uninvited', async () => {
    const { anna, callId } = await callWithAnna();
    const omar = await staff('omar'); // speaks da
    const sara = await staff('sara', 'demo-supervisor');
    await expect(omar.request('joinCall', { callId, as: 'interpreter' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(anna.request('inviteToCall', { callId, userId: 'u-omar', as: 'supervisor' })).rejects.toMatchObject({ code: expect.stringMatching(/FORBIDDEN|NOT_FOUND/) });

    const { staff: online } = await anna.request('listStaff', {});
    const omarId = online.find((s) => s.displayName === 'Omar Haddad')!.userId;
    const saraId = online.find((s) => s.displayName === 'Sara Lund')!.userId;
    await expect(anna.request('inviteToCall', { callId, userId: omarId, as: 'supervisor' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(omar.request('inviteToCall', { callId, userId: saraId, as: 'supervisor' })).rejects.toMatchObject({ code: 'NOT_IN_CALL' });

    const invitation = next<{ callId: string; as: string; fromName: string }>(omar as never, 'callInvitation');
    await anna.request('inviteToCall', { callId, userId: omarId, as: 'interpreter' });
    expect(await invitation).toMatchObject({ callId, as: 'interpreter', fromName: 'Anna Holm', language: 'da' });
    await expect(omar.request('joinCall', { callId, as: 'supervisor' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const joined = next<{ reason: string }>(anna as never, 'invitationClosed');
    const snap = await omar.request('joinCall', { callId, as: 'interpreter' });
    expect(snap.step === 'in-call' && snap.participants.map((p) => p.role).sort()).toEqual(['agent', 'interpreter', 'resident']);
    expect((await joined).reason).toBe('joined');
    // Interpreting, omar is not free for calls of his own.
    await omar.request('setAvailability', { available: true });
    expect((await omar.request('listStaff', {})).staff.find((s) => s.userId === omarId)?.state).toBe('in-call');

    const saraInvited = next(sara as never, 'callInvitation');
    await anna.request('inviteToCall', { callId, userId: saraId, as: 'supervisor' });
    await saraInvited;
    const declined = next<{ reason: string; userId: string }>(anna as never, 'invitationClosed');
    await sara.request('declineInvitation', { callId });
    expect(await declined).toEqual({ callId, userId: saraId, reason: 'declined' });
  });

  it('transfers to another queue: the resident keeps their place, the next agent gets the note and the topic, the first is not offered it again', async () => {
    const { k, anna, callId, reference } = await callWithAnna();
    const omar = await staff('omar'); // passport 3
    const waitingAgain = next<{ callId: string; position: number }>(k as never, 'callTransferred');
    const annaEnded = next<{ reason: string }>(anna as never, 'callEnded');
    let annaOffered = false;
    anna.on('callOffered', () => (annaOffered = true));
    await anna.request('transferCall', { callId, to: { queueId: 'passports' }, note: 'Needs a new passport, has the old one' });
    expect(await waitingAgain).toMatchObject({ callId, position: 1 });
    expect((await annaEnded).reason).toBe('transferred');
    expect((await t.store.findInquiry(callId))?.status).toBe('queued');

    const offer = next<CallOffer>(omar as never, 'callOffered');
    await omar.request('setAvailability', { available: true });
    expect(await offer).toMatchObject({ callId, request: { topic: 'passport', answers: { errand: 'moving' } }, transfer: { fromName: 'Anna Holm', note: 'Needs a new passport, has the old one' } });
    const started = next<CallSnapshot>(k as never, 'callStarted');
    await omar.request('acceptCall', { callId });
    expect(await started).toMatchObject({ step: 'in-call', callId, reference });
    expect(annaOffered).toBe(false);
    expect(await history(callId)).toEqual(['created', 'contact-started', 'transferred', 'contact-started']);
    const omarId = (await omar.request('listStaff', {})).staff.find((s) => s.displayName === 'Omar Haddad')!.userId;
    expect(await t.store.findInquiry(callId)).toMatchObject({ status: 'in-call', agentId: omarId });
  });

  it('transfers to an agent who is free, offered to them at once; refuses one who is not', async () => {
    const { anna, callId } = await callWithAnna();
    const omar = await staff('omar');
    const omarId = (await anna.request('listStaff', {})).staff.find((s) => s.displayName === 'Omar Haddad')!.userId;
    await expect(anna.request('transferCall', { callId, to: { userId: omarId } })).rejects.toMatchObject({ code: 'WRONG_STATE' });
    await expect(anna.request('transferCall', { callId, to: { queueId: 'nowhere' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await omar.request('setAvailability', { available: true });
    const offer = next<CallOffer>(omar as never, 'callOffered');
    await anna.request('transferCall', { callId, to: { userId: omarId } });
    expect(await offer).toMatchObject({ callId, transfer: { fromName: 'Anna Holm' } });
    // Declined, it waits in its queue like any call, not for anna.
    await omar.request('declineCall', { callId });
    expect((await anna.request('listStaff', {})).staff.find((s) => s.displayName === 'Anna Holm')?.state).not.toBe('in-call');
  });
});
