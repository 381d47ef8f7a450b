/** Page helpers for call tests: sign in to the console, read call stats through the ?debug hooks. */
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';

export interface Stats {
  framesDecoded: number;
  audioPacketsReceived: number;
  videoPacketsReceived: number;
  iceRestarts: number;
  mediaResets: number;
}

export async function openConsole(browser: Browser, serverUrl: string, username: string, password: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${serverUrl}/console/?debug`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Playwright's own wait, not vitest's: benches use these helpers too.
  await page.locator('[data-testid="desk-connection"][data-state="open"]').waitFor({ timeout: 10_000 });
  return page;
}

/** The console signed in as the demo technician, on the fleet view with its live socket open. */
export async function openFleet(browser: Browser, serverUrl: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${serverUrl}/console/`);
  await page.getByLabel('Username').fill('tech');
  await page.getByLabel('Password').fill('demo-tech');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('fleet-connection').textContent(), { timeout: 10_000 }).toBe('live');
  return page;
}

export async function openKiosk(browser: Browser, kioskUrl: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${kioskUrl}?debug`);
  await page.getByTestId('kiosk-place').waitFor({ timeout: 10_000 });
  await startSession(page);
  return page;
}

/** From the attract screen to the services, in a language (by its code). */
export async function startSession(kiosk: Page, lang = 'da'): Promise<void> {
  await kiosk.getByTestId('attract').locator(`[data-lang="${lang}"]`).click();
  await kiosk.getByTestId('services').waitFor();
}

/** "Talk to a person" from the home screen, starting a session first if the kiosk is on its attract screen. */
export async function tapTalk(kiosk: Page): Promise<void> {
  const talk = kiosk.locator('button.talk');
  await kiosk.getByTestId('attract').or(talk).first().waitFor();
  if (await kiosk.getByTestId('attract').isVisible()) await startSession(kiosk);
  await talk.click();
}

export const kioskStats = (page: Page): Promise<Stats | null> =>
  page.evaluate(() => (window as unknown as { __kiosk: { stats(): Promise<Stats> | null } }).__kiosk.stats());

export const deskStats = (page: Page): Promise<Stats | null> =>
  page.evaluate(() => {
    const desk = (window as unknown as { __desk: { active: { value: { view: { media: { stats(): Promise<Stats> } } } | null } } }).__desk;
    return desk.active.value ? desk.active.value.view.media.stats() : null;
  });

/** Waits until video frames are being decoded and audio packets arrive, and keep arriving. */
export async function expectMediaFlowing(read: () => Promise<Stats | null>, label: string, timeout = 20_000): Promise<Stats> {
  let first: Stats | null = null;
  await expect
    .poll(
      async () => {
        const s = await read();
        if (!s) return `${label}: no call`;
        if (!first || s.framesDecoded < first.framesDecoded) first = s;
        return s.framesDecoded > first.framesDecoded + 10 && s.audioPacketsReceived > first.audioPacketsReceived + 10 ? 'flowing' : `${label}: ${JSON.stringify(s)}`;
      },
      { timeout, interval: 500 },
    )
    .toBe('flowing');
  return (await read())!;
}
