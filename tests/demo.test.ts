/**
 * The newcomer's path: `npm start`'s orchestrator brings up virtual hardware,
 * booth-server and the kiosk shell; a real Chromium loads the kiosk UI and the
 * agent console from it; Ctrl-C leaves no process behind.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { startDemo, type Demo } from './support/demo';

let demo: Demo;
let browser: Browser;

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
  });

  it('is ready: store up and the SFU worker alive', async () => {
    const res = await fetch(`${demo.serverUrl}/ready`);
    expect(await res.json()).toEqual({ status: 'ready', checks: { store: true, sfu: { workers: 1, alive: 1 } } });
  });

  it('shows the kiosk UI with its enrolled identity and reachable virtual devices', async () => {
    const page = await browser.newPage();
    await page.goto(demo.kioskUrl);
    await expect.poll(() => page.getByTestId('kiosk-place').textContent()).toBe('Borgerservice Mini · Central Station, main hall');
    // The printer reports "starting" until its first status answer, then "ready".
    await expect.poll(() => page.getByTestId('device-printer').textContent(), { timeout: 10_000 }).toBe('Kvitteringsprinter: klar');
    await expect.poll(() => page.getByTestId('device-card-reader').textContent(), { timeout: 10_000 }).toBe('Kortlæser: klar');
    expect(await page.locator('h1').textContent()).toBe('Velkommen til Borgerservice');
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('h1').textContent()).toBe('Welcome to Citizen Service');
    await page.close();
  });

  it('signs an agent into the console, refusing a wrong password first', async () => {
    const page = await browser.newPage();
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
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await page.close();
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
