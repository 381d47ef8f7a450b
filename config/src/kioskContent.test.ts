import { mkdtempSync, cpSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_DIR } from './loadConfig';
import { KioskContentError, checkCatalogues, loadKioskContent } from './kioskContent';

/** A copy of the shipped content to break one thing in. */
function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-content-'));
  cpSync(join(CONFIG_DIR, 'messages'), join(dir, 'messages'), { recursive: true });
  cpSync(join(CONFIG_DIR, 'flows'), join(dir, 'flows'), { recursive: true });
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const edit = (file: string, change: (json: any) => void): void => {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  change(json);
  writeFileSync(file, JSON.stringify(json));
};
const problemsOf = (dir: string): string[] => {
  try {
    loadKioskContent(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(KioskContentError);
    return [...(err as KioskContentError).problems];
  }
  throw new Error('the content was accepted');
};

describe('the shipped kiosk content', () => {
  it('loads: every language has every key, every flow is well formed', () => {
    const c = loadKioskContent();
    expect(c.languages.map((l) => l.code)).toEqual(expect.arrayContaining(['nb', 'nn', 'da', 'en', 'ar', 'ur', 'pl', 'so', 'uk']));
    expect(c.languages.filter((l) => l.dir === 'rtl').map((l) => l.code).sort()).toEqual(['ar', 'ur']);
    expect(c.flows.map((f) => f.id)).toEqual(
      expect.arrayContaining(['new-in-town', 'kindergarten', 'parking-permit', 'street-problem', 'tourist-info', 'case-status', 'eid-help', 'talk', 'leave-inquiry']),
    );
    expect(c.flows.find((f) => f.id === 'tourist-info')?.anonymous).toBe(true);
  });
});

describe('a malformed flow is refused, naming the flow, the step and the field', () => {
  it('a field of the wrong kind', () => {
    const dir = copy();
    edit(join(dir, 'flows', 'parking-permit.json'), (f) => (f.steps.find((s: any) => s.id === 'plate').input = 'licence'));
    expect(problemsOf(dir)).toContainEqual(expect.stringMatching(/^flow parking-permit: step plate, field input: .*\(a field step\)/));
  });
  it('an unknown step type and an unknown field', () => {
    const dir = copy();
    edit(join(dir, 'flows', 'kindergarten.json'), (f) => {
      f.steps.find((s: any) => s.id === 'intro').type = 'video';
      f.steps.find((s: any) => s.id === 'care').colour = 'red';
    });
    const p = problemsOf(dir);
    expect(p).toContainEqual(expect.stringMatching(/^flow kindergarten: step intro, field type: "video" is not a step type/));
    expect(p).toContainEqual(expect.stringMatching(/^flow kindergarten: step care, field colour: /));
  });
  it('a next that points nowhere, an unreachable step, a step with no way to an end', () => {
    const dir = copy();
    edit(join(dir, 'flows', 'street-problem.json'), (f) => {
      f.steps.find((s: any) => s.id === 'where').next = 'nowhere';
      f.steps.push({ id: 'orphan', type: 'info', title: 'flow.street-problem.title', next: 'orphan' });
    });
    const p = problemsOf(dir);
    expect(p).toContain('flow street-problem: step where, field next: no step nowhere');
    expect(p).toContain('flow street-problem: step orphan: not reachable from the start');
    expect(p).toContain('flow street-problem: step orphan: no way on to an end from here');
  });
  it('a message key no catalogue has', () => {
    const dir = copy();
    edit(join(dir, 'flows', 'eid-help.json'), (f) => (f.steps[0].title = 'flow.eid-help.nope'));
    expect(problemsOf(dir)).toContain('flow eid-help: step what, field title: no message flow.eid-help.nope in the en catalogue');
  });
  it('an anonymous flow that would keep something personal', () => {
    const dir = copy();
    edit(join(dir, 'flows', 'tourist-info.json'), (f) => {
      f.steps.find((s: any) => s.id === 'what').options[0].next = 'phone';
      f.steps.push({ id: 'phone', type: 'field', title: 'flow.tourist-info.title', answer: 'phone', input: 'phone', required: true, next: 'transport' });
    });
    expect(problemsOf(dir)).toContain('flow tourist-info: step phone: an anonymous flow asks nothing personal (phone)');
  });
  it('a flow file the order does not list, and an order entry without a file', () => {
    const dir = copy();
    edit(join(dir, 'flows', 'order.json'), (o) => {
      o.splice(o.indexOf('talk'), 1);
      o.push('ghost');
    });
    const p = problemsOf(dir);
    expect(p).toContain('flows/talk.json: not in flows/order.json (it would never show)');
    expect(p).toContain('flows/order.json: no flow file ghost.json');
  });
});

describe('catalogues', () => {
  it('a missing key, an extra key, a malformed message and different arguments are each named', () => {
    const problems = checkCatalogues({
      en: { 'ui.a': 'A', 'ui.b': '{n, plural, one {# item} other {# items}}', 'ui.c': 'Hello {name}' },
      pl: { 'ui.b': '{n, plural, one {# rzecz}', 'ui.c': 'Cześć {imie}', 'ui.d': 'extra' },
    });
    expect(problems).toContain('messages pl: missing key ui.a');
    expect(problems).toContain('messages pl, key ui.d: not in the en catalogue');
    expect(problems).toContainEqual(expect.stringMatching(/^messages pl, key ui.b: not valid ICU MessageFormat/));
    expect(problems).toContain('messages pl, key ui.c: uses {imie}, the en text uses {name}');
  });
  it('a plural without its other clause is malformed', () => {
    expect(checkCatalogues({ en: { 'ui.a': '{n, plural, one {#}}' } })).toContainEqual(expect.stringMatching(/ui.a: not valid ICU/));
  });
  it('a shipped catalogue with a key missing stops the loader, naming the language and the key', () => {
    const dir = copy();
    edit(join(dir, 'messages', 'ur.json'), (m) => delete m['ui.talkToPerson']);
    expect(problemsOf(dir)).toContain('messages ur: missing key ui.talkToPerson');
  });
});
