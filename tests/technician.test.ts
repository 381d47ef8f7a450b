/**
 * Technician mode in real Chromium against the demo (virtual printer and card
 * reader, Chromium's fake camera and microphone): the hidden gesture on the
 * attract screen and the demo PIN open it; a wrong PIN is refused by the
 * shell; the self-test runs every check over the real devices and shows the
 * results; the test page comes out of the virtual printer; a card read while
 * it is open shows as its kind only, never its number; it closes back to the
 * attract screen with the card forgotten; and a new enrolment code enrols the
 * kiosk again.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { launchBrowser } from './support/browser';
import { hardwareControl, startDemo, type Demo } from './support/demo';
import { startSession } from './support/pages';

let demo: Demo;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  demo = await startDemo(44700);
  browser = await launchBrowser();
  page = await (await browser.newContext()).newPage();
  await page.goto(`${demo.kioskUrl}?debug`);
  await page.getByTestId('kiosk-place').waitFor({ timeout: 10_000 });
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});

const CARD = '4111111111111111';

/** axe-core's WCAG 2.0-2.2 A and AA findings, by rule and element. */
async function axe(where: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  return r.violations.map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function typePin(pin: string): Promise<void> {
  const pad = page.getByRole('group', { name: 'Technician PIN' });
  for (const d of pin) await pad.locator(`[data-key="${d}"]`).click();
  await page.getByTestId('technician-unlock').click();
}

describe('technician mode', () => {
  it('opens with five taps in the corner and the PIN, which the shell checks', async () => {
    for (let i = 0; i < 5; i++) await page.getByTestId('technician-corner').click();
    await page.getByTestId('technician-pin-pad').waitFor();
    await typePin('1357');
    await expect.poll(() => page.getByTestId('technician-pin-problem').getAttribute('data-code')).toBe('TECHNICIAN_PIN_WRONG');
    expect(await page.getByTestId('technician-pin-problem').textContent()).toMatch(/Wrong PIN\. 4 more wrong PINs lock/);
    expect(await axe('PIN pad')).toEqual([]);
    await page.getByTestId('technician-pin').fill('');
    await typePin('2468');
    await page.getByTestId('technician-kiosk').waitFor();
    expect(await page.getByTestId('technician-identity').textContent()).toBe('enrolled as k-demo-central-1');
    expect(await page.getByTestId('technician-printer').textContent()).toMatch(/^ok · /);
  });

  it('runs the self-test over the real devices, fake camera and microphone included, and prints a test page', async () => {
    await page.getByTestId('technician-run-selftest').click();
    const report = page.getByTestId('technician-report');
    await report.waitFor({ timeout: 30_000 });
    const results = Object.fromEntries(
      await Promise.all(['printer', 'cardReader', 'uplink', 'camera', 'microphone', 'speaker'].map(async (c) => [c, await page.getByTestId(`check-${c}`).getAttribute('data-result')])),
    );
    expect(results, await report.textContent() ?? '').toEqual({ printer: 'ok', cardReader: 'ok', uplink: 'ok', camera: 'ok', microphone: 'ok', speaker: 'ok' });
    expect(await page.getByTestId('check-camera').textContent()).toMatch(/a \d+×\d+ frame arrived/);
    expect(await page.getByTestId('check-microphone').textContent()).toMatch(/sound level -?\d+ dBFS/);
    // The shell's view follows: camera and microphone working.
    await expect.poll(() => page.getByTestId('technician-camera').textContent()).toBe('working');
    expect(await axe('technician mode')).toEqual([]);

    await page.getByTestId('technician-print-test-page').click();
    await expect.poll(() => page.getByTestId('check-testPage').getAttribute('data-result'), { timeout: 20_000 }).toBe('ok');
    const { printer } = (await (await fetch(`${demo.hardwareUrl}/`)).json()) as { printer: { lastReceipt: { txt: string } | null } };
    const text = readFileSync(printer.lastReceipt!.txt, 'utf8');
    expect(text).toContain('Kiosk test page');
    expect(text).toContain('Kiosk id: k-demo-central-1');
  });

  it('a failing printer shows in the self-test with what is wrong', async () => {
    await hardwareControl(demo, '/printer', { paperOut: true });
    try {
      await page.getByTestId('technician-print-test-page').click();
      await expect.poll(() => page.getByTestId('check-printer').textContent(), { timeout: 20_000 }).toMatch(/failedpaper out/);
      expect(await page.getByTestId('check-testPage').getAttribute('data-result')).toBe('failed');
    } finally {
      await hardwareControl(demo, '/printer', { paperOut: false });
    }
  });

  it('a card read while it is open shows only its kind; closing returns to the attract screen with the card forgotten', async () => {
    await hardwareControl(demo, '/card/magstripe', { id: CARD });
    await expect.poll(() => page.getByTestId('technician-card-reader').textContent(), { timeout: 10_000 }).toMatch(/a magstripe card was read/);
    const shown = await page.content();
    expect(shown).not.toContain(CARD);
    expect(shown).not.toContain('1111');
    await page.getByTestId('technician-close').click();
    await page.getByTestId('attract').waitFor();
    await startSession(page);
    expect(await page.getByTestId('card-read').count()).toBe(0);
    await page.evaluate(() => (window as unknown as { __kiosk: { endSession(): Promise<void> } }).__kiosk.endSession());
    await page.getByTestId('attract').waitFor();
  });

  it('enrols the kiosk again with a new code', async () => {
    const login = await fetch(`${demo.serverUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'tech', password: 'demo-tech' }) });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const res = await fetch(`${demo.serverUrl}/api/kiosks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ id: 'k-tech-reenrol-1', name: 'Replacement kiosk', location: 'Town hall', languages: ['da', 'en'] }),
    });
    expect(res.status).toBe(201);
    const code = ((await res.json()) as { enrolment: { code: string } }).enrolment.code;

    for (let i = 0; i < 5; i++) await page.getByTestId('technician-corner').click();
    await typePin('2468');
    await page.getByTestId('technician-reenrol').click();
    await page.getByTestId('enrolment-code').fill(code);
    await page.getByTestId('enrol').click();
    await expect.poll(() => page.getByTestId('technician-enrolled').textContent(), { timeout: 10_000 }).toBe('Enrolled as k-tech-reenrol-1.');
    await expect.poll(() => page.getByTestId('technician-kiosk-id').textContent(), { timeout: 10_000 }).toBe('k-tech-reenrol-1');
  });
});
