/**
 * The kiosk UI with its devices, in Chromium against the demo: a card
 * presented at the virtual reader shows up masked; after a call the resident
 * gets the inquiry's reference on screen and on a receipt from the virtual
 * printer; with the paper out the print fails fast and the reference is
 * offered as a QR code instead; ending the session forgets the card.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REFERENCE_PATTERN } from '@citizen/protocol';
import { launchBrowser } from './support/browser';
import { hardwareControl, startDemo, type Demo } from './support/demo';
import { openConsole, openKiosk, startSession, tapTalk } from './support/pages';

let demo: Demo;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  demo = await startDemo(45600);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});
// Each test opens its own pages and leaves the devices as it found them, so each runs alone and in any order.
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  await control('/printer', { paperOut: false });
});

/** An available agent and a fresh kiosk page. */
async function deskAndKiosk(): Promise<{ kiosk: Page; agent: Page }> {
  const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
  contexts.push(agent.context());
  await agent.getByTestId('available').check();
  const kiosk = await openKiosk(browser, demo.kioskUrl);
  contexts.push(kiosk.context());
  return { kiosk, agent };
}

const control = (path: string, body?: unknown): Promise<unknown> => hardwareControl(demo, path, body);
const lastReceipt = async (): Promise<{ txt: string } | null> =>
  ((await (await fetch(`${demo.hardwareUrl}/`)).json()) as { printer: { lastReceipt: { txt: string } | null } }).printer.lastReceipt;

/** A call from the kiosk, accepted and hung up by the resident; `withCard`: a card was presented, and is not shared. */
async function callAndHangUp({ kiosk, agent }: { kiosk: Page; agent: Page }, withCard = false): Promise<string> {
  await tapTalk(kiosk);
  if (withCard) await kiosk.getByTestId('keep-card').click();
  await agent.getByTestId('offer').waitFor();
  await agent.getByRole('button', { name: 'Accept' }).click();
  await kiosk.getByRole('button', { name: 'Afslut samtale' }).click();
  const reference = (await kiosk.getByTestId('reference').textContent()) ?? '';
  expect(reference).toMatch(new RegExp(REFERENCE_PATTERN));
  return reference;
}

