/**
 * A call on a bad network, end to end in real Chromium through the real SFU:
 * the kiosk's media goes through TURN (the demo's coturn) by way of an
 * impaired link on loopback (tests/support/impairedLink.ts, standing in for
 * `tc netem`, which this machine's kernel lacks). The link drops packets at
 * the rates a test sets, or blocks everything.
 *
 *  - loss steps the call down (lower video, sound only, chat only) and both
 *    sides say so in plain words; the media really changes (no video at
 *    sound only, no sound at chat only); it steps back up when the loss stops;
 *  - the agent moves the call to chat by hand and gives it back;
 *  - a network drop: the kiosk restarts ICE and media comes back;
 *  - UDP blocked from the start: the kiosk reaches TURN over TCP;
 *  - a dead path: the call steps down to a callback the resident asks for
 *    on the kiosk, keeping the reference, the place and what was written.
 *
 * Thresholds are the config's, made quicker (1-s periods). Ports: SFU
 * 42800-42899, the link 42950 (UDP and TCP), coturn 42960, relays 42970-42999.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { localTurn, startDemo, type Demo } from './support/demo';
import { ImpairedLink } from './support/impairedLink';
import { deskStats, expectMediaFlowing, kioskStats, openConsole, openKiosk, tapTalk, type Stats } from './support/pages';

const LINK_PORT = 42950;
const TURN_PORT = 42960;
let demo: Demo;
let browser: Browser;
let link: ImpairedLink;
const contexts: BrowserContext[] = [];
const kiosks: Page[] = [];

beforeAll(async () => {
  link = await ImpairedLink.open({ udpPort: LINK_PORT, tcpPort: LINK_PORT, targetHost: '127.0.0.1', targetUdpPort: TURN_PORT, targetTcpPort: TURN_PORT, seed: 13 });
  demo = await startDemo(42800, {
    turn: localTurn({ port: TURN_PORT, clientPort: LINK_PORT, relayPorts: [42970, 42999], secret: 'quality-test-turn-secret-0123456789' }),
    kiosk: { iceTransportPolicy: 'relay' },
    calls: {
      quality: {
        video: { maxLoss: 0.03, maxRttMs: 2000, minKbps: null, minFps: null },
        lowVideo: { maxLoss: 0.12, maxRttMs: 3000, minKbps: null, minFps: null },
        audio: { maxLoss: 0.3, maxRttMs: 4000, minKbps: null, minFps: null },
        downAfter: 2,
        upAfter: 3,
        upMargin: 0.6,
        callbackAfterMs: 4000,
        periodMs: 1000,
      },
    },
  });
  browser = await launchBrowser();
});
afterEach(async () => {
  link.clear();
  // The resident's session ends as on a real kiosk: its transports close and give their TURN allocations back
  // (a page that is just killed leaves them until they lapse, and they count against the kiosk's quota).
  for (const k of kiosks.splice(0)) await k.evaluate(() => (window as unknown as { __kiosk: { endSession(): Promise<void> } }).__kiosk.endSession()).catch(() => undefined);
  // One kiosk and one agent per test: the pages go, and their sessions with the grace period (5 s).
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
  await new Promise((r) => setTimeout(r, 6000));
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
  await link?.close();
});

type Paths = { policy: string; paths: { direction: string; local: string | null; remote: string | null; relayProtocol: string | null }[] } | null;
const mediaPaths = (kiosk: Page): Promise<Paths> => kiosk.evaluate(() => (window as unknown as { __kiosk: { mediaPaths(): Promise<Paths> } }).__kiosk.mediaPaths());

async function call(): Promise<{ kiosk: Page; agent: Page }> {
  const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
  contexts.push(agent.context());
  await agent.getByTestId('available').check();
  const kiosk = await openKiosk(browser, demo.kioskUrl);
  contexts.push(kiosk.context());
  kiosks.push(kiosk);
  await tapTalk(kiosk);
  await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 15_000 }).toBe(true);
  await agent.getByRole('button', { name: 'Accept' }).click();
  try {
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent), 'agent');
  } catch (err) {
    // What the paths were: enough to tell a TURN problem from a media one.
    const paths = await mediaPaths(kiosk).catch(() => null);
    const turn = demo.output().split('\n').filter((l) => /\[turn\].*(ALLOCATE|error [0-9]{3}(?!.*401))/.test(l)).slice(-20);
    throw new Error(`${(err as Error).message}\nkiosk paths: ${JSON.stringify(paths)}\nlink: ${JSON.stringify(link.stats())}\ncoturn:\n${turn.join('\n')}`);
  }
  return { kiosk, agent };
}

/** The stage each side shows: the kiosk's notice (none at full video) and the console's bar. */
const kioskStage = async (kiosk: Page): Promise<string> => {
  const n = kiosk.getByTestId('quality-notice');
  return (await n.isVisible()) ? ((await n.getAttribute('data-stage')) ?? '?') : 'video';
};
const agentStage = async (agent: Page): Promise<string | null> => agent.getByTestId('quality-stage').getAttribute('data-stage');
async function expectStage(kiosk: Page, agent: Page, stage: string, timeout = 20_000): Promise<void> {
  await expect.poll(() => agentStage(agent), { timeout, interval: 250 }).toBe(stage);
  await expect.poll(() => kioskStage(kiosk), { timeout: 5000, interval: 250 }).toBe(stage);
}

