/**
 * Callbacks and written inquiries through the real call service over real
 * sockets and the real store: a waiting call turned into a callback keeps its
 * reference and its place, a closed queue takes callbacks and written
 * inquiries instead of calls, an agent takes a callback and alone sees the
 * number, a resident not reached is tried again later and given up after
 * the last attempt, the number is deleted when the callback closes, and open
 * callbacks come back after a restart.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CallOffer, KioskRequests, StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { createTestApp, next, signIn, staffClient, newKioskClient, type TestApp } from '../testing';
import { CallbackDesk } from './callbacks';
import { InquiryJournal } from './InquiryJournal';
import { FifoRouting } from '../routing/FifoRouting';

let t: TestApp;
let url: string;
const clients: { close(): void }[] = [];
const track = <C extends { close(): void }>(c: C): C => {
  clients.push(c);
  return c;
};
/** Today in Copenhagen: the passports queue is closed all day. */
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 45900;
    c.sfu.rtcMaxPort = 45999;
    c.calls.reconnectGraceSeconds = 1;
    c.routing.callbackRetryMinutes = 1;
    c.routing.callbackMaxAttempts = 2;
    c.routing.callbackOfferAboveSeconds = 600;
    const passports = c.routing.queues.find((q) => q.id === 'passports');
    if (!passports) throw new Error('the default config has a passports queue');
    passports.openingHours.closedDates = [today];
  });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  vi.useRealTimers();
  for (const c of clients.splice(0)) c.close();
  await new Promise((r) => setTimeout(r, 1200));
});
afterAll(async () => {
  await t.app.close();
});

async function agent(username: string, password = 'demo-agent'): Promise<SignalClient<StaffRequests>> {
  const a = track(staffClient(url, await signIn(t.app, username, password)));
  await next(a as never, 'session');
  return a;
}
let kiosks = 0;
async function kiosk(): Promise<SignalClient<KioskRequests>> {
  const k = track(await newKioskClient(t, url, `k-cb-${++kiosks}`));
  await next(k as never, 'session');
  return k;
}
const PHONE = '+45 12 34 56 78';

