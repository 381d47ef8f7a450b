import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECEIPT_LANGUAGES, Role, isValidReference, newReference, userId, type ReceiptLanguage } from '@citizen/protocol';
import { createTestApp, kioskAuthHeader, type TestApp } from '../testing';
import { hashPassword } from '../auth/secrets';
import type { InquiryRecord, UserRecord } from '../store/Store';
import { STATUS_WORDING } from './statusWording';

const DAY = 86_400_000;
const LOOKUPS_PER_MINUTE = 5;
/** Personal data put into the fixture: none of it may ever reach a public answer. */
const SECRETS = ['ZZSECRET-NAME Olena Kovalenko', 'ZZSECRET-CPR-010190-1234', 'ZZSECRET-CARD-6011', 'ZZSECRET-NOTE'];
const ANSWERS = { fullName: SECRETS[0]!, cpr: SECRETS[1]!, card: SECRETS[2]! };

let t: TestApp;
type Who = 'anonymous' | 'kiosk' | 'tech' | 'anna' | 'omar' | 'sara' | 'admin';
const headers = new Map<Who, Record<string, string>>();
const users = new Map<string, UserRecord>();
/** Whether the Role union has an administrator yet (the auth work adds it). */
const HAS_ADMIN = Role.anyOf.some((r) => r.const === ('admin' as string));
const WHO: readonly Who[] = ['anonymous', 'kiosk', 'tech', 'anna', 'omar', 'sara', ...(HAS_ADMIN ? (['admin'] as const) : [])];

// Each public lookup comes from its own address unless a test is about the limit.
let addressCounter = 0;
const freshAddress = (): string => `10.20.${Math.floor(addressCounter / 250)}.${(addressCounter++ % 250) + 1}`;

const ids = { annas: 'c-annas', omars: 'c-omars', assigned: 'c-assigned', nobody: 'c-nobody', flow: 'c-flow', missing: 'c-does-not-exist' } as const;
const refs = new Map<string, string>();

