/**
 * Routing through the real call service over real sockets: skills decide who
 * gets a call, needs move a resident ahead, queues count positions apart,
 * and an agent's wrap-up holds their next offer until it ends.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentPresence, CallSnapshot, KioskRequests, StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { createTestApp, next, signIn, staffClient, newKioskClient, type TestApp } from '../testing';

let t: TestApp;
let url: string;
const clients: { close(): void }[] = [];
const track = <C extends { close(): void }>(c: C): C => {
  clients.push(c);
  return c;
};

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 45800;
    c.sfu.rtcMaxPort = 45899;
    c.calls.reconnectGraceSeconds = 1;
    c.routing.wrapUpSeconds = 1;
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

const opened = (c: SignalClient<KioskRequests> | SignalClient<StaffRequests>) => next<{ resumed: boolean; call: CallSnapshot | null }>(c as never, 'session');
async function agent(username: string): Promise<SignalClient<StaffRequests>> {
  const a = track(staffClient(url, await signIn(t.app, username, 'demo-agent')));
  await opened(a);
  return a;
}
let kiosks = 0;
async function kiosk(): Promise<SignalClient<KioskRequests>> {
  const k = track(await newKioskClient(t, url, `k-route-${++kiosks}`));
  await opened(k);
  return k;
}

describe('routing through the call service', () => {
  it('offers an Arabic-speaking resident to the agent who speaks Arabic, though another has waited longer', async () => {
    const anna = await agent('anna'); // da, en
    await anna.request('setAvailability', { available: true });
    await new Promise((r) => setTimeout(r, 20));
    const omar = await agent('omar'); // da, ar, en
    await omar.request('setAvailability', { available: true });
    let annaOffered = false;
    anna.on('callOffered', () => (annaOffered = true));
    const omarOffer = next<{ callId: string; request: { language: string } }>(omar as never, 'callOffered');
    const k = await kiosk();
    const { callId } = await k.request('requestCall', { language: 'ar', topic: 'passport' });
    expect((await omarOffer).callId).toBe(callId);
    expect(annaOffered).toBe(false);
  });

  it('moves a resident who states a need ahead, and counts positions per queue', async () => {
    const a = await kiosk();
    const b = await kiosk();
    const c = await kiosk();
    const plain = await a.request('requestCall', { language: 'da' });
    const passport = await b.request('requestCall', { language: 'da', topic: 'passport' });
    expect([plain.position, passport.position]).toEqual([1, 1]);
    const moved = next<{ position: number }>(a as never, 'queueUpdate');
    const hearing = await c.request('requestCall', { language: 'da', needs: ['hearing'] });
    expect(hearing.position).toBe(1);
    expect((await moved).position).toBe(2);
  });

  it('holds the next offer during wrap-up, and gives it at once when the agent is ready early', async () => {
    const anna = await agent('anna');
    await anna.request('setAvailability', { available: true });
    const k1 = await kiosk();
    const offered = next<{ callId: string }>(anna as never, 'callOffered');
    const first = await k1.request('requestCall', { language: 'da' });
    await offered;
    await anna.request('acceptCall', { callId: first.callId });
    const wrapUp = next<AgentPresence>(anna as never, 'presenceChanged');
    await anna.request('endCall', { callId: first.callId });
    expect((await wrapUp).state).toBe('wrap-up');

    const k2 = await kiosk();
    let offeredDuringWrapUp = false;
    const off = anna.on('callOffered', () => (offeredDuringWrapUp = true));
    const second = await k2.request('requestCall', { language: 'da' });
    await new Promise((r) => setTimeout(r, 300));
    expect(offeredDuringWrapUp).toBe(false);
    off();
    const ready = await anna.request('endWrapUp', {});
    expect(ready.presence.state).toBe('in-call'); // the waiting call was offered at once
    expect(ready.offer?.callId).toBe(second.callId);
  });

  it('ends the wrap-up by its timer and then offers the waiting call', async () => {
    const anna = await agent('anna');
    await anna.request('setAvailability', { available: true });
    const k1 = await kiosk();
    const offered = next<{ callId: string }>(anna as never, 'callOffered');
    const first = await k1.request('requestCall', { language: 'da' });
    await offered;
    await anna.request('acceptCall', { callId: first.callId });
    await anna.request('endCall', { callId: first.callId });
    const k2 = await kiosk();
    const nextOffer = next<{ callId: string }>(anna as never, 'callOffered', 3000);
    const second = await k2.request('requestCall', { language: 'da' });
    const started = Date.now();
    expect((await nextOffer).callId).toBe(second.callId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });
});

describe('after the call and for supervisors', () => {
  it('takes the resident’s rating once, from the kiosk that made the call, after it ended', async () => {
    const anna = await agent('anna');
    await anna.request('setAvailability', { available: true });
    const k = await kiosk();
    const offered = next<{ callId: string }>(anna as never, 'callOffered');
    const { callId } = await k.request('requestCall', { language: 'da' });
    await offered;
    await anna.request('acceptCall', { callId });
    await expect(k.request('rateCall', { callId, rating: 5 })).rejects.toMatchObject({ code: 'NOT_RATEABLE' }); // still in the call
    await anna.request('endCall', { callId });
    const other = await kiosk();
    await expect(other.request('rateCall', { callId, rating: 1 })).rejects.toMatchObject({ code: 'NOT_RATEABLE' });
    await k.request('rateCall', { callId, rating: 4 });
    await expect(k.request('rateCall', { callId, rating: 1 })).rejects.toMatchObject({ code: 'NOT_RATEABLE' });
    await expect(k.request('rateCall', { callId, rating: 9 as never })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    const stored = (await t.store.findInquiryCase(callId, { kind: 'all' }))?.inquiry;
    expect(stored).toMatchObject({ rating: 4, queueId: 'general' });
    expect(stored?.answeredAt?.getTime()).toBeGreaterThanOrEqual(stored!.createdAt.getTime());
  });

  it('shows supervisors the queues, agents and kiosks live', async () => {
    const omar = await agent('omar');
    await omar.request('setAvailability', { available: true });
    const waiting = await kiosk();
    await waiting.request('requestCall', { language: 'uk', topic: 'passport' }); // nobody speaks Ukrainian
    const view = t.app.calls.liveView();
    const passports = view.queues.find((q) => q.id === 'passports');
    expect(passports).toMatchObject({ open: true, waiting: 1, serviceLevel: { percent: 80, withinSeconds: 120 } });
    expect(view.agents.find((a) => a.displayName === 'Omar Haddad')?.presence.state).toBe('available');
    expect(view.kiosks.some((k) => k.state === 'waiting')).toBe(true);
  });
});
