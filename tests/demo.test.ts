/**
 * The newcomer's path: `npm start`'s orchestrator brings up virtual hardware,
 * booth-server and the kiosk shell; a real Chromium loads the kiosk UI and the
 * agent console from it; Ctrl-C leaves no process behind.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { startDemo, type Demo } from './support/demo';

let demo: Demo;
let browser: Browser;

/** Content-Security-Policy refusals the page reports, so a test can assert the UI runs under the policy. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${demo.serverUrl}/console/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  demo = await startDemo(45000);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});

describe('npm start demo', () => {
  it('prints the URLs and the demo logins', () => {
    const out = demo.output();
    expect(out).toContain(`Agent console   ${demo.serverUrl}/console/`);
    expect(out).toContain(demo.kioskUrl);
    expect(out).toMatch(/agent\s+anna\s+\/ demo-agent/);
    expect(out).toMatch(/technician\s+tech\s+\/ demo-tech/);
    expect(out).toMatch(/admin\s+admin\s+\/ demo-admin/);
  });

  it('is ready: store up and the SFU worker alive', async () => {
    const res = await fetch(`${demo.serverUrl}/ready`);
    expect(await res.json()).toEqual({ status: 'ready', checks: { store: true, sfu: { workers: 1, alive: 1 } } });
  });

  it('shows the kiosk UI with its enrolled identity and reachable virtual devices', async () => {
    const page = await browser.newPage();
    const violations = cspViolations(page);
    await page.goto(demo.kioskUrl);
    await expect.poll(() => page.getByTestId('kiosk-place').textContent()).toBe('Borgerservice Mini · Central Station, main hall');
    // The attract screen greets in every language; a tap on one starts.
    await page.getByTestId('attract').getByRole('button', { name: 'Dansk' }).click();
    // The printer reports "starting" until its first status answer, then "ready".
    await expect.poll(() => page.getByTestId('device-printer').textContent(), { timeout: 10_000 }).toBe('Kvitteringsprinter: klar');
    await expect.poll(() => page.getByTestId('device-card-reader').textContent(), { timeout: 10_000 }).toBe('Kortlæser: klar');
    expect(await page.locator('h1').textContent()).toBe('Velkommen til Borgerservice');
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('h1').textContent()).toBe('Welcome to Citizen Service');
    // The kiosk runs under the server's Content-Security-Policy, passed on by the kiosk shell's host.
    expect(violations).toEqual([]);
    await page.close();
  });

  it('signs an agent into the console, refusing a wrong password first', async () => {
    const page = await browser.newPage();
    const violations = cspViolations(page);
    await page.goto(`${demo.serverUrl}/console/`);
    await page.getByLabel('Username').fill('anna');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong username or password.');
    await page.getByLabel('Password').fill('demo-agent');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toBe('Anna Holm (agent)');
    // The session survives a reload (cookie), and signing out ends it.
    await page.reload();
    await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toBe('Anna Holm (agent)');
    // The desk's signalling socket opens under connect-src 'self'.
    await expect.poll(() => page.getByTestId('desk-connection').getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('lets an administrator create an account whose user then turns on two-step sign-in, and disable it', async () => {
    const adminPage = await browser.newPage();
    const violations = cspViolations(adminPage);
    await signIn(adminPage, 'admin', 'demo-admin');
    await expect.poll(() => adminPage.getByTestId('signed-in-as').textContent()).toBe('Ida Madsen (admin)');
    await expect.poll(() => adminPage.getByTestId('user-table').locator('tbody tr').count()).toBe(5);
    const form = adminPage.getByTestId('create-user');
    await form.getByLabel('Username').fill('lina');
    await form.getByLabel('Name', { exact: true }).fill('Lina Berg');
    await form.getByLabel('Languages (code and level 1-3)').fill('da 3, pl 2');
    await form.getByLabel('Initial password').fill('first-password-lina');
    await form.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => adminPage.getByRole('status').textContent()).toBe('Account lina created.');
    expect(await adminPage.locator('tr[data-username="lina"] td').allTextContents()).toEqual(['lina', 'Lina Berg', 'agent', 'da 3, pl 2', '', 'off', 'active', '0', 'Edit']);

    const lina = await (await browser.newContext()).newPage();
    violations.push(...cspViolations(lina));
    await signIn(lina, 'lina', 'first-password-lina');
    await expect.poll(() => lina.getByTestId('signed-in-as').textContent()).toBe('Lina Berg (agent)');
    await lina.getByRole('button', { name: 'Account' }).click();
    await lina.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    // The QR code is a data: image: it loads under img-src 'self' data:.
    const qr = lina.getByTestId('totp-qr');
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const secret = (await lina.getByTestId('totp-secret').textContent()) ?? '';
    await lina.getByLabel('Code from the app').fill(await generate({ secret }));
    await lina.getByRole('button', { name: 'Turn on' }).click();
    await expect.poll(() => lina.getByTestId('totp-state').textContent()).toMatch(/^On/);

    // Two steps now. The code of the step just used works once, so the next step's code is sent (one step of clock drift is allowed).
    await lina.getByRole('button', { name: 'Sign out', exact: true }).click();
    await signIn(lina, 'lina', 'first-password-lina');
    await lina.getByLabel('Code from your authenticator app').fill(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await lina.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => lina.getByTestId('signed-in-as').textContent()).toBe('Lina Berg (agent)');

    // Disabled: the account cannot sign in any more.
    await adminPage.locator('tr[data-username="lina"]').getByRole('button', { name: 'Edit' }).click();
    await adminPage.getByRole('button', { name: 'Disable account' }).click();
    await expect.poll(() => adminPage.locator('tr[data-username="lina"] td').nth(6).textContent()).toBe('disabled');
    await lina.reload();
    await expect.poll(() => lina.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await signIn(lina, 'lina', 'first-password-lina');
    await expect.poll(() => lina.getByRole('alert').textContent()).toBe('Wrong username or password.');
    expect(violations).toEqual([]);
    await lina.context().close();
    await adminPage.close();
  });

  it('shows technicians the enrolled demo kiosk, seen by the kiosk shell', async () => {
    const page = await browser.newPage();
    await page.goto(`${demo.serverUrl}/console/`);
    await page.getByLabel('Username').fill('tech');
    await page.getByLabel('Password').fill('demo-tech');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.getByTestId('kiosk-table').locator('tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    const cells = await row.first().locator('td').allTextContents();
    expect(cells[0]).toBe('k-demo-central-1');
    expect(cells[4]).not.toBe('never');
    await page.close();
  });

  it('stops everything on Ctrl-C: no worker, socat or shell process is left', async () => {
    const devices = [join(demo.dir, 'dev/printer'), join(demo.dir, 'dev/card-reader')];
    expect(devices.every((d) => existsSync(d))).toBe(true);
    expect(demo.leftovers().length).toBeGreaterThanOrEqual(5); // start, hardware, socat x2, server, worker, kiosk
    expect(await demo.interrupt()).toBe(0);
    await expect.poll(() => demo.leftovers(), { timeout: 5000 }).toEqual([]);
    expect(devices.some((d) => existsSync(d))).toBe(false);
    expect(demo.output()).toContain('demo stopped');
  });
});
