/**
 * A call's quality stage on a bad network, through the real call service over
 * real sockets: each side reports what its own measurements allow, the call
 * takes the lowest and tells everyone whose network it is; the agent can
 * choose a stage by hand; a call stepped down to text can become a callback
 * that keeps the inquiry, its chat and the resident's place; nobody outside
 * the call can move it, and bad input is refused with a code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallOffer, CallQuality, CallSnapshot, KioskRequests, StaffRequests } from '@citizen/protocol';
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
    c.sfu.rtcMinPort = 43700;
    c.sfu.rtcMaxPort = 43799;
    c.calls.reconnectGraceSeconds = 1;
    c.calls.quality.periodMs = 500;
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

let kiosks = 0;
async function call(): Promise<{ k: SignalClient<KioskRequests>; anna: SignalClient<StaffRequests>; callId: string; reference: string; snapshot: CallSnapshot }> {
  const k = track(await newKioskClient(t, url, `k-quality-${++kiosks}`));
  await next(k as never, 'session');
  const anna = track(staffClient(url, await signIn(t.app, 'anna', 'demo-agent')));
  await next(anna as never, 'session');
  const { callId, reference } = await k.request('requestCall', { language: 'da' });
  const offer = next<CallOffer>(anna as never, 'callOffered');
  await anna.request('setAvailability', { available: true });
  await offer;
  const snapshot = await anna.request('acceptCall', { callId });
  return { k, anna, callId, reference, snapshot };
}

/** Collects a client's callQuality notifications as they come. */
function heard(c: SignalClient<KioskRequests> | SignalClient<StaffRequests>): CallQuality[] {
  const got: CallQuality[] = [];
  (c as unknown as { on(m: string, f: (d: CallQuality) => void): void }).on('callQuality', (q) => got.push(q));
  return got;
}

