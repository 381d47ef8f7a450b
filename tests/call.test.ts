/**
 * Video calls end to end, in real Chromium with fake camera and microphone,
 * through the real SFU: a kiosk calls, an agent accepts; media both ways;
 * mute and camera-off reach the far side; the call survives a dropped
 * signalling socket, an ICE restart and a SIGKILLed mediasoup worker without
 * user action; a supervisor joins as a third participant; ending the call
 * brings both UIs and the SFU's object counts back to zero.
 *
 * Every test starts its own call on fresh pages and ends it afterwards, so
 * each runs alone (`-t`) and in any order; the demo itself is shared.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { startDemo, type Demo } from './support/demo';
import { deskStats, expectMediaFlowing, kioskStats, openConsole, openKiosk, tapTalk } from './support/pages';

let demo: Demo;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  demo = await startDemo(47000);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});
afterEach(async () => {
  // End whatever call a test left running (from the agent side when possible), then drop the pages.
  for (const ctx of contexts) {
    for (const page of ctx.pages()) {
      const end = page.getByRole('button', { name: 'End call' });
      if (await end.isVisible().catch(() => false)) await end.click().catch(() => undefined);
    }
  }
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  await expect.poll(async () => (await demo.metrics()).match(/booth_calls\{state="in-call"\} (\d+)/)?.[1], { timeout: 20_000 }).toBe('0');
});

const sfuObjects = async (): Promise<Record<string, number>> => {
  const text = await demo.metrics();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^booth_sfu_objects\{kind="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
};

const own = (page: Page): Page => {
  contexts.push(page.context());
  return page;
};

/** A resident at the kiosk in a call with anna, media flowing both ways. */
async function callInProgress(): Promise<{ kiosk: Page; agent: Page }> {
  const agent = own(await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent'));
  await agent.getByTestId('available').check();
  const kiosk = own(await openKiosk(browser, demo.kioskUrl));
  await tapTalk(kiosk);
  await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 10_000 }).toBe(true);
  await agent.getByRole('button', { name: 'Accept' }).click();
  await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
  await expectMediaFlowing(() => deskStats(agent), 'agent');
  return { kiosk, agent };
}

