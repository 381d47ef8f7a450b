/**
 * In-call text chat end to end, in real Chromium through the real server: a
 * resident on an Arabic kiosk opens "Write instead", types Arabic on the
 * on-screen keyboard and an agent (Omar, who speaks Arabic) answers from the
 * console; each side sees both messages in one order, each laid out in its
 * own direction. The console's unread count while collapsed, the resident's
 * consent reaching the console, the server's flood limit and the length limit
 * in the resident's words, and after the call the transcript in the case's
 * history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { startDemo, type Demo } from './support/demo';
import { openConsole, startSession, tapTalk } from './support/pages';

let demo: Demo;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemo(43600);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});

async function openKioskIn(lang: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${demo.kioskUrl}?debug`);
  await expect.poll(() => page.getByTestId('kiosk-place').isVisible(), { timeout: 10_000 }).toBe(true);
  await startSession(page, lang);
  return page;
}

const texts = (log: Locator): Promise<string[]> => log.locator('[data-testid="chat-message"] p').allTextContents();
const direction = (l: Locator): Promise<string> => l.evaluate((el) => getComputedStyle(el).direction);

describe('in-call chat', () => {
  it('carries messages both ways on the on-screen keyboard, in each text’s direction, with consent, limits and the kept transcript', async () => {
    const agent = await openConsole(browser, demo.serverUrl, 'omar', 'demo-agent');
    await agent.getByTestId('available').check();
    const kiosk = await openKioskIn('ar');
    await tapTalk(kiosk);
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 10_000 }).toBe(true);
    await agent.getByRole('button', { name: 'Accept' }).click();

    // "Write instead" is there from the start, in Arabic; the panel opens on it, consent off.
    const open = kiosk.getByTestId('chat-open');
    await expect.poll(() => open.textContent(), { timeout: 10_000 }).toContain('اكتب بدلًا من ذلك');
    await open.click();
    const panel = kiosk.getByTestId('chat');
    expect(await panel.getByTestId('chat-keep').isChecked()).toBe(false);
    const keys = panel.getByRole('group', { name: 'رسالتك' });
    expect(await keys.getAttribute('dir')).toBe('rtl');
    for (const k of ['م', 'ر', 'ح', 'ب', 'ا']) await keys.locator(`[data-key="${k}"]`).click();
    expect(await panel.getByTestId('chat-input').inputValue()).toBe('مرحبا');
    await panel.getByTestId('chat-send').click();
    const kioskLog = panel.getByTestId('chat-log');
    await expect.poll(() => texts(kioskLog)).toEqual(['مرحبا']);
    expect(await panel.getByTestId('chat-input').inputValue()).toBe('');
    expect(await kioskLog.locator('li').first().getAttribute('class')).toBe('own');

    // The console shows it (right to left), and answers: Enter sends, Shift+Enter is a new line.
    const chat = agent.getByTestId('chat');
    const agentLog = chat.getByTestId('chat-log');
    await expect.poll(() => texts(agentLog)).toEqual(['مرحبا']);
    expect(await direction(agentLog.locator('p').first())).toBe('rtl');
    expect(await chat.getByTestId('chat-kept').getAttribute('data-kept')).toBe('false');
    const input = chat.getByTestId('chat-input');
    await input.fill('Hello, I can help.');
    await input.press('Shift+Enter');
    await input.pressSequentially('What is it about?');
    await input.press('Enter');
    await expect.poll(() => texts(agentLog)).toEqual(['مرحبا', 'Hello, I can help.\nWhat is it about?']);
    expect(await input.inputValue()).toBe('');

    // On the kiosk the answer is on the staff side with the agent's name, laid out left to right in the Arabic page.
    await expect.poll(() => texts(kioskLog)).toEqual(['مرحبا', 'Hello, I can help.\nWhat is it about?']);
    const answer = kioskLog.locator('li').nth(1);
    expect(await answer.getAttribute('class')).toBe('theirs');
    expect(await answer.locator('.who').textContent()).toContain('Omar Haddad');
    expect(await direction(answer.locator('p'))).toBe('ltr');
    expect(await direction(kioskLog.locator('li').first().locator('p'))).toBe('rtl');

    // Collapsed on the console: what the resident writes is counted until it is opened.
    await chat.getByTestId('chat-toggle').click();
    await panel.getByTestId('chat-input').fill('شكرا');
    await panel.getByTestId('chat-send').click();
    await expect.poll(() => chat.getByTestId('chat-unread').textContent()).toBe('1');
    await chat.getByTestId('chat-toggle').click();
    expect(await chat.getByTestId('chat-unread').count()).toBe(0);
    await expect.poll(() => texts(agentLog)).toHaveLength(3);

    // The resident's consent reaches the console.
    await panel.getByTestId('chat-keep').check();
    await expect.poll(() => chat.getByTestId('chat-kept').getAttribute('data-kept')).toBe('true');

    // Too long: the counter goes below zero, the resident is told why, and nothing can be sent.
    await panel.getByTestId('chat-input').fill('ا'.repeat(1001));
    expect(await panel.getByTestId('chat-left').textContent()).toBe('الأحرف المتبقية: -1');
    expect(await panel.getByTestId('chat-problem').getAttribute('data-problem')).toBe('too-long');
    expect(await panel.getByTestId('chat-problem').textContent()).toBe('الرسالة طويلة جدًا. اجعلها أقصر من فضلك.');
    expect(await panel.getByTestId('chat-send').isDisabled()).toBe(true);

    // More than ten messages in ten seconds: the server refuses the next, and the resident reads why in Arabic.
    const kioskInput = panel.getByTestId('chat-input');
    const problem = panel.getByTestId('chat-problem');
    await kioskInput.fill('');
    for (let i = 1; i <= 11 && (await problem.count()) === 0; i++) {
      const before = (await texts(kioskLog)).length;
      await kioskInput.fill(`${i}`);
      await kioskInput.press('Enter');
      await expect.poll(async () => (await texts(kioskLog)).length > before || (await problem.count()) > 0).toBe(true);
    }
    expect(await problem.getAttribute('data-problem')).toBe('rate-limited');
    expect(await problem.textContent()).toBe('أنت تكتب بسرعة. انتظر قليلًا ثم أرسل مرة أخرى.');
    const refused = await kioskInput.inputValue();
    expect(refused).not.toBe('');
    const said = await texts(kioskLog);
    expect(said).not.toContain(refused);
    expect(said.filter((t) => t !== 'Hello, I can help.\nWhat is it about?').length).toBeLessThanOrEqual(10);
    await expect.poll(() => texts(agentLog)).toEqual(said);

    // The agent ends the call: the kiosk's chat is gone, and the case keeps the conversation, as the resident chose.
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await kiosk.getByTestId('chat').count()).toBe(0);
    const wrapUp = agent.getByTestId('wrap-up-case').getByTestId('case-panel');
    await expect
      .poll(() => wrapUp.getByTestId('case-history').locator('li[data-kind="chat-transcript"]').allTextContents(), { timeout: 10_000 })
      .toEqual([expect.stringMatching(new RegExp(`Chat kept at the resident's wish \\(${said.length} messages\\): [^:]+: مرحبا · Omar Haddad: Hello, I can help\\.`))]);
    expect(await agent.getByTestId('chat').count()).toBe(0);
    await kiosk.context().close();
    await agent.context().close();
  });
});
