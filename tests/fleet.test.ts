/**
 * Fleet health in Chromium against the demo: a technician sees the demo
 * kiosk online with its devices (printer and card reader from the shell,
 * camera and microphone from the kiosk page), then the virtual printer runs
 * out of paper and the alert appears in the open console without a reload,
 * and goes again when the paper is back; the kiosk's page shows its history
 * and audit log, and a remote action (a test page) runs at the kiosk with its
 * report shown live.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { hardwareControl, startDemo, type Demo } from './support/demo';
import { openFleet, openKiosk } from './support/pages';

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


describe('fleet health', () => {
  it('shows the demo kiosk online with its devices, a paper-out alert live, its history and audit log, and runs a remote action', async () => {
    // The kiosk page reports its camera and microphone to the shell, which sends a heartbeat at once.
    const kiosk = await openKiosk(browser, demo.kioskUrl);
    const page = await openFleet(browser, demo.serverUrl);
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
    const logged = await audit.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(logged.slice(-3)).toEqual(['Enrolled (key bound)', 'Enrolment code issued', 'Kiosk record created']);
    expect(await audit.locator('tbody tr').last().locator('td').nth(1).textContent()).toBe('booth-server');

    // Remote actions from the kiosk's page. The kiosk is in a resident's session (openKiosk started one): a test page
    // waits for them, shown live. Asked for again with "do it now", the resident is told in their language, their
    // session ends, and both run: reports shown, the printout from the virtual printer, the audit log saying who and how.
    await page.getByRole('button', { name: 'Print test page' }).click();
    const actions = page.getByTestId('kiosk-actions').locator('tbody tr');
    await expect.poll(() => actions.first().getByTestId('action-state').textContent(), { timeout: 20_000 }).toBe('Waiting for the resident to finish');
    const testPage = page.getByTestId('remote-actions').locator('li').filter({ hasText: 'Print test page' });
    await testPage.getByRole('checkbox').check();
    await testPage.getByRole('button', { name: 'Print test page' }).click();
    await kiosk.getByTestId('maintenance-notice').waitFor({ timeout: 15_000 });
    expect(await kiosk.getByTestId('maintenance-notice').textContent()).toContain('Kiosken skal vedligeholdes');
    await kiosk.getByTestId('attract').waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await actions.getByTestId('action-state').allTextContents()).join(','), { timeout: 30_000 }).toBe('Done,Done');
    expect(await actions.first().locator('td').nth(2).textContent()).toBe('tech');
    expect(await actions.first().locator('td').nth(1).textContent()).toBe('Print test page (now)');
    expect(await actions.first().getByTestId('selftest-report').locator('tbody th').allTextContents()).toEqual(expect.arrayContaining(['Printer', 'Test page']));
    const { printer } = (await (await fetch(`${demo.hardwareUrl}/`)).json()) as { printer: { lastReceipt: { txt: string } | null } };
    expect(readFileSync(printer.lastReceipt!.txt, 'utf8')).toContain('Kiosk id: k-demo-central-1');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect
      .poll(() => audit.locator('tbody tr td:nth-child(3)').allTextContents())
      .toEqual(expect.arrayContaining(['Remote action requested', 'Remote action test-page: waits for the resident to finish', 'Remote action test-page: succeeded']));
    await kiosk.context().close();
    await page.context().close();
  });
});