describe('video call kiosk ⇄ agent', () => {
  it('connects a resident who taps "talk to a person" with an agent who accepts; media flows both ways', async () => {
    const agent = own(await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent'));
    await agent.getByTestId('available').check();
    const kiosk = own(await openKiosk(browser, demo.kioskUrl));
    await tapTalk(kiosk);
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await agent.getByTestId('offer').textContent()).toContain('Borgerservice Mini');
    await agent.getByRole('button', { name: 'Accept' }).click();

    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent), 'agent');
    expect(await kiosk.getByTestId('camera-indicator').textContent()).toBe('Kameraet er tændt');
    expect(await kiosk.evaluate(() => (window as unknown as { __kiosk: { localTracks(): string[] } }).__kiosk.localTracks())).toEqual(['audio:live', 'video:live']);
    await expect.poll(() => agent.getByTestId('call-timer').textContent()).not.toBe('0:00');
    await expect.poll(() => agent.getByTestId('quality').textContent(), { timeout: 10_000 }).toMatch(/RTT \d+ ms/);
  });

  it('carries mute and camera-off to the far side', async () => {
    const { kiosk, agent } = await callInProgress();
    await agent.getByRole('button', { name: 'Mute' }).click();
    await expect.poll(() => kiosk.getByTestId('agent-muted').isVisible()).toBe(true);
    await agent.getByRole('button', { name: 'Unmute' }).click();
    await expect.poll(() => kiosk.getByTestId('agent-muted').isVisible()).toBe(false);

    await kiosk.getByRole('button', { name: 'Sluk kamera' }).click();
    await expect.poll(() => kiosk.getByTestId('camera-indicator').textContent()).toBe('Kameraet er slukket');
    await expect.poll(() => agent.getByTestId('resident-video').count()).toBe(0);
    expect(await kiosk.evaluate(() => (window as unknown as { __kiosk: { localTracks(): string[] } }).__kiosk.localTracks())).toEqual(['audio:live']);
    await kiosk.getByRole('button', { name: 'Tænd kamera' }).click();
    await expect.poll(() => agent.getByTestId('resident-video').count(), { timeout: 10_000 }).toBe(1);
    await expectMediaFlowing(() => deskStats(agent), 'agent after camera on');
  });

  it('survives a dropped signalling socket without user action', async () => {
    const { kiosk, agent } = await callInProgress();
    type Debug = { __kiosk: { dropSignalling(): void; resumes(): number; step(): string } };
    expect(await kiosk.evaluate(() => (window as unknown as Debug).__kiosk.resumes())).toBe(0);
    await kiosk.evaluate(() => (window as unknown as Debug).__kiosk.dropSignalling());
    await expect.poll(() => kiosk.evaluate(() => (window as unknown as Debug).__kiosk.resumes())).toBe(1);
    expect(await kiosk.evaluate(() => (window as unknown as Debug).__kiosk.step())).toBe('in-call');
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk after socket drop');
    // The server still has one call and the same session (a new one would have ended the call).
    expect(await demo.metrics()).toMatch(/booth_calls\{state="in-call"\} 1/);
  });

  it('restarts ICE and keeps media flowing', async () => {
    const { kiosk, agent } = await callInProgress();
    await kiosk.evaluate(() => (window as unknown as { __kiosk: { restartIce(): Promise<void> } }).__kiosk.restartIce());
    const s = await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk after ICE restart');
    expect(s.iceRestarts).toBeGreaterThanOrEqual(2);
    await expectMediaFlowing(() => deskStats(agent), 'agent after kiosk ICE restart');
  });

  it('restarts ICE by itself after a media path outage, and media flows again', async () => {
    const { kiosk, agent } = await callInProgress();
    // Freeze the SFU worker: no more STUN answers or media, as in a network outage. The browsers'
    // transports go disconnected and each client restarts ICE on its own; nothing here calls into the pages.
    const before = { kiosk: (await kioskStats(kiosk))!.iceRestarts, agent: (await deskStats(agent))!.iceRestarts };
    const [pid] = demo.workerPids();
    process.kill(pid!, 'SIGSTOP');
    try {
      await expect.poll(() => kiosk.getByTestId('reconnecting').isVisible(), { timeout: 20_000 }).toBe(true);
    } finally {
      await new Promise((r) => setTimeout(r, 2000));
      process.kill(pid!, 'SIGCONT');
    }
    await expect.poll(async () => (await kioskStats(kiosk))!.iceRestarts, { timeout: 20_000 }).toBeGreaterThan(before.kiosk);
    await expect.poll(async () => (await deskStats(agent))!.iceRestarts, { timeout: 30_000 }).toBeGreaterThan(before.agent);
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk after outage', 30_000);
    await expectMediaFlowing(() => deskStats(agent), 'agent after outage', 30_000);
    await expect.poll(() => kiosk.getByTestId('reconnecting').isVisible(), { timeout: 10_000 }).toBe(false);
    expect(demo.workerPids()).toEqual([pid]);
  });

  it('recovers from a SIGKILLed mediasoup worker without user action', async () => {
    const { kiosk, agent } = await callInProgress();
    const [pid] = demo.workerPids();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    await expect.poll(async () => (await kioskStats(kiosk))?.mediaResets ?? 0, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk after worker death', 30_000);
    await expectMediaFlowing(() => deskStats(agent), 'agent after worker death', 30_000);
    expect(demo.workerPids()).not.toContain(pid);
  });

  it('lets a supervisor join who sees and hears both, and leave again', async () => {
    const { kiosk } = await callInProgress();
    const supervisor = own(await openConsole(browser, demo.serverUrl, 'sara', 'demo-supervisor'));
    await expect.poll(() => supervisor.getByTestId('ongoing').locator('li').count(), { timeout: 10_000 }).toBe(1);
    await supervisor.getByTestId('ongoing').getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => supervisor.getByTestId('resident-video').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => supervisor.getByTestId('other-video').count(), { timeout: 15_000 }).toBe(1);
    // Two remote video streams and two audio streams: decoded frames and packets from both.
    await expectMediaFlowing(() => deskStats(supervisor), 'supervisor');
    const remotes = await supervisor.evaluate(() =>
      (window as unknown as { __desk: { active: { value: { view: { remotes: { value: { kind: string }[] } } } } } }).__desk.active.value.view.remotes.value.map((r) => r.kind).sort(),
    );
    expect(remotes).toEqual(['audio', 'audio', 'video', 'video']);
    await expect.poll(() => kiosk.getByTestId('third-video').count(), { timeout: 15_000 }).toBe(1);
    await supervisor.getByRole('button', { name: 'Leave call' }).click();
    await expect.poll(() => kiosk.getByTestId('third-video').count(), { timeout: 10_000 }).toBe(0);
  });

  it('lets the agent invite an interpreter who joins from the invitation and is seen and heard at the kiosk', async () => {
    const { kiosk, agent } = await callInProgress();
    const omar = own(await openConsole(browser, demo.serverUrl, 'omar', 'demo-agent'));
    await agent.getByTestId('tool-invite').click();
    await expect.poll(() => agent.getByTestId('invite-Omar Haddad').isVisible(), { timeout: 10_000 }).toBe(true);
    await agent.getByTestId('invite-Omar Haddad').click();
    await expect.poll(() => omar.getByTestId('invitation').textContent(), { timeout: 10_000 }).toContain('Anna Holm invites you to join as interpreter');
    await omar.getByTestId('invitation-join').click();
    await expect.poll(() => agent.locator('[data-testid="invited"] li').getAttribute('data-state'), { timeout: 10_000 }).toBe('joined');
    await expect.poll(() => kiosk.getByTestId('third-video').count(), { timeout: 15_000 }).toBe(1);
    await expectMediaFlowing(() => deskStats(omar), 'interpreter');
  });

  it('ends the call: both UIs return and the SFU object counts go back to zero', async () => {
    const { kiosk, agent } = await callInProgress();
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible()).toBe(true);
    await expect.poll(() => agent.getByTestId('last-ended').textContent()).toContain('hangup-agent');
    expect(await kiosk.evaluate(() => (window as unknown as { __kiosk: { localTracks(): string[] } }).__kiosk.localTracks())).toEqual(['audio:ended', 'video:ended']);
    // The resident's media is gone; the agent, still available, keeps two connected transports for the next call.
    await expect.poll(sfuObjects, { timeout: 10_000 }).toEqual({ router: 1, transport: 2, pipe: 0, producer: 0, consumer: 0, data: 2 });
    await agent.getByTestId('available').uncheck();
    await expect.poll(sfuObjects, { timeout: 10_000 }).toEqual({ router: 1, transport: 0, pipe: 0, producer: 0, consumer: 0, data: 0 });
    await kiosk.getByRole('button', { name: /Tilbage til start/ }).click();
    await expect.poll(() => kiosk.getByTestId('attract').isVisible()).toBe(true);
  });
});