describe('kiosk with card reader and receipt printer', () => {
  it('shows a presented card masked, never in clear', async () => {
    const { kiosk } = await deskAndKiosk();
    await control('/card/magstripe', { id: '4111111111111111' });
    await expect.poll(() => kiosk.getByTestId('card-read').textContent(), { timeout: 10_000 }).toMatch(/1111$/);
    const shown = (await kiosk.getByTestId('card-read').textContent()) ?? '';
    expect(shown).not.toContain('4111111111111111');
    expect(await kiosk.content()).not.toContain('411111111111');
  });

  it('asks before sharing a presented card with the agent, who then sees it masked with the offer', async () => {
    const { kiosk, agent } = await deskAndKiosk();
    await control('/card/magstripe', { id: '5500000000000004' });
    await expect.poll(() => kiosk.getByTestId('card-read').isVisible(), { timeout: 10_000 }).toBe(true);
    await tapTalk(kiosk);
    await kiosk.getByTestId('share-card').click();
    await expect.poll(() => agent.getByTestId('offer-card').textContent(), { timeout: 10_000 }).toMatch(/magstripe .*0004$/);
    expect(await agent.content()).not.toContain('5500000000000004');
    await agent.getByRole('button', { name: 'Accept' }).click();
    await kiosk.getByRole('button', { name: 'Afslut samtale' }).click();
  });

  it('gives the reference after a call and prints it on a receipt with its status QR', async () => {
    const pages = await deskAndKiosk();
    const { kiosk } = pages;
    const reference = await callAndHangUp(pages);
    // The promised answer date (the municipality's service standard) shows next to the reference, and prints with it.
    await expect.poll(() => kiosk.getByTestId('promise').textContent(), { timeout: 10_000 }).toMatch(/^Du får svar senest \d+\. \S+ \d{4}/);
    await kiosk.getByRole('button', { name: 'Udskriv kvittering' }).click();
    await expect.poll(() => kiosk.getByTestId('printed').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(async () => (await lastReceipt())?.txt ?? '', { timeout: 15_000 }).not.toBe('');
    const text = readFileSync((await lastReceipt())!.txt, 'utf8');
    expect(text).toContain(reference);
    expect(text).toMatch(/Svar senest: +\d+\. \S+ \d{4}/);
    expect(text).toMatch(new RegExp(`\\[QR [^\\]]*/${reference}\\]`));
  });

  it('fails fast with the paper out and offers the reference as a QR code on screen', async () => {
    const pages = await deskAndKiosk();
    const { kiosk } = pages;
    await control('/printer', { paperOut: true });
    await expect.poll(() => kiosk.getByTestId('device-printer').textContent(), { timeout: 10_000 }).toContain('mangler papir');
    const reference = await callAndHangUp(pages);
    await kiosk.getByRole('button', { name: 'Udskriv kvittering' }).click();
    await expect.poll(() => kiosk.getByTestId('print-failed').getAttribute('data-code'), { timeout: 5000 }).toBe('PRINTER_PAPER_OUT');
    const qr = kiosk.getByTestId('status-qr');
    expect(await qr.getAttribute('data-url')).toContain(reference);
    await expect.poll(() => qr.locator('svg').count()).toBe(1);
  });

  it('forgets the card when the resident’s session ends', async () => {
    const pages = await deskAndKiosk();
    const { kiosk } = pages;
    await control('/card/magstripe', { id: '5500000000000004' });
    await expect.poll(() => kiosk.getByTestId('card-read').textContent(), { timeout: 10_000 }).toMatch(/0004$/);
    await callAndHangUp(pages, true);
    await kiosk.getByRole('button', { name: /Tilbage til start/ }).click();
    await expect.poll(() => kiosk.getByTestId('attract').isVisible()).toBe(true);
    expect(await kiosk.getByTestId('card-read').count()).toBe(0);
  });
});

describe('the agent’s tools during a call', () => {
  async function inCall(): Promise<{ kiosk: Page; agent: Page }> {
    const pages = await deskAndKiosk();
    await tapTalk(pages.kiosk);
    await pages.agent.getByTestId('offer').waitFor();
    await pages.agent.getByRole('button', { name: 'Accept' }).click();
    await pages.agent.getByTestId('tools').waitFor();
    return pages;
  }

  it('shows an address on the kiosk for the resident to confirm, and prints a list of what to bring at the kiosk printer', async () => {
    const { kiosk, agent } = await inCall();
    await agent.getByTestId('show-title').fill('Din nye adresse');
    await agent.getByTestId('show-body').fill('Er adressen rigtig?');
    await agent.getByTestId('show-confirm').check();
    await agent.getByTestId('field-label').fill('Adresse');
    await agent.getByTestId('field-value').fill('Vesterbrogade 1, 1620 København V');
    await agent.getByTestId('show-send').click();
    await expect.poll(() => kiosk.getByTestId('shown').textContent(), { timeout: 10_000 }).toContain('Vesterbrogade 1, 1620 København V');
    await kiosk.getByTestId('confirm-yes').click();
    await expect.poll(() => agent.locator('[data-testid="pushes"] li').getAttribute('data-answer'), { timeout: 10_000 }).toBe('confirmed');
    expect(await kiosk.getByTestId('shown').count()).toBe(0);

    await agent.getByTestId('tool-print').click();
    await agent.getByTestId('print-title').fill('Det skal du medbringe');
    await agent.getByTestId('print-text').fill('Gammelt pas\nNyt pasfoto');
    await agent.getByTestId('print-send').click();
    await expect.poll(() => agent.locator('[data-testid="prints"] li').getAttribute('data-state'), { timeout: 15_000 }).toBe('printed');
    expect(await kiosk.getByTestId('agent-print').getAttribute('data-state')).toBe('printed');
    const text = readFileSync((await lastReceipt())!.txt, 'utf8');
    expect(text).toContain('Det skal du medbringe');
    expect(text).toContain('Nyt pasfoto');
    expect(text).toMatch(/\[QR [^\]]*\/status\/BS-/);
  });

  it('transfers the call to the passport queue with a note: the resident waits again, keeping the reference, and the next agent sees the note', async () => {
    const { kiosk, agent } = await inCall();
    const omar = await openConsole(browser, demo.serverUrl, 'omar', 'demo-agent');
    contexts.push(omar.context());
    await agent.getByTestId('tool-transfer').click();
    await agent.getByTestId('transfer-target').selectOption('queue:passports');
    await agent.getByTestId('transfer-note').fill('Fornyelse af pas, har det gamle med');
    await agent.getByTestId('transfer-send').click();
    await expect.poll(() => kiosk.getByTestId('transferred').isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => agent.getByTestId('tools').count()).toBe(0);
    await omar.getByTestId('available').check();
    await expect.poll(() => omar.getByTestId('offer-transfer').textContent(), { timeout: 10_000 }).toContain('Fornyelse af pas, har det gamle med');
    await omar.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => kiosk.getByText('I samtale med Omar Haddad').isVisible(), { timeout: 10_000 }).toBe(true);
    await kiosk.getByRole('button', { name: 'Afslut samtale' }).click();
    await expect.poll(() => kiosk.getByTestId('reference').textContent()).toMatch(new RegExp(REFERENCE_PATTERN));
  });
});

describe('following up a case at the kiosk', () => {
  it('finds the case by the reference typed on the kiosk keypad, and says so when a character is mistyped', async () => {
    const pages = await deskAndKiosk();
    const { kiosk } = pages;
    const reference = await callAndHangUp(pages);
    await kiosk.getByRole('button', { name: /Tilbage til start/ }).click();
    await startSession(kiosk);
    await kiosk.getByTestId('follow-up-start').click();
    const chars = reference.replace(/^BS-|-/g, '');
    // The last (check) character changed to another valid one: the check catches it.
    const wrong = chars.slice(0, 7) + (chars[7] === '0' ? '1' : '0');
    for (const c of wrong) await kiosk.locator(`.refpad [data-key="${c}"]`).click();
    expect(await kiosk.getByTestId('typed-reference').textContent()).toBe(`BS-${wrong.slice(0, 4)}-${wrong.slice(4)}`);
    await kiosk.getByTestId('look-up').click();
    await expect.poll(() => kiosk.getByTestId('lookup-failed').getAttribute('data-code'), { timeout: 10_000 }).toBe('REFERENCE_MISTYPED');
    await kiosk.locator('.refpad [data-key="del"]').click();
    await kiosk.locator(`.refpad [data-key="${chars[7]}"]`).click();
    await kiosk.getByTestId('look-up').click();
    await expect.poll(() => kiosk.getByTestId('case-status-text').textContent(), { timeout: 10_000 }).toBe('Modtaget');
    expect(await kiosk.getByTestId('case-status').textContent()).toContain('Du får svar senest');
  });
});
