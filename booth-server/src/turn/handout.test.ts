/**
 * booth-server hands TURN credentials to participants over real sockets:
 * openMedia carries them, turnCredentials refreshes them, each is the
 * participant's own (kiosk id, staff user id in the username), the secret is
 * never in what a client gets, and no one without media gets any.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallOffer } from '@citizen/protocol';
import { createTestApp, next, newKioskClient, signIn, staffClient, type TestApp } from '../testing';

const SECRET = 'handout-test-secret-0123456789';
const URLS = ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'];
let t: TestApp;
let url: string;

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 54100;
    c.sfu.rtcMaxPort = 54149;
    c.calls.checkResults = true;
    c.turn = { ...c.turn, enabled: true, urls: URLS, secret: SECRET, credentialTtlSeconds: 300 };
  });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await t.app.close();
});

const valid = (s: { username: string; credential: string }) => createHmac('sha1', SECRET).update(s.username).digest('base64') === s.credential;

describe('TURN credentials over signalling', () => {
  it('each participant gets its own short-lived credential with openMedia, and fresh ones on request', async () => {
    const k = await newKioskClient(t, url, 'k-turn-handout-1');
    await next(k as never, 'session');
    await expect(k.request('turnCredentials', {})).rejects.toMatchObject({ code: 'WRONG_STATE' });
    const { callId } = await k.request('requestCall', { language: 'da' });
    const before = Math.floor(Date.now() / 1000);
    const opened = await k.request('openMedia', {});
    expect(JSON.stringify(opened)).not.toContain(SECRET);
    expect(opened.iceServers).toHaveLength(1);
    const server = opened.iceServers[0]!;
    expect(server.urls).toEqual(URLS);
    const [expiry, who] = server.username.split(':');
    expect(who).toBe('k-turn-handout-1');
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 300);
    expect(Number(expiry)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 300);
    expect(Date.parse(opened.iceServersExpireAt!)).toBe(Number(expiry) * 1000);
    expect(valid(server)).toBe(true);

    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await k.request('turnCredentials', {});
    expect(Number(fresh.iceServers[0]!.username.split(':')[0])).toBeGreaterThan(Number(expiry));
    expect(valid(fresh.iceServers[0]!)).toBe(true);

    const anna = staffClient(url, await signIn(t.app, 'anna', 'demo-agent'));
    await next(anna as never, 'session');
    const offer = next<CallOffer>(anna as never, 'callOffered');
    await anna.request('setAvailability', { available: true });
    await offer;
    await anna.request('acceptCall', { callId });
    const agent = await anna.request('openMedia', {});
    expect(agent.iceServers[0]!.username).toMatch(/^\d+:u-[0-9a-f]{16}$/);
    expect(valid(agent.iceServers[0]!)).toBe(true);
    k.close();
    anna.close();
  });
});
