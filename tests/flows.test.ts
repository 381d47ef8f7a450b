/**
 * The guided flows in Chromium: every shipped flow walked from the attract
 * screen in Danish and in Arabic (right to left), with axe-core's WCAG 2.2 AA
 * rules on every screen reached (no violations); the answers handed to the
 * agent with the call; the idle warning and the wipe, after which no personal
 * data is left in the page or its storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import type { FlowDefinition, FlowStep } from '@citizen/protocol';
import { loadKioskContent } from '@citizen/config/kioskContent';
import { launchBrowser } from './support/browser';
import { hardwareControl, startDemo, type Demo } from './support/demo';
import { openConsole, startSession } from './support/pages';

let demo: Demo;
let browser: Browser;
const { flows } = loadKioskContent();

beforeAll(async () => {
  demo = await startDemo(48400);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.dispose();
});

const control = (path: string, body?: unknown): Promise<unknown> => hardwareControl(demo, path, body);

async function freshKiosk(init?: (p: Page) => Promise<unknown>): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await init?.(page);
  await page.goto(`${demo.kioskUrl}?debug`);
  await page.getByTestId('attract').locator('[data-lang]').first().waitFor();
  return page;
}

/** axe-core with the WCAG 2.0-2.2 A and AA rules; what it finds, by rule and element. */
async function axe(page: Page, where: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  return r.violations.map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The resident's answers for the walk: which option, and what is typed (identity numbers on the on-screen keypad). */
const CHOICES: Record<string, string> = {
  'new-in-town/moved-from': 'nordic',
  'new-in-town/household': 'children',
  'new-in-town/more': 'done',
  'parking-permit/owner': 'company',
  'street-problem/reply': 'yes',
  'eid-help/how': 'print',
  'tourist-info/what': 'transport',
  'talk/about': 'moving',
  'leave-inquiry/about': 'other',
};
const TYPED: Record<string, string> = {
  date: '01.03.2026',
  phone: '+45 20 30 40 50',
  email: 'resident@example.dk',
  plate: 'AB 12345',
  text: 'Vestergade 12',
  'long-text': 'Stort hul ved fodgængerfeltet',
};
const ID = { dk: '0101901234', no: '15038512363' } as const;

interface Walk {
  /** Step ids seen, in order. */
  steps: string[];
  violations: string[];
  reference: string | null;
  /** What was typed that is personal, to look for after the wipe. */
  personal: string[];
}

/** Walks a flow from the home screen to its end (or its hand-over), checking every screen with axe. */
async function walk(kiosk: Page, flow: FlowDefinition, lang: string): Promise<Walk> {
  const w: Walk = { steps: [], violations: [], reference: null, personal: [] };
  await kiosk.getByTestId(`flow-tile-${flow.id}`).click();
  for (let guard = 0; guard < 40; guard++) {
    const screen = kiosk.getByTestId('flow');
    await screen.waitFor();
    const id = (await screen.getAttribute('data-step'))!;
    const step = flow.steps.find((s) => s.id === id)!;
    w.steps.push(id);
    w.violations.push(...(await axe(kiosk, `${lang} ${flow.id}/${id}`)));
    if (await act(kiosk, flow, step, w)) return w;
    // On to the next step (sending an inquiry takes a moment).
    await expect.poll(() => screen.getAttribute('data-step'), { timeout: 15_000 }).not.toBe(id);
  }
  throw new Error(`flow ${flow.id}: no end after 40 steps`);
}

/** Does what a resident would on one step; true when the walk is over. */
async function act(kiosk: Page, flow: FlowDefinition, step: FlowStep, w: Walk): Promise<boolean> {
  const next = kiosk.getByTestId('flow-next');
  switch (step.type) {
    case 'info':
    case 'summary':
      await next.click();
      return false;
    case 'choice': {
      const value = CHOICES[`${flow.id}/${step.id}`] ?? step.options[0]!.value;
      await kiosk.locator(`[data-option="${value}"]`).click();
      return false;
    }
    case 'field': {
      if (step.input === 'national-id') {
        const good = ID[step.country ?? 'dk'];
        if (step.country === 'no') {
          // One digit off: the check digits catch it, and the resident is told so.
          for (const k of good.slice(0, 10) + String((Number(good[10]) + 1) % 10)) await kiosk.locator(`.keypad [data-key="${k}"]`).click();
          await next.click();
          await expect.poll(() => kiosk.getByTestId('field-problem').getAttribute('data-code')).toBe('national-id-checksum');
          w.violations.push(...(await axe(kiosk, `${flow.id}/${step.id} with an error`)));
          await kiosk.getByTestId('field-input').fill('');
        }
        for (const k of good) await kiosk.locator(`.keypad [data-key="${k}"]`).click();
        w.personal.push(good);
      } else {
        const value = TYPED[step.input]!;
        await kiosk.getByTestId('field-input').fill(value);
        if (step.input === 'phone' || step.input === 'email') w.personal.push(value);
      }
      await next.click();
      return false;
    }
    case 'card':
      // The card is read, shown masked, and only used with the resident's tap.
      await control('/card/magstripe', { id: '4111111111111111' });
      await expect.poll(() => kiosk.getByTestId('card-read').textContent(), { timeout: 10_000 }).toMatch(/1111$/);
      await next.click();
      return false;
    case 'print':
      await kiosk.getByTestId('flow-print').click();
      await expect.poll(() => kiosk.getByTestId('flow-print').getAttribute('data-state'), { timeout: 15_000 }).toBe('printed');
      await next.click();
      return false;
    case 'submit':
      await kiosk.getByTestId('flow-consent').check();
      await next.click();
      return false;
    case 'end': {
      const ref = kiosk.getByTestId('reference');
      if (await ref.count()) w.reference = await ref.textContent();
      await kiosk.getByTestId('flow-finish').click();
      await kiosk.getByTestId('attract').waitFor();
      return true;
    }
    case 'leave':
      await kiosk.getByTestId('flow-callback').click();
      await kiosk.getByTestId('phone').waitFor();
      w.violations.push(...(await axe(kiosk, `${flow.id}/${step.id} callback form`)));
      return true;
    case 'status':
      await kiosk.getByTestId('follow-up').waitFor();
      return true;
    case 'talk':
      await kiosk.getByTestId('flow-talk').waitFor();
      return true;
  }
}

describe.each([
  ['da', 'ltr'],
  ['ar', 'rtl'],
])('every flow in %s', (lang, dir) => {
  it('is walked from the attract screen to its end with no accessibility violations on any screen', async () => {
    const kiosk = await freshKiosk();
    const violations = await axe(kiosk, `${lang} attract`);
    const walked: string[] = [];
    for (const flow of flows) {
      if (!(await kiosk.getByTestId('services').isVisible())) {
        if (!(await kiosk.getByTestId('attract').isVisible())) await kiosk.getByTestId('flow-home').click();
        else await startSession(kiosk, lang);
      }
      expect(await kiosk.evaluate(() => document.documentElement.dir)).toBe(dir);
      if (walked.length === 0) violations.push(...(await axe(kiosk, `${lang} home`)));
      const w = await walk(kiosk, flow, lang);
      violations.push(...w.violations);
      walked.push(`${flow.id}: ${w.steps.join(' → ')}`);
      if (flow.steps.some((s) => s.type === 'submit')) expect(w.reference, `${flow.id} gives a reference`).toMatch(/^BS-/);
      // Out of a call-me-back form or the case lookup, back to the services.
      if (await kiosk.getByTestId('form-cancel').isVisible()) await kiosk.getByTestId('form-cancel').click();
      if (await kiosk.getByTestId('follow-up-back').isVisible()) await kiosk.getByTestId('follow-up-back').click();
    }
    expect(walked).toHaveLength(flows.length);
    expect(violations).toEqual([]);
  });
});

describe('a flow handed over to a person', () => {
  it('gives the agent the topic and every answer with the call, so nothing is asked twice', async () => {
    const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
    await agent.getByTestId('available').check();
    const kiosk = await freshKiosk();
    await startSession(kiosk, 'da');
    const talk = flows.find((f) => f.id === 'talk')!;
    await walk(kiosk, talk, 'da');
    await kiosk.getByTestId('flow-talk').click();
    await agent.getByTestId('offer').waitFor({ timeout: 15_000 });
    const answers = agent.getByTestId('offer').getByTestId('answers');
    await expect.poll(() => answers.textContent()).toContain('Moving and address');
    expect(await answers.textContent()).toContain('Talk to a person');
    await agent.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => kiosk.evaluate(() => (window as unknown as { __kiosk: { step(): string } }).__kiosk.step()), { timeout: 15_000 }).toBe('in-call');
    await kiosk.getByRole('button', { name: 'Afslut samtale' }).click();
    await kiosk.getByTestId('call-ended').waitFor();
  });
});