async function signInAs(username: string, password: string): Promise<Record<string, string>> {
  const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in of ${username} failed: ${res.statusCode} ${res.body}`);
  // Session and CSRF secret cookies, and the CSRF token where the server issues one.
  const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const token = (res.json() as { csrfToken?: unknown }).csrfToken;
  return { cookie, ...(typeof token === 'string' ? { 'x-csrf-token': token } : {}) };
}

async function create(over: Partial<InquiryRecord> & { id: string }): Promise<void> {
  const reference = over.reference ?? newReference(randomBytes);
  refs.set(over.id, reference);
  await t.store.createInquiry({ kioskId: 'k-demo-central-1', language: 'da', topic: null, answers: ANSWERS, status: 'ended', createdAt: new Date(), ...over, reference });
}

const user = (name: string): UserRecord => {
  const u = users.get(name);
  if (!u) throw new Error(`no user ${name}`);
  return u;
};
const asSupervisor = () => ({ actor: { kind: 'staff' as const, userId: user('sara').id }, at: new Date(), scope: { kind: 'all' as const } });

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 51000;
    c.sfu.rtcMaxPort = 51099;
    c.inquiries.statusLookupsPerMinute = LOOKUPS_PER_MINUTE;
  });
  for (const name of ['anna', 'omar', 'sara', 'tech']) {
    const u = await t.store.findUserByUsername(name);
    if (!u) throw new Error(`demo user ${name} missing`);
    users.set(name, u);
  }
  if (HAS_ADMIN) {
    const admin: UserRecord = {
      id: userId('u-0000000000adad01'),
      username: 'inquiry-admin',
      displayName: 'Inquiry Admin',
      role: Role.anyOf.map((r) => r.const).find((r) => r === ('admin' as string))!,
      skills: { languages: {}, topics: {} },
      passwordHash: await hashPassword('admin-test-password'),
    };
    await t.store.createUser(admin);
    users.set('admin', admin);
  }
  headers.set('anonymous', {});
  headers.set('kiosk', { authorization: kioskAuthHeader(t.credentialFile) });
  headers.set('tech', await signInAs('tech', 'demo-tech'));
  headers.set('anna', await signInAs('anna', 'demo-agent'));
  headers.set('omar', await signInAs('omar', 'demo-agent'));
  headers.set('sara', await signInAs('sara', 'demo-supervisor'));
  if (HAS_ADMIN) headers.set('admin', await signInAs('inquiry-admin', 'admin-test-password'));

  const now = Date.now();
  await create({ id: ids.annas, agentId: user('anna').id, language: 'uk', topic: 'passport', promisedBy: new Date(now + 5 * DAY) });
  await create({ id: ids.omars, agentId: user('omar').id, language: 'ar', topic: 'housing-benefit' });
  await create({ id: ids.assigned, agentId: user('omar').id, language: 'de', topic: 'moving-address' });
  await create({ id: ids.nobody, status: 'abandoned', language: 'ti' });
  await create({ id: ids.flow, agentId: user('anna').id, topic: 'passport' });
  await t.store.updateInquiryCase(ids.annas, { nextStep: 'bring-id', caseStatus: 'waiting-for-resident' }, asSupervisor());
  await t.store.updateInquiryCase(ids.assigned, { assigneeId: user('anna').id }, asSupervisor());
  for (const id of [ids.annas, ids.omars, ids.assigned, ids.nobody]) await t.store.addInquiryNote(id, `${SECRETS[3]} resident sounded worried`, asSupervisor());
  // Achieved times for passport: five cases resolved within the last 90 days after 1, 2, 3, 4 and 10 days.
  for (const [i, days] of [1, 2, 3, 4, 10].entries()) {
    const created = new Date(now - 40 * DAY + i * DAY);
    await create({ id: `c-history-${i}`, topic: 'passport', createdAt: created });
    await t.store.updateInquiryCase(`c-history-${i}`, { caseStatus: 'resolved' }, { ...asSupervisor(), at: new Date(created.getTime() + days * DAY) });
  }
});
afterAll(async () => {
  await t?.app.close();
});

const lookup = (url: string, extra: Record<string, string> = {}, remoteAddress = freshAddress()) => t.app.inject({ method: 'GET', url, headers: extra, remoteAddress });
const ref = (id: string): string => {
  const r = refs.get(id);
  if (!r) throw new Error(`no reference for ${id}`);
  return r;
};
/** A reference with its last (check) character changed: the shape of one mistyped character. */
function mistype(reference: string): string {
  const last = reference.at(-1)!;
  const other = [...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'].find((c) => c !== last && !isValidReference(reference.slice(0, -1) + c))!;
  return reference.slice(0, -1) + other;
}

describe('public status lookup (JSON)', () => {
  it('answers the case status, next step, promised date and achieved times, in the inquiry’s language', async () => {
    const res = await lookup(`/api/status/${ref(ids.annas)}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      reference: ref(ids.annas),
      language: 'uk',
      caseStatus: 'waiting-for-resident',
      caseStatusText: STATUS_WORDING.uk.caseStatus['waiting-for-resident'],
      nextStep: 'bring-id',
      nextStepText: STATUS_WORDING.uk.steps['bring-id'],
      receivedAt: expect.any(String),
      place: 'Central Station, main hall',
      promisedBy: expect.any(String),
      resolvedAt: null,
      // Sorted 1, 2, 3, 4, 10 days: median 3, p90 4 + 0.6 × 6 = 7.6.
      achieved: { medianDays: 3, p90Days: 7.6, resolvedCount: 5, windowDays: 90 },
    });
  });

  it('answers in ?lang= instead, and says nothing achieved for a topic with too few resolved cases', async () => {
    const res = await lookup(`/api/status/${ref(ids.omars)}?lang=de`);
    expect(res.json()).toMatchObject({ language: 'de', caseStatus: 'received', caseStatusText: 'Eingegangen', nextStep: null, nextStepText: null, achieved: null });
    expect((await lookup(`/api/status/${ref(ids.omars)}?lang=xx`)).statusCode).toBe(400);
  });

  it('falls back for an inquiry in a language without wording (Accept-Language, then the site’s fallback)', async () => {
    expect((await lookup(`/api/status/${ref(ids.nobody)}`)).json().language).toBe('da');
    expect((await lookup(`/api/status/${ref(ids.nobody)}`, { 'accept-language': 'pl-PL,pl;q=0.9' })).json().language).toBe('pl');
  });

  it('reads a reference as people type it: lower case, spaces, no hyphens', async () => {
    const typed = ref(ids.omars).toLowerCase().replace(/-/g, ' ');
    const res = await lookup(`/api/status/${encodeURIComponent(typed)}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().reference).toBe(ref(ids.omars));
  });

  it('tells a mistyped reference from an unknown one and from something that is no reference at all', async () => {
    const mistyped = await lookup(`/api/status/${mistype(ref(ids.annas))}`);
    expect(mistyped.statusCode).toBe(400);
    expect(mistyped.json()).toMatchObject({ code: 'REFERENCE_MISTYPED', message: expect.stringMatching(/mistyped/) });
    expect(mistyped.json().fix).toMatch(/check/i);

    const unknown = await lookup(`/api/status/${newReference(() => new Uint8Array(7).fill(31))}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'REFERENCE_UNKNOWN' });
    expect(unknown.json().message).not.toEqual(mistyped.json().message);

    const malformed = await lookup('/api/status/hello');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'REFERENCE_MALFORMED' });
  });

  it('still finds an inquiry whose reference is from before check characters (migration 3)', async () => {
    let legacy = 'BS-AB12-CD34';
    for (let i = 0; isValidReference(legacy); i++) legacy = `BS-AB12-CD3${i}`;
    await create({ id: 'c-legacy', reference: legacy });
    const res = await lookup(`/api/status/${legacy.toLowerCase()}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().reference).toBe(legacy);
  });

  it('serves the kiosk’s follow-up flow the same answer, to kiosks only', async () => {
    const url = `/api/kiosk/status/${ref(ids.annas)}?lang=en`;
    const asKiosk = await t.app.inject({ method: 'GET', url, headers: headers.get('kiosk') });
    expect(asKiosk.statusCode).toBe(200);
    expect(asKiosk.json()).toMatchObject({ reference: ref(ids.annas), language: 'en', caseStatusText: 'Waiting for you' });
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url, headers: headers.get('sara') })).statusCode).toBe(403);
    const unknown = await t.app.inject({ method: 'GET', url: `/api/kiosk/status/${mistype(ref(ids.annas))}`, headers: headers.get('kiosk') });
    expect(unknown.json().code).toBe('REFERENCE_MISTYPED');
  });
});

describe('public status page (HTML)', () => {
  it('shows the status in the inquiry’s language, readable on a phone, with CSS from its own route under a strict CSP', async () => {
    const res = await lookup(`/status/${ref(ids.annas)}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const html = res.body;
    expect(html).toContain('<html lang="uk" dir="ltr">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<link rel="stylesheet" href="/status/style.css">');
    expect(html).toContain(STATUS_WORDING.uk.caseStatus['waiting-for-resident']);
    expect(html).toContain(STATUS_WORDING.uk.steps['bring-id']);
    expect(html).toContain(STATUS_WORDING.uk.promisedBy);
    // The median, worded by the locale.
    expect(html).toContain(new Intl.NumberFormat('uk-UA', { style: 'unit', unit: 'day', unitDisplay: 'long', maximumFractionDigits: 1 }).format(3));
    expect(html).not.toMatch(/<style|style=|<script/i);

    const css = await t.app.inject({ method: 'GET', url: '/status/style.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('font-size');
  });

  it('switches language with ?lang=, right to left for Arabic', async () => {
    const ar = (await lookup(`/status/${ref(ids.annas)}?lang=ar`)).body;
    expect(ar).toContain('<html lang="ar" dir="rtl">');
    expect(ar).toContain(STATUS_WORDING.ar.caseStatus['waiting-for-resident']);
    const omars = (await lookup(`/status/${ref(ids.omars)}`)).body;
    expect(omars).toContain('dir="rtl"');
    expect(omars).toContain(STATUS_WORDING.ar.achievedUnknown);
    const de = (await lookup(`/status/${ref(ids.omars)}?lang=de`)).body;
    expect(de).toContain('<html lang="de" dir="ltr">');
    expect(de).toContain('Eingegangen');
    // An unknown language on a page is ignored rather than refused.
    expect((await lookup(`/status/${ref(ids.omars)}?lang=xx`)).body).toContain('<html lang="ar" dir="rtl">');
  });

  it('right to left for Urdu too; Norwegian (bokmål and nynorsk) and Somali left to right', async () => {
    const ur = (await lookup(`/status/${ref(ids.annas)}?lang=ur`)).body;
    expect(ur).toContain('<html lang="ur" dir="rtl">');
    expect(ur).toContain(STATUS_WORDING.ur.caseStatus['waiting-for-resident']);
    expect(ur).toContain(`<bdi dir="ltr">${ref(ids.annas)}</bdi>`);
    const urForm = (await lookup('/status?lang=ur')).body;
    expect(urForm).toContain('<html lang="ur" dir="rtl">');
    expect(urForm).toContain(STATUS_WORDING.ur.lookupLabel);
    for (const [lang, waiting] of [['nb', 'Venter på deg'], ['nn', 'Ventar på deg'], ['so', 'Adiga ayaa la sugayaa']] as const) {
      const html = (await lookup(`/status/${ref(ids.annas)}?lang=${lang}`)).body;
      expect(html, lang).toContain(`<html lang="${lang}" dir="ltr">`);
      expect(html, lang).toContain(waiting);
    }
    // Every receipt language is offered in the language links, each named in itself.
    for (const lang of RECEIPT_LANGUAGES) expect(ur).toContain(`lang="${lang}">${STATUS_WORDING[lang].languageName}<`);
  });

  it('words every receipt language right to left exactly when the kiosk does (ar and ur)', () => {
    expect(RECEIPT_LANGUAGES.filter((l) => STATUS_WORDING[l].dir === 'rtl')).toEqual(['ar', 'ur']);
  });

  it('answers mistyped, unknown and malformed references with the lookup form and a different message each', async () => {
    const mistyped = await lookup(`/status/${mistype(ref(ids.annas))}?lang=en`);
    expect(mistyped.statusCode).toBe(400);
    expect(mistyped.body).toContain(STATUS_WORDING.en.errors.mistyped);
    expect(mistyped.body).toContain('<form');
    expect(mistyped.headers['content-security-policy']).toContain("default-src 'none'");
    const unknown = await lookup(`/status/${newReference(() => new Uint8Array(7).fill(31))}?lang=en`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain(STATUS_WORDING.en.errors.unknown);
    expect(unknown.body).not.toContain(STATUS_WORDING.en.errors.mistyped);
    const malformed = await lookup('/status/%3Cscript%3Ealert(1)%3C%2Fscript%3E?lang=en');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.body).toContain(STATUS_WORDING.en.errors.malformed);
    // What the visitor typed comes back escaped.
    expect(malformed.body).not.toContain('<script>');
    expect(malformed.body).toContain('&lt;script&gt;');
  });

  it('offers a lookup form that sends a typed reference on to its page', async () => {
    const form = await lookup('/status?lang=pl');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('<form method="get" action="/status">');
    expect(form.body).toContain(STATUS_WORDING.pl.lookupLabel);
    const go = await lookup(`/status?reference=${encodeURIComponent(` ${ref(ids.omars).toLowerCase()} `)}&lang=en`);
    expect(go.statusCode).toBe(303);
    expect(go.headers.location).toBe(`/status/${ref(ids.omars)}?lang=en`);
    const bad = await lookup('/status?reference=hello&lang=en');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain(STATUS_WORDING.en.errors.malformed);
    expect(bad.body).toContain('value="hello"');
  });

  it('never shows personal data: no answers, notes, names, agents or card data, in any language', async () => {
    const people = [...users.values()].flatMap((u) => [u.id, u.displayName]);
    for (const id of [ids.annas, ids.omars, ids.assigned, ids.nobody]) {
      for (const lang of RECEIPT_LANGUAGES) {
        for (const url of [`/status/${ref(id)}?lang=${lang}`, `/api/status/${ref(id)}?lang=${lang}`]) {
          const res = await lookup(url);
          expect(res.statusCode).toBe(200);
          for (const secret of [...SECRETS, ...people]) expect(res.body, `${url} shows ${secret}`).not.toContain(secret);
        }
      }
    }
    // The fixture does hold them: staff see them.
    const staff = await t.app.inject({ method: 'GET', url: `/api/inquiries/${ids.annas}`, headers: headers.get('sara') });
    for (const secret of SECRETS) expect(staff.body).toContain(secret);
  });
});

describe('status lookup rate limit', () => {
  it('limits lookups per client address, JSON and HTML together, mistyped and unknown ones included', async () => {
    const address = '10.99.0.1';
    const urls = [`/api/status/${ref(ids.annas)}`, `/status/${ref(ids.annas)}`, `/api/status/${mistype(ref(ids.annas))}`, `/status/${ref(ids.omars)}`, '/api/status/BS-0000-0000'];
    expect(urls).toHaveLength(LOOKUPS_PER_MINUTE);
    for (const url of urls) expect((await lookup(url, {}, address)).statusCode).not.toBe(429);
    const json = await lookup(`/api/status/${ref(ids.annas)}`, {}, address);
    expect(json.statusCode).toBe(429);
    expect(json.json()).toMatchObject({ code: 'STATUS_LOOKUPS_THROTTLED' });
    expect(Number(json.headers['retry-after'])).toBeGreaterThan(0);
    const html = await lookup(`/status/${ref(ids.annas)}?lang=en`, {}, address);
    expect(html.statusCode).toBe(429);
    expect(html.body).toContain(STATUS_WORDING.en.errors.throttled);
    // Another address is not affected, nor are kiosks.
    expect((await lookup(`/api/status/${ref(ids.annas)}`, {}, '10.99.0.2')).statusCode).toBe(200);
    const kiosk = await t.app.inject({ method: 'GET', url: `/api/kiosk/status/${ref(ids.annas)}`, headers: headers.get('kiosk'), remoteAddress: address });
    expect(kiosk.statusCode).toBe(200);
  });
});

describe('staff case routes: authorization sweep', () => {
  const existing: readonly string[] = [ids.annas, ids.omars, ids.assigned, ids.nobody, 'c-history-0'];
  /** What each caller may see: a status for everyone it does not let in, else the ids it sees. */
  function expected(who: Who, id: string): number {
    if (who === 'anonymous') return 401;
    if (who === 'kiosk' || who === 'tech' || who === 'admin') return 403;
    if (who === 'sara') return existing.includes(id) ? 200 : 404;
    const mine: readonly string[] = who === 'anna' ? [ids.annas, ids.assigned] : [ids.omars, ids.assigned];
    return mine.includes(id) ? 200 : 404;
  }

  it('reads, changes and annotates a case only where the caller may, and hides the rest as not found', async () => {
    const notFoundBodies = new Set<string>();
    for (const who of WHO) {
      for (const id of [...existing, ids.missing]) {
        const h = headers.get(who) ?? {};
        const want = expected(who, id);
        const read = await t.app.inject({ method: 'GET', url: `/api/inquiries/${id}`, headers: h });
        const change = await t.app.inject({ method: 'PATCH', url: `/api/inquiries/${id}`, headers: h, payload: { outcomeCode: null } });
        const note = await t.app.inject({ method: 'POST', url: `/api/inquiries/${id}/notes`, headers: h, payload: { text: `${SECRETS[3]} sweep note by ${who}` } });
        const label = `${who} on ${id}`;
        expect(read.statusCode, `GET ${label}`).toBe(want);
        expect(change.statusCode, `PATCH ${label}`).toBe(want);
        expect(note.statusCode, `POST note ${label}`).toBe(want === 200 ? 201 : want);
        if (want === 200) expect(read.json().inquiry.id).toBe(id);
        if (want === 404) {
          for (const r of [read, change, note]) {
            expect(r.json().code).toBe('NOT_FOUND');
            notFoundBodies.add(r.json().message.replace(id, '<id>'));
          }
        }
      }
    }
    // Someone else's case and a case that does not exist answer alike.
    expect([...notFoundBodies]).toEqual(['no inquiry <id>']);
  });

  it('lists for each caller exactly the cases it may see', async () => {
    const all = (await t.store.listInquiryCases({ kind: 'all' }, { limit: 100, offset: 0 })).items.map((c) => c.id).sort();
    for (const who of WHO) {
      const res = await t.app.inject({ method: 'GET', url: '/api/inquiries?limit=100', headers: headers.get(who) ?? {} });
      if (who === 'anonymous') expect(res.statusCode).toBe(401);
      else if (who === 'kiosk' || who === 'tech' || who === 'admin') expect(res.statusCode).toBe(403);
      else {
        expect(res.statusCode, who).toBe(200);
        const seen = (res.json().items as { id: string }[]).map((c) => c.id).sort();
        const want = who === 'sara' ? all : all.filter((id) => expected(who, id) === 200 || (who === 'anna' && id === ids.flow));
        expect(seen, who).toEqual(want);
        expect(res.json().total).toBe(want.length);
        // No answers in lists.
        expect(res.body).not.toContain(SECRETS[0]);
      }
    }
  });

  it('lets only supervisors assign, whichever case is named, and only to agents and supervisors', async () => {
    for (const who of ['anna', 'omar'] as const) {
      for (const id of [...existing, ids.missing]) {
        const res = await t.app.inject({ method: 'PATCH', url: `/api/inquiries/${id}`, headers: headers.get(who), payload: { assigneeId: user(who).id } });
        expect(res.statusCode, `${who} assigns ${id}`).toBe(403);
        expect(res.json().code).toBe('FORBIDDEN');
      }
    }
    const sara = headers.get('sara');
    const assign = (assigneeId: string | null, id: string = ids.nobody) => t.app.inject({ method: 'PATCH', url: `/api/inquiries/${id}`, headers: sara, payload: { assigneeId } });
    expect((await assign(user('tech').id)).json()).toMatchObject({ statusCode: 400, code: 'ASSIGNEE_UNKNOWN' });
    expect((await assign('u-0123456789abcdef')).json().code).toBe('ASSIGNEE_UNKNOWN');
    expect((await assign('not-a-user')).json().code).toBe('ASSIGNEE_UNKNOWN');
    expect((await assign(user('omar').id, ids.missing)).statusCode).toBe(404);

    const done = await assign(user('omar').id);
    expect(done.statusCode).toBe(200);
    expect(done.json().inquiry.assigneeId).toBe(user('omar').id);
    expect(done.json().history.at(-1)).toMatchObject({ kind: 'assigned', from: null, to: user('omar').id, actor: { kind: 'staff', userId: user('sara').id } });
    // Now omar sees it; "mine" for omar and for sara.
    expect((await t.app.inject({ method: 'GET', url: `/api/inquiries/${ids.nobody}`, headers: headers.get('omar') })).statusCode).toBe(200);
    const mine = await t.app.inject({ method: 'GET', url: '/api/inquiries?mine=true&limit=100', headers: headers.get('sara') });
    expect(mine.json().items).toEqual([]);
    const unassigned = await assign(null);
    expect(unassigned.json().inquiry.assigneeId).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: `/api/inquiries/${ids.nobody}`, headers: headers.get('omar') })).statusCode).toBe(404);
  });
});

