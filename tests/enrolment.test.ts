/**
 * Enrolment in real Chromium against the demo: a kiosk without an identity
 * starts on its provisioning screen; a wrong code is refused with a message
 * the technician can act on; the code a technician gets by creating the kiosk
 * record enrols it (key pair made and kept by the shell, mode 0600 in the
 * browser shell), and the kiosk reaches its attract screen, online.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { openFleet } from './support/pages';
import { startDemo, type Demo } from './support/demo';

let demo: Demo;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemo(48800, { autoEnrol: false });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});

/** The technician's side, through the API as the console calls it: sign in, create the kiosk record, read its code. */
async function createKioskAsTechnician(id: string): Promise<string> {
  const login = await fetch(`${demo.serverUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'tech', password: 'demo-tech' }) });
  expect(login.status).toBe(200);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(`${demo.serverUrl}/api/kiosks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ id, name: 'Library kiosk', location: 'Main library, ground floor', languages: ['da', 'en'] }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { enrolment: { code: string } }).enrolment.code;
}

describe('kiosk enrolment', () => {
  it('shows the provisioning screen until a technician’s code enrols the kiosk, then the attract screen', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${demo.kioskUrl}?debug`);
    await page.getByTestId('provisioning').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('attract').count()).toBe(0);

    // Well-formed, right check character, but nobody's code.
    await page.getByTestId('enrolment-code').fill('000-000-000');
    await page.getByTestId('enrol').click();
    await expect.poll(() => page.getByTestId('enrolment-problem').getAttribute('data-code')).toBe('ENROLMENT_CODE_UNKNOWN');
    expect(await page.getByTestId('enrolment-problem').textContent()).toMatch(/new code in the console/);

    const code = await createKioskAsTechnician('k-enrol-library-1');
    // Typed on the kiosk's keypad, hyphens left out.
    await page.getByTestId('enrolment-code').fill('');
    for (const c of code.replace(/-/g, '')) await page.getByRole('group', { name: 'Enrolment code' }).locator(`[data-key="${c}"]`).click();
    await page.getByTestId('enrol').click();

    await page.getByTestId('attract').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId('kiosk-place').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByTestId('provisioning').count()).toBe(0);
    // The browser shell keeps the private key in a file only its user may read.
    expect(statSync(join(demo.dir, 'data/kiosk-identity.json')).mode & 0o777).toBe(0o600);
  });

  // Runs after the test above, on the same demo: the kiosk shell is enrolled as k-enrol-library-1.
  it('from the console: a technician revokes the kiosk, which falls back to provisioning, and enrols it again as a new kiosk', async () => {
    const kiosk = await (await browser.newContext()).newPage();
    await kiosk.goto(`${demo.kioskUrl}?debug`);
    await kiosk.getByTestId('attract').waitFor({ timeout: 10_000 });

    const tech = await openFleet(browser, demo.serverUrl);
    await tech.locator('[data-kiosk="k-enrol-library-1"] button.link').click();
    await tech.getByTestId('revoke-kiosk').click();
    await tech.getByTestId('confirm-revoke').click();
    await expect.poll(() => tech.getByTestId('identity-message').textContent()).toMatch(/^Revoked/);
    // Refused at its next request (the page asks every 15 s): the kiosk shows its provisioning screen again.
    await kiosk.getByTestId('provisioning').waitFor({ timeout: 40_000 });

    await tech.getByRole('button', { name: 'Back to the fleet' }).click();
    await tech.getByTestId('add-kiosk').click();
    await tech.getByTestId('kiosk-id').fill('k-enrol-library-2');
    await tech.getByTestId('kiosk-name').fill('Library kiosk 2');
    await tech.getByTestId('kiosk-location').fill('Main library, first floor');
    await tech.getByTestId('create-kiosk').click();
    const code = (await tech.getByTestId('enrolment-code').locator('[data-code]').getAttribute('data-code'))!;
    expect(code).toMatch(/^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$/);

    await kiosk.getByTestId('enrolment-code').fill(code);
    await kiosk.getByTestId('enrol').click();
    await kiosk.getByTestId('attract').waitFor({ timeout: 10_000 });
    expect(await kiosk.getByTestId('kiosk-place').textContent()).toBe('Library kiosk 2 · Main library, first floor');
  });
});