/** How much of each kind arrived over `ms` (as the stats read it). */
async function arriving(read: () => Promise<Stats | null>, ms = 2500): Promise<{ frames: number; audio: number }> {
  const a = (await read())!;
  await new Promise((r) => setTimeout(r, ms));
  const b = (await read())!;
  return { frames: b.framesDecoded - a.framesDecoded, audio: b.audioPacketsReceived - a.audioPacketsReceived };
}

describe('a call on a bad network', () => {
  it('steps down with loss and back up without it, tells both sides, and lets the agent choose by hand', async () => {
    const { kiosk, agent } = await call();
    for (const p of (await mediaPaths(kiosk))!.paths) expect(p.local).toBe('relay');
    expect(await agentStage(agent)).toBe('video');

    // 7 %: too much for full video, fine for a lower one.
    link.set({ loss: 0.07 });
    await expectStage(kiosk, agent, 'low-video');
    expect(await kiosk.getByTestId('quality-notice').textContent()).toBe('Forbindelsen er svag. Vi har sænket billedkvaliteten, så I kan blive ved med at tale.');
    expect(await agent.getByTestId('quality-stage').textContent()).toMatch(/^Lower picture quality: .* is weak \(packet loss \d+\.\d %\)\./);
    link.clear();
    await expectStage(kiosk, agent, 'video');
    expect(await kiosk.getByTestId('quality-notice').textContent()).toBe('Forbindelsen er god igen. Billedet er tilbage.');

    // 20 %: sound only; no video is sent either way, sound still is.
    link.set({ loss: 0.2 });
    await expectStage(kiosk, agent, 'audio');
    expect(await kiosk.getByTestId('quality-notice').textContent()).toBe('Forbindelsen er svag. Vi har skiftet til kun lyd.');
    // A frame or two in flight may still land.
    const atAudio = await arriving(() => deskStats(agent));
    expect(atAudio.frames).toBeLessThanOrEqual(2);
    expect(atAudio.audio).toBeGreaterThan(20);

    // 45 %: chat only; the kiosk's chat opens by itself and no sound is sent.
    link.set({ loss: 0.45 });
    await expectStage(kiosk, agent, 'text');
    expect(await kiosk.getByTestId('quality-notice').textContent()).toBe('Forbindelsen er for svag til lyd. Skriv dine beskeder herunder.');
    await expect.poll(() => kiosk.getByTestId('chat').isVisible(), { timeout: 5000 }).toBe(true);
    const atText = await arriving(() => deskStats(agent));
    expect(atText.audio).toBeLessThanOrEqual(5);

    // The loss stops: back up a stage at a time, to video that flows again.
    link.clear();
    await expectStage(kiosk, agent, 'video', 40_000);
    await expectMediaFlowing(() => deskStats(agent), 'agent after recovering');
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk after recovering');

    // By hand: the agent moves the call to chat; the kiosk says who chose it. Then back to the network.
    await agent.getByTestId('choose-text').click();
    await expectStage(kiosk, agent, 'text', 5000);
    expect(await kiosk.getByTestId('quality-notice').getAttribute('data-by')).toBe('agent');
    expect(await kiosk.getByTestId('quality-notice').textContent()).toContain('Medarbejderen har valgt det.');
    expect(await agent.getByTestId('quality-stage').textContent()).toContain('Chat only: you chose this.');
    await agent.getByTestId('choose-network').click();
    await expectStage(kiosk, agent, 'video', 5000);
    await expectMediaFlowing(() => deskStats(agent), 'agent after handing back to the network');
  });

  it('recovers from a network drop by restarting ICE', async () => {
    const { kiosk, agent } = await call();
    const before = (await kioskStats(kiosk))!;
    link.set({ blockUdp: true, blockTcp: true });
    await expect.poll(async () => (await kioskStats(kiosk))!.iceRestarts, { timeout: 30_000 }).toBeGreaterThan(before.iceRestarts);
    link.clear();
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk after the drop', 40_000);
    await expectMediaFlowing(() => deskStats(agent), 'agent after the drop', 20_000);
    for (const p of (await mediaPaths(kiosk))!.paths) expect(p.local).toBe('relay');
  });

  it('reaches TURN over TCP from a network that blocks UDP', async () => {
    link.set({ blockUdp: true });
    const dropped = link.stats().up.dropped;
    const { kiosk } = await call();
    expect((await mediaPaths(kiosk))!.paths).toEqual([
      { direction: 'send', local: 'relay', remote: 'host', relayProtocol: 'tcp' },
      { direction: 'recv', local: 'relay', remote: 'host', relayProtocol: 'tcp' },
    ]);
    // The kiosk did try UDP first: the link dropped it.
    expect(link.stats().up.dropped).toBeGreaterThan(dropped);
  });

  it('steps a dead path down to a callback that keeps the reference, the place and what was written', async () => {
    const { kiosk, agent } = await call();
    await kiosk.getByTestId('chat-open').click();
    await kiosk.getByTestId('chat-input').fill('Jeg kan ikke høre dig');
    await kiosk.getByTestId('chat-send').click();
    // Back from the server: written into the call's chat.
    await expect.poll(() => kiosk.getByTestId('chat-log').textContent(), { timeout: 10_000 }).toContain('Jeg kan ikke høre dig');

    link.set({ blockUdp: true, blockTcp: true });
    await expect.poll(() => kioskStage(kiosk), { timeout: 60_000, interval: 500 }).toBe('callback');
    expect(await kiosk.getByTestId('quality-notice').textContent()).toContain('Forbindelsen er for svag til et opkald. Vi kan ringe dig op');
    await kiosk.getByTestId('quality-callback').click();
    expect(await kiosk.getByTestId('callback-stepped-hint').isVisible()).toBe(true);
    await kiosk.getByTestId('phone').fill('+45 12 34 56 78');
    await kiosk.getByTestId('consent').check();
    await kiosk.getByTestId('send-callback').click();
    await expect.poll(() => kiosk.getByTestId('ended-title').textContent(), { timeout: 10_000 }).toBe('Vi ringer dig op');
    const reference = await kiosk.getByTestId('reference').textContent();
    expect(reference).toMatch(/^BS-/);
    link.clear();

    // The agent's call ended; the callback waits in the list with the same reference.
    await expect.poll(() => agent.getByTestId('callbacks').textContent(), { timeout: 15_000 }).toContain(reference!);
    const res = await fetch(`${demo.serverUrl}/api/status/${encodeURIComponent(reference!)}`);
    expect(res.status).toBe(200);
  });
});
