/**
 * Out of hours, in Chromium against a demo whose queues are closed today: the
 * kiosk says when video calls open again and takes a callback request
 * instead (keypad, consent), which an agent then finds in the console's
 * callbacks list, waiting for the queue to open.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { startDemo, type Demo } from './support/demo';
import { openConsole, openKiosk, tapTalk } from './support/pages';

let demo: Demo;
let browser: Browser;
/** Today in Copenhagen: every queue is closed all day. */
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

beforeAll(async () => {
  const defaults = JSON.parse(readFileSync(new URL('../config/default.json', import.meta.url), 'utf8')) as { routing: { queues: { openingHours: { closedDates: string[] } }[] } };
  const queues = defaults.routing.queues.map((q) => ({ ...q, openingHours: { ...q.openingHours, closedDates: [today] } }));
  demo = await startDemo(47900, { routing: { ...defaults.routing, queues } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});

describe('out of hours', () => {
  it('offers a callback instead of a call, which an agent finds in the callbacks list', async () => {
    const kiosk = await openKiosk(browser, demo.kioskUrl);
    await tapTalk(kiosk);
    await expect.poll(() => kiosk.getByTestId('queue-closed').isVisible(), { timeout: 10_000 }).toBe(true);
    // Closed all day today: open again at midnight (shown in the kiosk's local time).
    expect(await kiosk.getByTestId('opens-at').textContent()).toMatch(/^Vi åbner igen \S+ \d+\. \S+ kl\. \d\d.\d\d\.$/);
    await kiosk.getByTestId('choose-callback').click();
    await kiosk.getByTestId('phone').fill('+45 12 34 56 78');
    await kiosk.getByTestId('consent').check();
    await kiosk.getByTestId('send-callback').click();
    await expect.poll(() => kiosk.getByTestId('ended-title').textContent(), { timeout: 10_000 }).toBe('Vi ringer dig op');
    expect(await kiosk.getByTestId('ended-detail').textContent()).toMatch(/^Vi ringer, når vi åbner /);
    const reference = await kiosk.getByTestId('reference').textContent();

    const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
    await expect.poll(() => agent.getByTestId('callbacks').textContent(), { timeout: 10_000 }).toContain(reference ?? '-');
    expect(await agent.getByTestId('callbacks').textContent()).toContain('waiting');
    // The number is for the agent who takes the callback, not for the list.
    expect(await agent.getByTestId('callbacks').textContent()).not.toContain('12 34 56 78');
  });
});
