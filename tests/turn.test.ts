/**
 * A call through TURN, end to end: the demo starts its own coturn (Debian's
 * turnserver, TURN REST API credentials from booth-server), the kiosk is
 * configured with iceTransportPolicy relay, and the call's media flows in
 * real Chromium through the real SFU with the kiosk's transports on relay
 * candidates only; coturn's log shows the allocations under the kiosk's id.
 * An ICE restart (fresh credentials first) keeps it on the relay.
 * Ports: SFU 54000-54099, coturn 54250 (UDP and TCP), relays 54260-54299.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { localTurn, startDemo, type Demo } from './support/demo';
import { deskStats, expectMediaFlowing, kioskStats, openConsole, openKiosk, tapTalk } from './support/pages';

const TURN_PORT = 54250;
let demo: Demo;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  demo = await startDemo(54000, {
    turn: localTurn({ port: TURN_PORT, relayPorts: [54260, 54299], secret: 'browser-test-turn-secret-0123456789' }),
    kiosk: { iceTransportPolicy: 'relay' },
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await demo?.dispose();
});

type Paths = { policy: string; paths: { direction: string; local: string | null; remote: string | null; relayProtocol: string | null }[] } | null;

describe('TURN', () => {
  it('carries a relay-only kiosk call through coturn, also after an ICE restart', async () => {
    expect(demo.output()).toMatch(/coturn ready on 127\.0\.0\.1:54250/);
    const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
    contexts.push(agent.context());
    await agent.getByTestId('available').check();
    const kiosk = await openKiosk(browser, demo.kioskUrl);
    contexts.push(kiosk.context());
    await tapTalk(kiosk);
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 10_000 }).toBe(true);
    await agent.getByRole('button', { name: 'Accept' }).click();

    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent), 'agent');
    const paths = (): Promise<Paths> => kiosk.evaluate(() => (window as unknown as { __kiosk: { mediaPaths(): Promise<Paths> } }).__kiosk.mediaPaths());
    const before = await paths();
    expect(before?.policy).toBe('relay');
    expect(before?.paths.map((p) => p.direction).sort()).toEqual(['recv', 'send']);
    // Every transport of the kiosk goes through the relay, to the SFU's own (host) candidate.
    for (const p of before!.paths) expect(p).toMatchObject({ local: 'relay', remote: 'host', relayProtocol: expect.stringMatching(/^(udp|tcp)$/) });
    // coturn granted them to the kiosk's credential and relayed its packets.
    const allocations = () => [...demo.output().matchAll(/user <\d+:(k-[a-z0-9-]+)>: incoming packet ALLOCATE processed, success/g)].map((m) => m[1]);
    expect(allocations().length).toBeGreaterThanOrEqual(2);
    const allocated = allocations().length;

    await kiosk.evaluate(() => (window as unknown as { __kiosk: { restartIce(): Promise<void> } }).__kiosk.restartIce());
    const s = await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk after ICE restart');
    expect(s.iceRestarts).toBeGreaterThanOrEqual(2);
    await expectMediaFlowing(() => deskStats(agent), 'agent after the kiosk ICE restart');
    for (const p of (await paths())!.paths) expect(p.local).toBe('relay');
    // The restart gathered again: new allocations, with fresh credentials.
    await expect.poll(() => allocations().length, { timeout: 10_000 }).toBeGreaterThan(allocated);
    expect(demo.output()).not.toContain('browser-test-turn-secret-0123456789');
  });
});