describe('privacy', () => {
  it('wipes the session after a submitted flow: no personal data in the page or its storage', async () => {
    const kiosk = await freshKiosk();
    await startSession(kiosk, 'da');
    const w = await walk(kiosk, flows.find((f) => f.id === 'kindergarten')!, 'da');
    expect(w.reference).toMatch(/^BS-/);
    expect(w.personal.length).toBeGreaterThan(0);
    const html = await kiosk.content();
    for (const p of [...w.personal, w.reference!]) expect(html).not.toContain(p);
    expect(await kiosk.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
  });

  it('warns after inactivity, gives more time on request, then wipes and returns to the attract screen', async () => {
    const kiosk = await freshKiosk((p) => p.clock.install());
    await startSession(kiosk, 'da');
    await kiosk.getByTestId('flow-tile-street-problem').click();
    await kiosk.locator('[data-option="pothole"]').click();
    await kiosk.getByTestId('field-input').fill('Skolegade 4');
    await kiosk.clock.runFor(91_000);
    await kiosk.getByTestId('still-there').waitFor();
    expect(await axe(kiosk, 'idle warning')).toEqual([]);
    await kiosk.getByTestId('still-there-continue').click();
    expect(await kiosk.getByTestId('still-there').count()).toBe(0);
    expect(await kiosk.getByTestId('field-input').inputValue()).toBe('Skolegade 4');
    await kiosk.clock.runFor(111_000);
    await kiosk.getByTestId('attract').waitFor();
    expect(await kiosk.content()).not.toContain('Skolegade 4');
    expect(await kiosk.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
  });

  it('offers larger text, high contrast, a lower layout and read aloud on every screen, still without violations', async () => {
    const kiosk = await freshKiosk((p) =>
      p.addInitScript(() => {
        // Records what would be spoken (no audio device in the test browser).
        const said: { text: string; lang: string }[] = [];
        (window as unknown as { __said: typeof said }).__said = said;
        speechSynthesis.speak = (u: SpeechSynthesisUtterance) => void said.push({ text: u.text, lang: u.lang });
      }),
    );
    await startSession(kiosk, 'ar');
    await kiosk.getByTestId('flow-tile-kindergarten').click();
    for (const id of ['a11y-text', 'a11y-contrast', 'a11y-reach']) {
      await kiosk.getByTestId(id).click();
      expect(await kiosk.getByTestId(id).getAttribute('aria-pressed')).toBe('true');
    }
    expect(await kiosk.locator('main').getAttribute('class')).toBe('kiosk large-text high-contrast low-reach');
    expect(await axe(kiosk, 'ar, all display aids on')).toEqual([]);
    await kiosk.getByTestId('a11y-read').click();
    const said = await kiosk.evaluate(() => (window as unknown as { __said: { text: string; lang: string }[] }).__said);
    expect(said.at(-1)?.lang).toBe('ar');
    expect(said.at(-1)?.text).toContain(await kiosk.getByTestId('step-title').textContent());
    // The aids are the resident's: the next session starts without them.
    await kiosk.evaluate(() => (window as unknown as { __kiosk: { endSession(): Promise<void> } }).__kiosk.endSession());
    await startSession(kiosk, 'da');
    expect(await kiosk.locator('main').getAttribute('class')).toBe('kiosk');
  });

  it('keeps a flow’s progress when the language changes mid-way', async () => {
    const kiosk = await freshKiosk();
    await startSession(kiosk, 'da');
    await kiosk.getByTestId('flow-tile-street-problem').click();
    await kiosk.locator('[data-option="light"]').click();
    await kiosk.getByTestId('field-input').fill('Ved kirken');
    await kiosk.getByTestId('language-switch').click();
    await kiosk.locator('.language-panel [data-lang="uk"]').click();
    expect(await kiosk.getByTestId('flow').getAttribute('data-step')).toBe('where');
    expect(await kiosk.evaluate(() => document.documentElement.lang)).toBe('uk');
    await kiosk.getByTestId('flow-back').click();
    expect(await kiosk.locator('[data-option="light"]').getAttribute('aria-pressed')).toBe('true');
  });
});
