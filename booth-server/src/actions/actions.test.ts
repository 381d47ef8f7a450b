/**
 * Remote actions over the API, on the app in memory with a moveable clock:
 * who may ask (technicians and administrators; agents and supervisors are
 * refused), what a bad body gets, an unknown or revoked kiosk, an action for
 * a kiosk that is away (stored, audited), delivered when its control channel
 * opens, what the kiosk reports recorded, audited and pushed to consoles,
 * and expiry after 15 minutes. The real kiosk shell is in
 * kiosk/src/control/actions.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { CONTROL_WS_PATH, FLEET_WS_PATH, kioskId, type FleetNotification, type KioskAction, type SelfTestReport, type ServerControlMessage } from '@citizen/protocol';
import { createTestApp, enrolTestKiosk, kioskAuthHeader, signIn, signInHeaders, type TestApp } from '../testing';

let t: TestApp;
let clock = new Date('2026-03-02T09:00:00.000Z');
const KIOSK = kioskId('k-demo-central-1');
const url = (id: string = KIOSK) => `/api/kiosks/${id}/actions`;

const tech = () => signInHeaders(t.app, 'tech', 'demo-tech');
const ask = async (body: unknown, id: string = KIOSK, headers?: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: url(id), headers: headers ?? (await tech()), payload: body as object });
const list = async (id: string = KIOSK): Promise<KioskAction[]> => {
  const res = await t.app.inject({ method: 'GET', url: url(id), headers: await tech() });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ actions: KioskAction[] }>().actions;
};
const audit = async (id = KIOSK) => t.store.listKioskAudit(id, 50);

const until = async (cond: () => boolean | Promise<boolean>, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** The kiosk's control channel, keeping what it is sent from the first frame on (the server sends on connect). */
async function kioskControl(): Promise<{ ws: WebSocket; got: ServerControlMessage[] }> {
  const got: ServerControlMessage[] = [];
  const ws = await t.app.injectWS(
    CONTROL_WS_PATH,
    { headers: { authorization: kioskAuthHeader(t.credentialFile) } },
    { onInit: (w) => w.on('message', (raw) => got.push(JSON.parse(String(raw)) as ServerControlMessage)) },
  );
  return { ws, got };
}

beforeAll(async () => {
  t = await createTestApp(
    (c) => {
      c.sfu.rtcMinPort = 44800;
      c.sfu.rtcMaxPort = 44849;
    },
    { now: () => clock },
  );
});
afterAll(async () => {
  await t.app.close();
});

describe('POST and GET /api/kiosks/:id/actions: who and what', () => {
  it('refuses agents and supervisors on both routes', async () => {
    for (const [user, password] of [
      ['anna', 'demo-agent'],
      ['sara', 'demo-supervisor'],
    ] as const) {
      const headers = await signInHeaders(t.app, user, password);
      const post = await ask({ action: 'restart' }, KIOSK, headers);
      expect(post.statusCode, `${user} POST`).toBe(403);
      expect(post.json()).toMatchObject({ code: 'FORBIDDEN' });
      const get = await t.app.inject({ method: 'GET', url: url(), headers: { cookie: await signIn(t.app, user, password) } });
      expect(get.statusCode, `${user} GET`).toBe(403);
    }
    expect(await t.store.listKioskActions(KIOSK, 10)).toEqual([]);
  });

  it('refuses a bad body with a 400 naming what is wrong, and stores nothing', async () => {
    for (const [body, field] of [
      [{}, /action/],
      [{ action: 'reboot' }, /action/],
      [{ action: 'restart', force: 'yes' }, /force/],
      [{ action: 'restart', extra: 1 }, /additional/],
      [[], /object/],
    ] as const) {
      const res = await ask(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(field) });
    }
    const badId = await ask({ action: 'restart' }, 'not a kiosk id');
    expect(badId.statusCode).toBe(400);
    expect(await t.store.listKioskActions(KIOSK, 10)).toEqual([]);
  });

  it('answers 404 for an unknown kiosk and 409 for a revoked one', async () => {
    const unknown = await ask({ action: 'reload' }, 'k-nowhere-9');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'KIOSK_NOT_FOUND', fix: expect.any(String) });
    expect((await t.app.inject({ method: 'GET', url: url('k-nowhere-9'), headers: await tech() })).statusCode).toBe(404);

    await enrolTestKiosk(t, { id: 'k-act-revoked', name: 'Revoked', location: 'Lab', languages: ['da'] });
    expect((await t.app.inject({ method: 'POST', url: '/api/kiosks/k-act-revoked/revoke', headers: await tech() })).statusCode).toBe(200);
    const revoked = await ask({ action: 'restart' }, 'k-act-revoked');
    expect(revoked.statusCode).toBe(409);
    expect(revoked.json()).toMatchObject({ code: 'KIOSK_REVOKED', fix: expect.stringMatching(/enrol it again/) });
    expect(await list('k-act-revoked')).toEqual([]);
  });
});