describe('callbacks', () => {
  it('turns a waiting call into a callback that keeps its reference and its place; the agent who takes it alone sees the number', async () => {
    const a = await kiosk();
    const b = await kiosk();
    const first = await a.request('requestCall', { language: 'da', answers: { address: 'Vesterbrogade 1' } });
    const second = await b.request('requestCall', { language: 'da' });
    expect(second.position).toBe(2);
    const ended = next<{ callId: string; reason: string }>(a as never, 'callEnded');
    const cb = await a.request('requestCallback', { language: 'da', phone: PHONE, consent: true, callId: first.callId });
    expect(cb.reference).toBe(first.reference);
    expect(cb.position).toBe(1);
    expect(await ended).toEqual({ callId: first.callId, reason: 'callback' });
    // The inquiry goes on with the callback: still queued, with the resident's answers.
    const inquiry = await t.store.findInquiryByReference(first.reference);
    expect(inquiry?.status).toBe('queued');
    expect(inquiry?.answers).toEqual({ address: 'Vesterbrogade 1' });

    // The callback is ahead of the call that came after it.
    const anna = await agent('anna');
    const offer = next<CallOffer>(anna as never, 'callOffered');
    await anna.request('setAvailability', { available: true });
    expect(await offer).toMatchObject({ callId: cb.callbackId, kind: 'callback', request: { language: 'da' } });
    await expect(anna.request('acceptCall', { callId: cb.callbackId })).rejects.toMatchObject({ code: 'WRONG_STATE' });

    const listed = (await anna.request('listCallbacks', {})).callbacks.find((c) => c.callbackId === cb.callbackId);
    expect(listed).toMatchObject({ state: 'offered', reference: first.reference });
    expect(listed?.phone).toBeUndefined();
    const omar = await agent('omar');
    await expect(omar.request('acceptCallback', { callbackId: cb.callbackId })).rejects.toMatchObject({ code: 'WRONG_STATE' });

    const taken = await anna.request('acceptCallback', { callbackId: cb.callbackId });
    expect(taken).toMatchObject({ state: 'taken', phone: PHONE, agentName: 'Anna Holm' });
    const sara = await agent('sara', 'demo-supervisor');
    const seen = (await sara.request('listCallbacks', {})).callbacks.find((c) => c.callbackId === cb.callbackId);
    expect(seen).toMatchObject({ state: 'taken', agentName: 'Anna Holm' });
    expect(seen?.phone).toBeUndefined();
    await expect(omar.request('completeCallback', { callbackId: cb.callbackId, reached: true })).rejects.toMatchObject({ code: 'WRONG_STATE' });

    await anna.request('completeCallback', { callbackId: cb.callbackId, reached: true });
    const done = await t.store.findCallback(cb.callbackId);
    expect(done).toMatchObject({ state: 'done', phone: null, attempts: 1 });
    await vi.waitFor(async () => expect((await t.store.findInquiryByReference(first.reference))?.status).toBe('ended'));
    expect((await anna.request('listCallbacks', {})).callbacks.map((c) => c.callbackId)).not.toContain(cb.callbackId);
    // The call behind it was next.
    await b.request('leaveQueue', { callId: second.callId });
  });

  it('a closed queue takes no calls but a callback and a written inquiry, and says when it opens', async () => {
    const k = await kiosk();
    const status = await k.request('queueStatus', { language: 'da', topic: 'passport' });
    expect(status).toMatchObject({ queueId: 'passports', open: false, suggestCallback: true });
    expect(Date.parse(status.opensAt ?? '')).toBeGreaterThan(Date.now());
    expect((await k.request('queueStatus', { language: 'da' })).open).toBe(true);
    await expect(k.request('requestCall', { language: 'da', topic: 'passport' })).rejects.toMatchObject({ code: 'QUEUE_CLOSED' });
    await expect(k.request('requestCallback', { language: 'da', topic: 'passport', phone: 'call me', consent: true })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(k.request('requestCallback', { language: 'da', topic: 'passport', phone: PHONE, consent: false as never })).rejects.toMatchObject({ code: 'INVALID_DATA' });

    const cb = await k.request('requestCallback', { language: 'da', topic: 'passport', phone: PHONE, consent: true });
    expect(cb.opensAt).toBe(status.opensAt);
    expect((await t.store.findCallback(cb.callbackId))?.phone).toBe(PHONE);

    const written = await k.request('submitWrittenInquiry', { language: 'da', topic: 'passport', message: 'My passport expires next month.', consent: true });
    const row = await t.store.findInquiryByReference(written.reference);
    expect(row).toMatchObject({ status: 'ended', endReason: 'written', topic: 'passport', answers: { message: 'My passport expires next month.' } });
    expect(Date.parse(written.promisedBy)).toBeGreaterThan(Date.now());

    // Omar (passport skills) clears it so later tests start with an empty queue.
    const omar = await agent('omar');
    const offer = next<CallOffer>(omar as never, 'callOffered');
    await omar.request('setAvailability', { available: true });
    expect((await offer).callId).toBe(cb.callbackId);
    await omar.request('acceptCallback', { callbackId: cb.callbackId });
    await omar.request('completeCallback', { callbackId: cb.callbackId, reached: true });
  });

  it('a resident not reached is tried again after the retry time, and given up after the last attempt', async () => {
    const k = await kiosk();
    const cb = await k.request('requestCallback', { language: 'da', phone: PHONE, consent: true });
    const anna = await agent('anna');
    let offer = next<CallOffer>(anna as never, 'callOffered');
    await anna.request('setAvailability', { available: true });
    expect((await offer).callId).toBe(cb.callbackId);
    await anna.request('acceptCallback', { callbackId: cb.callbackId });

    await anna.request('completeCallback', { callbackId: cb.callbackId, reached: false });
    const retry = await t.store.findCallback(cb.callbackId);
    expect(retry).toMatchObject({ state: 'waiting', attempts: 1, phone: PHONE, agentId: null });
    expect(retry!.notBefore!.getTime() - Date.now()).toBeGreaterThan(50_000);
    // Back in the list, waiting, but not offered before its time.
    expect((await anna.request('listCallbacks', {})).callbacks.find((c) => c.callbackId === cb.callbackId)).toMatchObject({ state: 'waiting', attempts: 1 });
    await anna.request('setAvailability', { available: false });
    await anna.request('setAvailability', { available: true });
    expect((await anna.request('listCallbacks', {})).callbacks.find((c) => c.callbackId === cb.callbackId)?.state).toBe('waiting');

    // The retry time has come.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    offer = next<CallOffer>(anna as never, 'callOffered');
    await anna.request('setAvailability', { available: false });
    await anna.request('setAvailability', { available: true });
    expect((await offer).callId).toBe(cb.callbackId);
    await anna.request('acceptCallback', { callbackId: cb.callbackId });
    await anna.request('completeCallback', { callbackId: cb.callbackId, reached: false });
    expect(await t.store.findCallback(cb.callbackId)).toMatchObject({ state: 'failed', attempts: 2, phone: null });
    await vi.waitFor(async () => expect(await t.store.findInquiryByReference(cb.reference)).toMatchObject({ status: 'abandoned', endReason: 'callback-not-reached' }));
  });

  it('a callback an agent had goes back to its place when they leave, and open callbacks come back after a restart', async () => {
    const k = await kiosk();
    const cb = await k.request('requestCallback', { language: 'da', phone: PHONE, consent: true });
    const anna = await agent('anna');
    const offer = next<CallOffer>(anna as never, 'callOffered');
    await anna.request('setAvailability', { available: true });
    await offer;
    await anna.request('acceptCallback', { callbackId: cb.callbackId });
    expect((await t.store.findCallback(cb.callbackId))?.state).toBe('taken');

    // A restart while it is in an agent's hands: a new desk on the same store puts it back in the queue, waiting.
    const routing = new FifoRouting();
    const desk = new CallbackDesk({
      store: t.store,
      journal: new InquiryJournal({ store: t.store, promise: (_t, d) => d, log: () => {} }),
      routing,
      retryMinutes: 1,
      maxAttempts: 2,
      changed: () => {},
      log: () => {},
    });
    expect(await desk.load((id) => t.store.findKiosk(id as never))).toBe(1);
    const loaded = desk.get(cb.callbackId)!;
    expect(desk.info(loaded, null)).toMatchObject({ state: 'waiting', reference: cb.reference, attempts: 0 });
    expect(loaded.phone).toBe(PHONE);
    expect(routing.position(cb.callbackId)).toBe(1);
    expect((await t.store.findCallback(cb.callbackId))?.state).toBe('waiting');

    // In this run, the agent signs out: the callback waits for someone else.
    anna.close();
    const omar = await agent('omar');
    const second = next<CallOffer>(omar as never, 'callOffered');
    await omar.request('setAvailability', { available: true });
    expect((await second).callId).toBe(cb.callbackId);
    await omar.request('acceptCallback', { callbackId: cb.callbackId });
    await omar.request('completeCallback', { callbackId: cb.callbackId, reached: true });
  });
});

