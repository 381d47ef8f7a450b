/**
 * The agent's case panel in real Chromium against the demo: an agent takes a
 * resident's call and works on its case during the call (a note, status and
 * outcome code), finishes it in wrap-up (resolved), and the resident's
 * reference on the kiosk, the public status page and the agent's Cases screen
 * all show the same case. The console runs under the server's
 * Content-Security-Policy throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { REFERENCE_PATTERN } from '@citizen/protocol';
import { launchBrowser } from './support/browser';
import { startDemo, type Demo } from './support/demo';
import { openConsole, openKiosk, tapTalk } from './support/pages';

let demo: Demo;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemo(47800);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});

function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

/** The texts of a case panel's history, oldest first. */
const history = (panel: Locator): Promise<string[]> => panel.getByTestId('case-history').locator('li').allTextContents();

describe('case panel', () => {
  it('works a call’s case during the call and in wrap-up; kiosk, status page and Cases agree', async () => {
    const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
    const violations = cspViolations(agent);
    await agent.getByTestId('available').check();
    const kiosk = await openKiosk(browser, demo.kioskUrl);
    await tapTalk(kiosk);
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 10_000 }).toBe(true);
    await agent.getByRole('button', { name: 'Accept' }).click();

    // During the call: the call's case, with its reference.
    const inCall = agent.locator('.call').getByTestId('case-panel');
    await expect.poll(() => inCall.getByTestId('case-reference').textContent(), { timeout: 10_000 }).toMatch(new RegExp(REFERENCE_PATTERN));
    const reference = (await inCall.getByTestId('case-reference').textContent())!;
    expect(await inCall.getByTestId('case-status').textContent()).toBe('Received');
    await expect.poll(() => history(inCall)).toEqual([expect.stringContaining('Inquiry made'), expect.stringContaining('Call answered by you')]);

    await inCall.getByLabel('Note').fill('Resident lost their passport on holiday.');
    await inCall.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => history(inCall)).toContainEqual(expect.stringContaining('Note: Resident lost their passport on holiday.'));
    expect(await inCall.getByLabel('Note').inputValue()).toBe('');
    await inCall.getByLabel('Case status').selectOption('in-progress');
    await inCall.getByLabel('Outcome').selectOption('answered');
    await inCall.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => inCall.getByTestId('case-status').textContent()).toBe('In progress');
    expect(await inCall.getByTestId('case-notice').textContent()).toBe('Saved.');
    expect((await history(inCall)).slice(-2)).toEqual([expect.stringContaining('Status Received → In progress'), expect.stringContaining('Outcome Answered during the call')]);

    // The call ends; in wrap-up the same case is under the wrap-up line, with the call's end in its history.
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => agent.getByTestId('wrap-up').isVisible(), { timeout: 10_000 }).toBe(true);
    const wrapUp = agent.getByTestId('wrap-up-case').getByTestId('case-panel');
    await expect.poll(() => wrapUp.getByTestId('case-reference').textContent()).toBe(reference);
    await expect.poll(() => history(wrapUp)).toContainEqual(expect.stringContaining('Call ended'));
    expect(await wrapUp.getByLabel('Outcome').inputValue()).toBe('answered');
    await wrapUp.getByLabel('Case status').selectOption('resolved');
    await wrapUp.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => wrapUp.getByTestId('case-status').textContent()).toBe('Resolved');

    // The resident has the same reference, and the public status page says resolved.
    await expect.poll(() => kiosk.getByTestId('reference').textContent(), { timeout: 10_000 }).toBe(reference);
    const page = await fetch(`${demo.serverUrl}/status/${reference}?lang=en`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(reference);
    expect(html).toContain('<p class="status status-resolved">Resolved</p>');
    expect(html).not.toContain('passport on holiday');

    // The Cases screen lists the case; opening it shows the same panel. The desk stays connected underneath.
    await agent.getByRole('button', { name: 'Cases', exact: true }).click();
    const row = agent.getByTestId('case-list').locator(`tr[data-reference="${reference}"]`);
    await expect.poll(() => row.getByTestId('case-list-status').textContent(), { timeout: 10_000 }).toBe('Resolved');
    await row.getByRole('button', { name: reference }).click();
    const opened = agent.getByTestId('cases').getByTestId('case-panel');
    await expect.poll(() => history(opened)).toContainEqual(expect.stringContaining('Note: Resident lost their passport on holiday.'));
    expect(await agent.getByTestId('desk-connection').getAttribute('data-state')).toBe('open');
    await agent.getByRole('button', { name: 'Desk', exact: true }).click();
    await agent.getByRole('button', { name: 'Close the case' }).click();
    expect(await agent.getByTestId('wrap-up-case').count()).toBe(0);

    // A supervisor sees every case under Cases.
    const supervisor = await openConsole(browser, demo.serverUrl, 'sara', 'demo-supervisor');
    await supervisor.getByRole('button', { name: 'Cases', exact: true }).click();
    await expect
      .poll(() => supervisor.getByTestId('case-list').locator(`tr[data-reference="${reference}"]`).getByTestId('case-list-status').textContent(), { timeout: 10_000 })
      .toBe('Resolved');

    expect(violations).toEqual([]);
    await Promise.all([agent.context().close(), kiosk.context().close(), supervisor.context().close()]);
  });

  it('shows the case of a callback in hand beside the number to call', async () => {
    const kiosk = await openKiosk(browser, demo.kioskUrl);
    await tapTalk(kiosk);
    await expect.poll(() => kiosk.getByTestId('queue-position').isVisible(), { timeout: 10_000 }).toBe(true);
    await kiosk.getByTestId('call-me-back').click();
    for (const k of ['+', '4', '5', '8', '7', '6', '5', '4', '3', '2', '1']) await kiosk.locator(`.keypad [data-key="${k}"]`).click();
    await kiosk.getByTestId('consent').check();
    await kiosk.getByTestId('send-callback').click();
    const reference = await kiosk.getByTestId('reference').textContent();
    expect(reference).toMatch(new RegExp(REFERENCE_PATTERN));

    const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
    await agent.getByTestId('available').check();
    await expect.poll(() => agent.getByTestId('offer').getAttribute('data-kind'), { timeout: 10_000 }).toBe('callback');
    await agent.getByRole('button', { name: 'Accept' }).click();
    const panel = agent.getByTestId('callback').getByTestId('case-panel');
    await expect.poll(() => panel.getByTestId('case-reference').textContent(), { timeout: 10_000 }).toBe(reference);
    await panel.getByLabel('Note').fill('Phoned; resident will send the form.');
    await panel.getByLabel('Case status').selectOption('waiting-for-resident');
    await panel.getByLabel('Next step').selectOption('answer-digital-post');
    await panel.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => panel.getByTestId('case-status').textContent()).toBe('Waiting for the resident');
    expect(await history(panel)).toContainEqual(expect.stringContaining('Note: Phoned; resident will send the form.'));
    await agent.getByRole('button', { name: /Reached/ }).click();
    await expect.poll(() => agent.getByTestId('callback').count()).toBe(0);
    await Promise.all([agent.context().close(), kiosk.context().close()]);
  });

  it('brings the desk to the front when a call is offered while the Cases screen shows', async () => {
    const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
    await agent.getByTestId('available').check();
    await agent.getByRole('button', { name: 'Cases', exact: true }).click();
    await expect.poll(() => agent.getByTestId('cases').isVisible()).toBe(true);
    expect(await agent.getByTestId('desk-connection').isVisible()).toBe(false);

    const kiosk = await openKiosk(browser, demo.kioskUrl);
    await tapTalk(kiosk);
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await agent.getByTestId('cases').count()).toBe(0);
    await agent.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => agent.locator('.call').getByTestId('case-reference').textContent(), { timeout: 10_000 }).toMatch(new RegExp(REFERENCE_PATTERN));
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible(), { timeout: 10_000 }).toBe(true);
    await Promise.all([agent.context().close(), kiosk.context().close()]);
  });
});