describe('an action from asking to its result', () => {
  it('stores an action for a kiosk that is away as requested, audited with who asked', async () => {
    const res = await ask({ action: 'test-page' });
    expect(res.statusCode, res.body).toBe(202);
    const a = res.json<KioskAction>();
    expect(a).toMatchObject({ kioskId: KIOSK, action: 'test-page', force: false, state: 'requested', requestedBy: { username: 'tech' }, report: null, finishedAt: null });
    expect((await list()).map((x) => x.id)).toEqual([a.id]);
    const [entry] = await audit();
    expect(entry).toMatchObject({ action: 'action-requested', data: { actionId: a.id, action: 'test-page', force: false } });
    expect(entry!.actor).toBe(a.requestedBy.id);
  });

  it('sends it when the kiosk connects, and records what the kiosk reports: audited and pushed to consoles', async () => {
    const pushed: FleetNotification[] = [];
    const fleet = await t.app.injectWS(FLEET_WS_PATH, { headers: { cookie: await signIn(t.app, 'tech', 'demo-tech') } }, { onInit: (w) => w.on('message', (raw) => pushed.push(JSON.parse(String(raw)) as FleetNotification)) });
    const { ws: control, got: toKiosk } = await kioskControl();
    await until(() => toKiosk.some((m) => m.type === 'runAction'));
    const run = toKiosk.find((m) => m.type === 'runAction')!;
    expect(run).toMatchObject({ type: 'runAction', action: 'test-page', force: false, expiresInMs: 15 * 60_000 });
    if (run.type !== 'runAction') throw new Error('unreachable');
    await until(async () => (await list())[0]!.state === 'sent');

    // A message that fails its schema is answered with what is wrong, and changes nothing.
    control.send(JSON.stringify({ type: 'actionState', actionId: run.actionId, state: 'exploded' }));
    await until(() => toKiosk.some((m) => m.type === 'error'));
    expect(toKiosk.find((m) => m.type === 'error')).toMatchObject({ code: 'CONTROL_MESSAGE_INVALID', message: expect.stringMatching(/actionState: \/state/) });

    control.send(JSON.stringify({ type: 'actionState', actionId: run.actionId, state: 'running' }));
    await until(async () => (await list())[0]!.state === 'running');
    const report: SelfTestReport = {
      startedAt: clock.toISOString(),
      durationMs: 812,
      ok: true,
      checks: [
        { name: 'printer', result: 'ok', detail: 'ready', durationMs: 20 },
        { name: 'testPage', result: 'ok', detail: 'printed (job 1a2b3c4d)', durationMs: 700 },
        { name: 'uplink', result: 'ok', detail: 'booth-server answered in 4 ms and knows this kiosk', durationMs: 4 },
      ],
    };
    control.send(JSON.stringify({ type: 'actionState', actionId: run.actionId, state: 'succeeded', report }));
    await until(async () => (await list())[0]!.state === 'succeeded');
    const [done] = await list();
    expect(done).toMatchObject({ state: 'succeeded', report, finishedAt: clock.toISOString() });

    const results = (await audit()).filter((e) => e.action === 'action-result');
    expect(results.map((e) => [e.actor, e.data.outcome])).toEqual([
      ['kiosk', 'succeeded'],
      ['kiosk', 'running'],
    ]);
    expect(results[0]!.data).toMatchObject({ actionId: run.actionId, action: 'test-page', selfTestOk: true });
    await until(() => pushed.filter((n) => n.method === 'kioskAction').length >= 3);
    expect(pushed.filter((n) => n.method === 'kioskAction').map((n) => (n.data as KioskAction).state)).toEqual(['sent', 'running', 'succeeded']);

    // A report after the action is final, or of an action that is not this kiosk's, changes nothing.
    control.send(JSON.stringify({ type: 'actionState', actionId: run.actionId, state: 'failed', reason: 'late' }));
    control.send(JSON.stringify({ type: 'actionState', actionId: 999_999, state: 'succeeded' }));

    // Asked while the kiosk is connected: sent at once.
    const now = await ask({ action: 'reload', force: true });
    expect(now.json()).toMatchObject({ action: 'reload', force: true, state: 'sent' });
    await until(() => toKiosk.filter((m) => m.type === 'runAction').length === 2);
    expect(toKiosk.filter((m) => m.type === 'runAction')[1]).toMatchObject({ action: 'reload', force: true, actionId: now.json<KioskAction>().id });
    control.send(JSON.stringify({ type: 'actionState', actionId: now.json<KioskAction>().id, state: 'failed', reason: 'no kiosk screen is connected to this shell' }));
    await until(async () => (await list())[0]!.state === 'failed');
    expect((await list())[1]).toMatchObject({ state: 'succeeded', reason: null });
    expect((await list())[0]).toMatchObject({ state: 'failed', reason: 'no kiosk screen is connected to this shell' });
    control.terminate();
    fleet.terminate();
  });

  it('records a restart as done when the kiosk connects again', async () => {
    let { ws: control, got: toKiosk } = await kioskControl();
    const a = (await ask({ action: 'restart' })).json<KioskAction>();
    await until(() => toKiosk.some((m) => m.type === 'runAction' && m.actionId === a.id));
    control.send(JSON.stringify({ type: 'actionState', actionId: a.id, state: 'running' }));
    await until(async () => (await list())[0]!.state === 'running');
    control.terminate();
    ({ ws: control, got: toKiosk } = await kioskControl());
    await until(async () => (await list())[0]!.state === 'succeeded');
    expect((await list())[0]).toMatchObject({ id: a.id, reason: 'the kiosk connected again after restarting' });
    // Not sent again: it is done.
    await new Promise((r) => setTimeout(r, 50));
    expect(toKiosk.filter((m) => m.type === 'runAction')).toEqual([]);
    control.terminate();
  });

  it('expires an action that has not started within 15 minutes, audited, and a late report changes nothing', async () => {
    const waiting = (await ask({ action: 'self-test' })).json<KioskAction>();
    expect(waiting.state).toBe('requested');
    clock = new Date(clock.getTime() + 14 * 60_000);
    expect(await t.app.kioskActions.expireDue()).toBe(0);
    clock = new Date(clock.getTime() + 61_000);
    expect(await t.app.kioskActions.expireDue()).toBe(1);
    const [expired] = await list();
    expect(expired).toMatchObject({ id: waiting.id, state: 'expired', reason: 'not started within 15 minutes', finishedAt: clock.toISOString() });
    const [entry] = await audit();
    expect(entry).toMatchObject({ actor: 'system', action: 'action-result', data: { actionId: waiting.id, outcome: 'expired' } });
    const kiosk = (await t.store.findKiosk(KIOSK))!;
    await t.app.kioskActions.report(kiosk, { type: 'actionState', actionId: waiting.id, state: 'running' });
    expect((await list())[0]!.state).toBe('expired');
  });
});
