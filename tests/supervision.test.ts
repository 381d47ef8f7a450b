/**
 * A supervisor's live view and reports in real Chromium against the demo: a
 * resident queues with no agent free and the live screen shows them waiting
 * in the right queue, with the chart drawn; an agent then takes the call, and
 * the report shows today's contact. The console runs under the server's
 * Content-Security-Policy throughout, uPlot included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { startDemo, type Demo } from './support/demo';
import { openConsole, openKiosk, tapTalk } from './support/pages';

let demo: Demo;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemo(47400);
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

/** Whether the canvas inside the chart has anything drawn on it. */
const chartDrawn = (page: Page, testId: string): Promise<boolean> =>
  page.getByTestId(testId).evaluate((el) => {
    const canvas = el.querySelector('canvas');
    if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    return !!pixels && pixels.some((v, i) => i % 4 === 3 && v > 0);
  });

describe('supervisor screens', () => {
  it('shows a waiting resident live in their queue, then today’s answered call in the report', async () => {
    const supervisor = await openConsole(browser, demo.serverUrl, 'sara', 'demo-supervisor');
    const violations = cspViolations(supervisor);
    await supervisor.getByRole('button', { name: 'Live', exact: true }).click();
    const queues = supervisor.getByTestId('live-queues');
    await expect.poll(() => queues.locator('tbody tr').count(), { timeout: 10_000 }).toBe(2);

    // No agent is available: the resident (Danish, no topic) waits in the general queue.
    const kiosk = await openKiosk(browser, demo.kioskUrl);
    await tapTalk(kiosk);
    await expect.poll(() => queues.locator('tr[data-queue="general"] [data-testid="waiting"]').textContent(), { timeout: 10_000 }).toBe('1');
    expect(await queues.locator('tr[data-queue="passports"] [data-testid="waiting"]').textContent()).toBe('0');
    await expect.poll(() => supervisor.getByTestId('live-kiosks').locator('tr[data-state="waiting"]').count()).toBe(1);
    await expect.poll(() => chartDrawn(supervisor, 'chart-waiting'), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => chartDrawn(supervisor, 'chart-service-level')).toBe(true);

    // An agent comes, takes the call and ends it.
    const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
    await expect.poll(() => supervisor.getByTestId('live-agents').locator('[data-presence="away"] dd').textContent(), { timeout: 10_000 }).toContain('Anna Holm');
    await agent.getByTestId('available').check();
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 10_000 }).toBe(true);
    await agent.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => supervisor.getByTestId('live-agents').locator('[data-presence="in-call"] dd').textContent(), { timeout: 10_000 }).toContain('Anna Holm');
    await expect.poll(() => queues.locator('tr[data-queue="general"] [data-testid="waiting"]').textContent()).toBe('0');
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible(), { timeout: 10_000 }).toBe(true);

    await supervisor.getByRole('button', { name: 'Reports', exact: true }).click();
    const table = supervisor.getByTestId('report-table');
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 10_000 }).toBe(14);
    // The default range ends today in the report time zone, which the date field shows.
    const today = await supervisor.getByLabel('To', { exact: true }).inputValue();
    const row = table.locator(`tr[data-day="${today}"][data-queue="general"]`);
    expect(await row.getByTestId('contacts').textContent()).toBe('1');
    expect(await row.getByTestId('answered').textContent()).toBe('1');
    await expect.poll(() => chartDrawn(supervisor, 'chart-daily')).toBe(true);

    // The CSV link downloads the same figures (same origin, the session cookie rides along).
    const href = await supervisor.getByTestId('report-csv').getAttribute('href');
    const csv = await supervisor.context().request.get(`${demo.serverUrl}${href}`);
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8; header=present');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toMatch(/^day,queue_id,queue_name,contacts,answered,abandoned,/);
    expect(lines.find((l) => l.startsWith(`${today},general,`))).toMatch(new RegExp(`^${today},general,Citizen service,1,1,0,0,`));

    expect(violations).toEqual([]);
    await Promise.all([supervisor.context().close(), agent.context().close(), kiosk.context().close()]);
  });
});