describe('staff case routes', () => {
  it('moves a case through its statuses with outcome and next step, and the status page follows', async () => {
    const h = headers.get('anna');
    const patch = (payload: Record<string, unknown>) => t.app.inject({ method: 'PATCH', url: `/api/inquiries/${ids.flow}`, headers: h, payload });
    const started = await patch({ caseStatus: 'in-progress', nextStep: 'answer-digital-post' });
    expect(started.statusCode).toBe(200);
    expect(started.json().inquiry).toMatchObject({ caseStatus: 'in-progress', nextStep: 'answer-digital-post', resolvedAt: null, contactStatus: 'ended' });

    const resolved = await patch({ caseStatus: 'resolved', outcomeCode: 'answered' });
    expect(resolved.json().inquiry).toMatchObject({ caseStatus: 'resolved', outcomeCode: 'answered', resolvedAt: expect.any(String) });
    const history = resolved.json().history as { kind: string; actor: unknown }[];
    expect(history.map((e) => e.kind)).toEqual(['created', 'status-changed', 'outcome', 'status-changed', 'outcome']);
    expect(history.at(-1)).toMatchObject({ kind: 'outcome', outcomeCode: 'answered', nextStep: 'answer-digital-post', actor: { kind: 'staff', userId: user('anna').id } });

    const page = await lookup(`/api/status/${ref(ids.flow)}?lang=en`);
    expect(page.json()).toMatchObject({ caseStatus: 'resolved', caseStatusText: 'Resolved', nextStepText: 'You will get the answer in Digital Post.', resolvedAt: expect.any(String) });

    // null clears (and is not read as an empty string).
    const cleared = await patch({ outcomeCode: null, nextStep: null });
    expect(cleared.json().inquiry).toMatchObject({ outcomeCode: null, nextStep: null, caseStatus: 'resolved' });
    expect(cleared.json().history.at(-1)).toMatchObject({ kind: 'outcome', outcomeCode: null, nextStep: null });
  });

  it('refuses an outcome code that is not configured, an unknown next step, an empty change and unknown fields', async () => {
    const h = headers.get('sara');
    const patch = (payload: Record<string, unknown>) => t.app.inject({ method: 'PATCH', url: `/api/inquiries/${ids.flow}`, headers: h, payload });
    const unknownCode = await patch({ outcomeCode: 'made-up' });
    expect(unknownCode.statusCode).toBe(400);
    expect(unknownCode.json()).toMatchObject({ code: 'OUTCOME_CODE_UNKNOWN', fix: expect.stringContaining('inquiries.outcomeCodes') });
    expect((await patch({ nextStep: 'fly-to-the-moon' })).json().code).toBe('BAD_REQUEST');
    expect((await patch({})).statusCode).toBe(400);
    expect((await patch({ caseStatus: 'resolved', status: 'ended' })).statusCode).toBe(400);
  });

  it('adds staff notes to the history, refusing empty ones', async () => {
    const h = headers.get('anna');
    const added = await t.app.inject({ method: 'POST', url: `/api/inquiries/${ids.annas}/notes`, headers: h, payload: { text: '  Resident will bring the lease on Monday.  ' } });
    expect(added.statusCode).toBe(201);
    expect(added.json().note).toMatchObject({ kind: 'note', text: 'Resident will bring the lease on Monday.', actor: { kind: 'staff', userId: user('anna').id } });
    const detail = await t.app.inject({ method: 'GET', url: `/api/inquiries/${ids.annas}`, headers: h });
    expect(detail.json().history.at(-1)).toEqual(added.json().note);
    expect(detail.json().inquiry.answers).toEqual(ANSWERS);
    for (const text of ['', '   ', 'x'.repeat(2001)]) {
      const res = await t.app.inject({ method: 'POST', url: `/api/inquiries/${ids.annas}/notes`, headers: h, payload: { text } });
      expect(res.statusCode, JSON.stringify(text.slice(0, 5))).toBe(400);
    }
  });

  it('lists the configured outcome codes with their labels, in order, for agents and supervisors', async () => {
    for (const who of ['anna', 'sara'] as const) {
      const res = await t.app.inject({ method: 'GET', url: '/api/inquiries/outcome-codes', headers: headers.get(who) });
      expect(res.statusCode, who).toBe(200);
      expect(res.json()).toEqual({ outcomeCodes: t.config.inquiries.outcomeCodes.map(({ code, label }) => ({ code, label })) });
    }
    expect(t.config.inquiries.outcomeCodes.map((o) => o.code)).toContain('answered');
  });

  it('filters and pages the list', async () => {
    const h = headers.get('sara');
    const get = async (qs: string) => (await t.app.inject({ method: 'GET', url: `/api/inquiries?${qs}`, headers: h })).json();
    const resolved = await get('caseStatus=resolved&limit=100');
    expect((resolved.items as { caseStatus: string }[]).every((c) => c.caseStatus === 'resolved')).toBe(true);
    expect(resolved.total).toBe(6);
    const passport = await get('topic=passport&limit=2&offset=1');
    expect(passport).toMatchObject({ total: 7, limit: 2, offset: 1 });
    expect(passport.items).toHaveLength(2);
    expect((await get('limit=101')).code).toBe('BAD_REQUEST');
    expect((await get('caseStatus=lost')).code).toBe('BAD_REQUEST');
  });
});
