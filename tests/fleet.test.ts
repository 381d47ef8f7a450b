/**
 * Fleet health in Chromium against the demo: a technician sees the demo
 * kiosk online with its devices (printer and card reader from the shell,
 * camera and microphone from the kiosk page), then the virtual printer runs
 * out of paper and the alert appears in the open console without a reload,
 * and goes again when the paper is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { hardwareControl, startDemo, type Demo } from './support/demo';
import { openKiosk } from './support/pages';

let demo: Demo;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemo(48600);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});

const control = (path: string, body?: unknown): Promise<unknown> => hardwareControl(demo, path, body);

async function openFleet(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${demo.serverUrl}/console/`);
  await page.getByLabel('Username').fill('tech');
  await page.getByLabel('Password').fill('demo-tech');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('fleet-connection').textContent(), { timeout: 10_000 }).toBe('live');
  return page;
}

describe('fleet health', () => {
  it('shows the demo kiosk online with its devices, and a paper-out alert live', async () => {
    // The kiosk page reports its camera and microphone to the shell, which sends a heartbeat at once.
    const kiosk = await openKiosk(browser, demo.kioskUrl);
    const page = await openFleet();
    const row = page.locator('[data-kiosk="k-demo-central-1"]');
    await expect.poll(() => row.getByTestId('health-badge').getAttribute('data-status'), { timeout: 15_000 }).toBe('online');
    const device = (name: string) => row.locator(`[data-device="${name}"]`);
    await expect.poll(() => device('camera').textContent(), { timeout: 15_000 }).toBe('camera: working');
    expect(await device('microphone').textContent()).toBe('microphone: working');
    expect(await device('printer').textContent()).toBe('printer: ok');
    expect(await device('card reader').textContent()).toBe('card reader: connected');
    expect(await page.getByTestId('fleet-alerts').locator('li').count()).toBe(0);

    // Paper out at the virtual printer: the shell's next heartbeat goes at once, the alert is pushed.
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await control('/printer', { paperOut: true });
    const alert = page.getByTestId('fleet-alerts').locator('[data-alert="paper-out"]');
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.textContent()).toContain('Paper out');
    expect(await device('printer').textContent()).toBe('printer: paper out');
    expect(await row.getByTestId('health-badge').textContent()).toBe('Needs attention');

    await control('/printer', { paperOut: false });
    await expect.poll(() => alert.count(), { timeout: 15_000 }).toBe(0);
    expect(navigations).toEqual([]);

    // The kiosk's detail page has its heartbeat history.
    await row.getByRole('button', { name: 'Borgerservice Mini' }).click();
    await page.getByTestId('heartbeat-history').locator('tbody tr').first().waitFor();
    expect(await page.getByTestId('heartbeat-history').locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('kiosk-alert-log').textContent()).toContain('Paper out');
    // And its audit log: the demo seed created it and the kiosk enrolled itself with its code.
    const audit = page.getByTestId('kiosk-audit-log');
    await audit.waitFor();
    const actions = await audit.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(actions.slice(-3)).toEqual(['Enrolled (key bound)', 'Enrolment code issued', 'Kiosk record created']);
    expect(await audit.locator('tbody tr').last().locator('td').nth(1).textContent()).toBe('booth-server');
    await kiosk.context().close();
    await page.context().close();
  });
});