describe('while the resident waits', () => {
  type Waiting = { __kiosk: { endpointStates(): string[] | null; endSession(): Promise<void> }; __gum: number; __liveTracks(): number };
  /**
   * A kiosk page that counts every camera/microphone request the page makes
   * and every track it got. (Permission prompts cannot be observed here: the
   * test browser grants camera and microphone to every page by its flags.)
   */
  async function countingKiosk(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __gum: number };
      w.__gum = 0;
      const tracks: MediaStreamTrack[] = [];
      (w as unknown as { __liveTracks(): number }).__liveTracks = () => tracks.filter((t) => t.readyState === 'live').length;
      const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (c) => {
        w.__gum++;
        const stream = await original(c);
        tracks.push(...stream.getTracks());
        return stream;
      };
    });
    await page.goto(`${demo.kioskUrl}?debug`);
    await expect.poll(() => page.getByTestId('kiosk-place').isVisible(), { timeout: 10_000 }).toBe(true);
    return page;
  }

  it('connects the kiosk’s transports while queued without opening camera or microphone, and closes them when the resident leaves the queue', async () => {
    const kiosk = await countingKiosk();
    await tapTalk(kiosk);
    await expect.poll(() => kiosk.getByTestId('queue-position').isVisible()).toBe(true);
    // Both transports connected (ICE and DTLS done) while waiting: the call will not wait for them.
    await expect.poll(() => kiosk.evaluate(() => (window as unknown as Waiting).__kiosk.endpointStates()), { timeout: 10_000 }).toEqual(['connected', 'connected']);
    expect(await sfuObjects()).toMatchObject({ transport: 2, producer: 0, consumer: 0, data: 2 });
    expect(await kiosk.evaluate(() => (window as unknown as Waiting).__gum)).toBe(0);
    expect(await kiosk.evaluate(() => (window as unknown as Waiting).__liveTracks())).toBe(0);
    expect(await kiosk.getByTestId('camera-indicator').count()).toBe(0);

    await kiosk.getByRole('button', { name: /Forlad køen/ }).click();
    await expect.poll(sfuObjects, { timeout: 10_000 }).toMatchObject({ transport: 0, data: 0 });
    expect(await kiosk.evaluate(() => (window as unknown as Waiting).__kiosk.endpointStates())).toBeNull();
    expect(await kiosk.evaluate(() => (window as unknown as Waiting).__gum)).toBe(0);
  });

  it('closes them when the resident’s session is wiped while waiting', async () => {
    const kiosk = await countingKiosk();
    await tapTalk(kiosk);
    await expect.poll(sfuObjects, { timeout: 10_000 }).toMatchObject({ transport: 2 });
    await kiosk.evaluate(() => (window as unknown as Waiting).__kiosk.endSession());
    await expect.poll(sfuObjects, { timeout: 10_000 }).toMatchObject({ transport: 0, data: 0 });
    await expect.poll(async () => (await demo.metrics()).match(/booth_calls\{state="queued"\} (\d+)/)?.[1]).toBe('0');
    expect(await kiosk.evaluate(() => (window as unknown as Waiting).__gum)).toBe(0);
  });
});