describe('call quality stages', () => {
  it('sends the thresholds and the stage with the snapshot', async () => {
    const { snapshot, callId } = await call();
    expect(snapshot).toMatchObject({ step: 'in-call', quality: { periodMs: 500, downAfter: 3 }, stage: { callId, stage: 'video', by: 'network', weak: null, chosen: null } });
  });

  it('takes the lowest stage anyone measured, tells everyone whose network it is, and climbs back when they recover', async () => {
    const { k, anna, callId } = await call();
    const atKiosk = heard(k);
    const atAgent = heard(anna);
    await k.request('reportQuality', { callId, stage: 'audio', reason: 'packet loss 14.0 %' });
    await expect.poll(() => atAgent.length).toBe(1);
    expect(atAgent[0]).toEqual({ callId, stage: 'audio', by: 'network', weak: 'resident', reason: 'packet loss 14.0 %', chosen: null });
    await expect.poll(() => atKiosk.length).toBe(1);
    expect(atKiosk[0]).toEqual(atAgent[0]);
    // The agent's side is better than the resident's: the call stays at sound only.
    await anna.request('reportQuality', { callId, stage: 'low-video', reason: 'round trip 520 ms' });
    // The resident recovers: now the agent's side is the weakest.
    await k.request('reportQuality', { callId, stage: 'video', reason: 'recovered' });
    await expect.poll(() => atAgent.at(-1)).toMatchObject({ stage: 'low-video', weak: 'agent', reason: 'round trip 520 ms' });
    await anna.request('reportQuality', { callId, stage: 'video', reason: 'recovered' });
    await expect.poll(() => atKiosk.at(-1)).toMatchObject({ stage: 'video', weak: null, by: 'network' });
    expect(atAgent.map((q) => q.stage)).toEqual(['audio', 'low-video', 'video']);
    // A resumed client finds the stage in its snapshot.
    await k.request('reportQuality', { callId, stage: 'text', reason: 'no media arriving' });
    const again = await anna.request('hello', {});
    expect(again.call).toMatchObject({ step: 'in-call', stage: { stage: 'text', weak: 'resident' } });
  });

  it('lets the agent choose a stage by hand (the network can still go lower) and hand it back', async () => {
    const { k, anna, callId } = await call();
    const atKiosk = heard(k);
    await anna.request('chooseQuality', { callId, stage: 'text' });
    await expect.poll(() => atKiosk.at(-1)).toMatchObject({ stage: 'text', by: 'agent', weak: null, chosen: 'text' });
    // Better measurements do not lift a stage chosen by hand.
    await k.request('reportQuality', { callId, stage: 'low-video', reason: 'packet loss 6.0 %' });
    await new Promise((r) => setTimeout(r, 200));
    expect(atKiosk.at(-1)).toMatchObject({ stage: 'text', by: 'agent' });
    // Worse ones lower it.
    await k.request('reportQuality', { callId, stage: 'callback', reason: 'no working media path for 60 s' });
    await expect.poll(() => atKiosk.at(-1)).toMatchObject({ stage: 'callback', by: 'network', weak: 'resident', chosen: 'text' });
    await k.request('reportQuality', { callId, stage: 'low-video', reason: 'recovered' });
    await expect.poll(() => atKiosk.at(-1)).toMatchObject({ stage: 'text', by: 'agent' });
    await anna.request('chooseQuality', { callId, stage: null });
    await expect.poll(() => atKiosk.at(-1)).toMatchObject({ stage: 'low-video', by: 'network', weak: 'resident', chosen: null });
  });

  it('refuses moves from outside the call, a kiosk choosing by hand, and stages that do not exist', async () => {
    const { k, callId } = await call();
    const omar = track(staffClient(url, await signIn(t.app, 'omar', 'demo-agent')));
    await next(omar as never, 'session');
    await expect(omar.request('chooseQuality', { callId, stage: 'text' })).rejects.toMatchObject({ code: 'NOT_IN_CALL' });
    await expect(omar.request('reportQuality', { callId, stage: 'audio', reason: 'x' })).rejects.toMatchObject({ code: 'NOT_IN_CALL' });
    await expect((k as unknown as SignalClient<StaffRequests>).request('chooseQuality', { callId, stage: 'text' })).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    await expect(k.request('reportQuality', { callId, stage: 'hd' as never, reason: 'x' })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(k.request('reportQuality', { callId, stage: 'audio', reason: 'x'.repeat(201) })).rejects.toMatchObject({ code: 'INVALID_DATA' });
  });

  it('turns a call stepped down to text into a callback that keeps the inquiry, what was said and the place', async () => {
    const { k, anna, callId, reference } = await call();
    // Not while the call is fine: the agent is talking to the resident.
    await expect(k.request('requestCallback', { language: 'da', phone: '+45 12 34 56 78', consent: true, callId })).rejects.toMatchObject({ code: 'WRONG_STATE' });
    await k.request('sendChat', { callId, text: 'The sound keeps cutting out' });
    await anna.request('sendChat', { callId, text: 'I will call you back about the move' });
    await k.request('reportQuality', { callId, stage: 'callback', reason: 'no working media path for 60 s' });
    const ended = next<{ callId: string; reason: string }>(anna as never, 'callEnded');
    const cb = await k.request('requestCallback', { language: 'da', phone: '+45 12 34 56 78', consent: true, callId });
    expect(cb).toMatchObject({ reference, position: 1 });
    expect(await ended).toEqual({ callId, reason: 'callback' });
    const listed = (await anna.request('listCallbacks', {})).callbacks.find((c) => c.callbackId === cb.callbackId);
    expect(listed).toMatchObject({ reference, inquiryId: callId, request: { language: 'da' } });
    await expect
      .poll(async () => ((await t.store.findInquiryCase(callId, { kind: 'all' }))?.events ?? []).find((e) => e.kind === 'chat-transcript'), { timeout: 5000 })
      .toMatchObject({ messages: [{ role: 'resident', text: 'The sound keeps cutting out' }, { role: 'agent', text: 'I will call you back about the move' }] });
  });
});
