/**
 * A call whose two sides live on different SFU workers: the agent's endpoint
 * was placed on one worker while they waited for calls, the resident's on
 * the other while they queued. The room pipes each side's producers across
 * (mediasoup pipeToRouter); media flows both ways, and when one worker is
 * killed only the endpoint that lived there is rebuilt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { startDemo, type Demo } from './support/demo';
import { deskStats, expectMediaFlowing, kioskStats, openConsole, openKiosk, tapTalk } from './support/pages';

let demo: Demo;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemo(47200, { numWorkers: 2 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});

const objects = async (): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const m of (await demo.metrics()).matchAll(/^booth_sfu_objects\{kind="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
};

describe('a call across two SFU workers', () => {
  it('pipes media both ways between the workers, and survives losing one of them', async () => {
    expect(demo.workerPids()).toHaveLength(2);
    const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
    await agent.getByTestId('available').check();
    await expect.poll(async () => (await objects()).transport, { timeout: 10_000 }).toBe(2); // the agent's warm endpoint
    const kiosk = await openKiosk(browser, demo.kioskUrl);
    await tapTalk(kiosk);
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 10_000 }).toBe(true);
    await agent.getByRole('button', { name: 'Accept' }).click();
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent), 'agent');
    // Each side's endpoint sits on its own worker's router, so the producers travel over pipe transports.
    expect((await objects()).pipe).toBeGreaterThanOrEqual(2);

    process.kill(demo.workerPids()[0]!, 'SIGKILL');
    await expect
      .poll(async () => ((await kioskStats(kiosk))?.mediaResets ?? 0) + ((await deskStats(agent))?.mediaResets ?? 0), { timeout: 15_000 })
      .toBe(1);
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk after a worker died', 30_000);
    await expectMediaFlowing(() => deskStats(agent), 'agent after a worker died', 30_000);
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible()).toBe(true);
  });
});