describe('instead of waiting: callbacks and written inquiries', () => {
  it('turns a waiting resident’s call into a callback with the same reference; the agent takes it, sees the number and reports it reached', async () => {
    const kiosk = own(await openKiosk(browser, demo.kioskUrl));
    await tapTalk(kiosk);
    await expect.poll(() => kiosk.getByTestId('queue-position').isVisible(), { timeout: 10_000 }).toBe(true);
    const reference = await kiosk.evaluate(() => (window as unknown as { __kiosk: { reference(): string | null } }).__kiosk.reference());
    await kiosk.getByTestId('call-me-back').click();
    // Typed on the on-screen keypad; "send" waits for a valid number and consent.
    for (const k of ['+', '4', '5', '1', '2', '3', '4', '5', '6', '7', '8']) await kiosk.locator(`.keypad [data-key="${k}"]`).click();
    expect(await kiosk.getByTestId('phone').inputValue()).toBe('+4512345678');
    expect(await kiosk.getByTestId('send-callback').isDisabled()).toBe(true);
    await kiosk.getByTestId('consent').check();
    await kiosk.getByTestId('send-callback').click();
    await expect.poll(() => kiosk.getByTestId('ended-title').textContent(), { timeout: 10_000 }).toBe('Vi ringer dig op');
    expect(await kiosk.getByTestId('reference').textContent()).toBe(reference);
    // The kiosk's media closed with the call: the callback needs none.
    await expect.poll(sfuObjects, { timeout: 10_000 }).toMatchObject({ transport: 0 });

    const agent = own(await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent'));
    await agent.getByTestId('available').check();
    await expect.poll(() => agent.getByTestId('offer').getAttribute('data-kind'), { timeout: 10_000 }).toBe('callback');
    await agent.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => agent.getByTestId('callback-phone').textContent(), { timeout: 10_000 }).toBe('+4512345678');
    expect(await agent.getByTestId('callback-reference').textContent()).toBe(reference);
    await agent.getByRole('button', { name: /Reached/ }).click();
    await expect.poll(() => agent.getByTestId('callback').count()).toBe(0);
    await expect.poll(() => agent.getByTestId('callbacks').count()).toBe(0);
  });

  it('takes a written inquiry typed on the on-screen keyboard and gives its reference and answer date', async () => {
    const kiosk = own(await openKiosk(browser, demo.kioskUrl));
    await kiosk.getByRole('button', { name: 'English' }).click();
    await kiosk.getByTestId('write-to-us').click();
    for (const k of ['h', 'e', 'j', 'space', 'ø']) await kiosk.locator(`.osk [data-key="${k}"]`).click();
    expect(await kiosk.getByTestId('message').inputValue()).toBe('Hej ø');
    await kiosk.getByTestId('message').pressSequentially(' – my address changed');
    expect(await kiosk.getByTestId('send-written').isDisabled()).toBe(true);
    await kiosk.getByTestId('written-consent').check();
    await kiosk.getByTestId('send-written').click();
    await expect.poll(() => kiosk.getByTestId('ended-title').textContent(), { timeout: 10_000 }).toBe('Thank you for your inquiry');
    expect(await kiosk.getByTestId('ended-detail').textContent()).toMatch(/^You will get an answer by \d+ \w+ \d{4}\.$/);
    const reference = await kiosk.getByTestId('reference').textContent();
    // Anyone with the reference can follow it up on the public status page.
    const status = await fetch(`${demo.serverUrl}/api/status/${encodeURIComponent(reference ?? '')}`);
    expect(status.status).toBe(200);
  });
});
