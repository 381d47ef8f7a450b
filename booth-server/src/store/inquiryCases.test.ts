import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { kioskId, userId } from '@citizen/protocol';
import { SqliteStore } from './SqliteStore';
import { MIGRATIONS } from './migrations';
import type { InquiryRecord } from './Store';

const stores: SqliteStore[] = [];
const dirs: string[] = [];
const open = (file = ':memory:'): SqliteStore => {
  const s = new SqliteStore(file);
  stores.push(s);
  return s;
};
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'store-cases-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const DAY = 86_400_000;
const anna = { id: userId('u-00000000000000a1'), username: 'anna', displayName: 'Anna', role: 'agent' as const, skills: { languages: {}, topics: {} }, passwordHash: 'x' };
const omar = { ...anna, id: userId('u-00000000000000a2'), username: 'omar', displayName: 'Omar' };
const sara = { ...anna, id: userId('u-00000000000000b1'), username: 'sara', displayName: 'Sara', role: 'supervisor' as const };
const kiosk = {
  id: kioskId('k-test-1'),
  name: 'Test',
  location: 'Central library, ground floor',
  languages: ['da'],
  credentialHash: 'h',
  publicKey: null,
  revokedAt: null,
  enrolledAt: new Date('2026-01-01T00:00:00Z'),
  lastSeenAt: null,
};
const t0 = new Date('2026-03-02T09:00:00Z');

async function withPeople(): Promise<SqliteStore> {
  const s = open();
  await s.createKiosk(kiosk);
  for (const u of [anna, omar, sara]) await s.createUser(u);
  return s;
}

let n = 0;
function inquiry(over: Partial<InquiryRecord> = {}): InquiryRecord {
  n++;
  return {
    id: `c${n}`,
    reference: `BS-0000-${String(n).padStart(4, '0')}`,
    kioskId: kiosk.id,
    language: 'da',
    topic: 'passport',
    answers: {},
    status: 'queued',
    createdAt: t0,
    ...over,
  };
}

describe('migration 5: inquiries as cases', () => {
  it('keeps a version-4 database’s inquiries as received cases with their place and a created event', async () => {
    const file = join(tempDir(), 'booth.sqlite');
    const v4 = new SqliteStore(file, MIGRATIONS.filter((m) => m.version <= 4));
    expect(await v4.schemaVersion()).toBe(4);
    await v4.close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO kiosks (id, name, location, languages, credential_hash, enrolled_at) VALUES ('k-old-1', 'Old', 'Town hall, east entrance', '[\"da\"]', 'h', 0)").run();
    raw.prepare("INSERT INTO users (id, username, display_name, role, password_hash) VALUES ('u-00000000000000aa', 'old', 'Old Agent', 'agent', 'x')").run();
    const insert = raw.prepare(
      'INSERT INTO inquiries (id, reference, kiosk_id, language, topic, answers, status, agent_id, end_reason, created_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run('c-old-1', 'BS-AB12-CD34', 'k-old-1', 'uk', 'passport', '{"postcode":"8000"}', 'ended', 'u-00000000000000aa', 'hangup-agent', t0.getTime(), t0.getTime() + 600_000);
    insert.run('c-old-2', 'BS-EF56-0789', 'k-old-1', 'da', null, '{}', 'abandoned', null, 'left-queue', t0.getTime() + 1000, t0.getTime() + 2000);
    raw.close();

    const s = open(file);
    expect(await s.schemaVersion()).toBeGreaterThanOrEqual(5);
    const found = await s.findInquiryCase('c-old-1', { kind: 'all' });
    expect(found?.inquiry).toMatchObject({
      reference: 'BS-AB12-CD34',
      status: 'ended',
      agentId: 'u-00000000000000aa',
      endReason: 'hangup-agent',
      answers: { postcode: '8000' },
      caseStatus: 'received',
      outcomeCode: null,
      nextStep: null,
      place: 'Town hall, east entrance',
      promisedBy: null,
      resolvedAt: null,
      assigneeId: null,
    });
    expect(found?.events).toEqual([{ id: expect.any(Number), inquiryId: 'c-old-1', at: t0, actor: { kind: 'kiosk' }, kind: 'created', place: 'Town hall, east entrance' }]);
    // The contact status is untouched, and the old row API still reads both rows.
    expect(await s.findInquiry('c-old-2')).toMatchObject({ status: 'abandoned', endReason: 'left-queue' });
    expect((await s.findInquiryCaseByReference('BS-EF56-0789'))?.caseStatus).toBe('received');
    expect((await s.listInquiryCases({ kind: 'all' }, { limit: 10, offset: 0 })).total).toBe(2);
  });
});

describe('SqliteStore: inquiry cases', () => {
  it('stamps place (the kiosk’s location unless given) and promisedBy at creation, with a created event by the kiosk', async () => {
    const s = await withPeople();
    const promised = new Date(t0.getTime() + 10 * DAY);
    await s.createInquiry(inquiry({ id: 'a', promisedBy: promised }));
    await s.createInquiry(inquiry({ id: 'b', place: 'Pop-up booth, harbour festival' }));
    const a = await s.findInquiryCase('a', { kind: 'all' });
    expect(a?.inquiry).toMatchObject({ place: kiosk.location, promisedBy: promised, caseStatus: 'received' });
    expect(a?.events.map((e) => [e.kind, e.actor])).toEqual([['created', { kind: 'kiosk' }]]);
    expect((await s.findInquiryCase('b', { kind: 'all' }))?.inquiry.place).toBe('Pop-up booth, harbour festival');
  });

  it('records contact-started and contact-ended from the call layer’s writes, once each', async () => {
    const s = await withPeople();
    await s.createInquiry(inquiry({ id: 'c' }));
    await s.updateInquiry('c', { status: 'in-call', agentId: anna.id });
    const ended = new Date(t0.getTime() + 600_000);
    await s.updateInquiry('c', { status: 'ended', endReason: 'hangup-agent', endedAt: ended });
    // A retried end write must not add a second end.
    await s.updateInquiry('c', { status: 'ended', endReason: 'hangup-agent', endedAt: ended });
    const events = (await s.findInquiryCase('c', { kind: 'all' }))?.events ?? [];
    expect(events.map((e) => e.kind)).toEqual(['created', 'contact-started', 'contact-ended']);
    expect(events[1]).toMatchObject({ actor: { kind: 'staff', userId: anna.id }, agentId: anna.id });
    expect(events[2]).toMatchObject({ actor: { kind: 'system' }, at: ended, contactStatus: 'ended', endReason: 'hangup-agent' });
  });

  it('closes open inquiries at start-up with a contact-ended event each', async () => {
    const s = await withPeople();
    await s.createInquiry(inquiry({ id: 'q' }));
    await s.createInquiry(inquiry({ id: 'i', status: 'in-call', agentId: anna.id }));
    await s.createInquiry(inquiry({ id: 'done', status: 'ended', endReason: 'hangup-agent', endedAt: t0 }));
    expect(await s.closeOpenInquiries(t0, 'interrupted')).toBe(2);
    const last = async (id: string) => (await s.findInquiryCase(id, { kind: 'all' }))?.events.at(-1);
    expect(await last('q')).toMatchObject({ kind: 'contact-ended', contactStatus: 'abandoned', endReason: 'interrupted', actor: { kind: 'system' } });
    expect(await last('i')).toMatchObject({ kind: 'contact-ended', contactStatus: 'ended', endReason: 'interrupted' });
    expect(await last('done')).toMatchObject({ kind: 'created' });
  });

  it('updates case fields with one event per real change, in the same transaction; resolving stamps resolvedAt, reopening clears it', async () => {
    const s = await withPeople();
    await s.createInquiry(inquiry({ id: 'u' }));
    const by = (at: Date) => ({ actor: { kind: 'staff' as const, userId: sara.id }, at, scope: { kind: 'all' as const } });
    const t1 = new Date(t0.getTime() + DAY);
    const r1 = await s.updateInquiryCase('u', { caseStatus: 'in-progress', outcomeCode: 'forwarded', nextStep: 'bring-id', assigneeId: anna.id }, by(t1));
    expect(r1?.inquiry).toMatchObject({ caseStatus: 'in-progress', outcomeCode: 'forwarded', nextStep: 'bring-id', assigneeId: anna.id, resolvedAt: null });
    expect(r1?.events.slice(1)).toEqual([
      { id: expect.any(Number), inquiryId: 'u', at: t1, actor: { kind: 'staff', userId: sara.id }, kind: 'status-changed', from: 'received', to: 'in-progress' },
      { id: expect.any(Number), inquiryId: 'u', at: t1, actor: { kind: 'staff', userId: sara.id }, kind: 'outcome', outcomeCode: 'forwarded', nextStep: 'bring-id' },
      { id: expect.any(Number), inquiryId: 'u', at: t1, actor: { kind: 'staff', userId: sara.id }, kind: 'assigned', from: null, to: anna.id },
    ]);

    // The same values again change nothing and record nothing.
    const same = await s.updateInquiryCase('u', { caseStatus: 'in-progress', outcomeCode: 'forwarded', assigneeId: anna.id }, by(t1));
    expect(same?.events).toHaveLength(4);

    const t2 = new Date(t0.getTime() + 3 * DAY);
    expect((await s.updateInquiryCase('u', { caseStatus: 'resolved' }, by(t2)))?.inquiry.resolvedAt).toEqual(t2);
    const reopened = await s.updateInquiryCase('u', { caseStatus: 'waiting-for-resident', nextStep: null }, by(new Date(t2.getTime() + DAY)));
    expect(reopened?.inquiry).toMatchObject({ caseStatus: 'waiting-for-resident', resolvedAt: null, nextStep: null, outcomeCode: 'forwarded' });
    expect(reopened?.events.slice(-2).map((e) => e.kind)).toEqual(['status-changed', 'outcome']);
    expect(await s.updateInquiryCase('nope', { caseStatus: 'resolved' }, by(t2))).toBeUndefined();
  });

  it('leaves a case outside the author’s scope alone and reports it as not found', async () => {
    const s = await withPeople();
    await s.createInquiry(inquiry({ id: 'mine', agentId: anna.id, status: 'ended' }));
    await s.createInquiry(inquiry({ id: 'theirs', agentId: omar.id, status: 'ended' }));
    const asAnna = { actor: { kind: 'staff' as const, userId: anna.id }, at: t0, scope: { kind: 'handled-or-assigned' as const, userId: anna.id } };
    expect(await s.updateInquiryCase('theirs', { caseStatus: 'resolved' }, asAnna)).toBeUndefined();
    expect(await s.addInquiryNote('theirs', 'hello', asAnna)).toBeUndefined();
    expect(await s.findInquiryCase('theirs', asAnna.scope)).toBeUndefined();
    expect((await s.findInquiryCase('theirs', { kind: 'all' }))?.inquiry.caseStatus).toBe('received');
    expect((await s.findInquiryCase('theirs', { kind: 'all' }))?.events).toHaveLength(1);
    const note = await s.addInquiryNote('mine', 'Called back, left a message', asAnna);
    expect(note).toMatchObject({ kind: 'note', text: 'Called back, left a message', actor: { kind: 'staff', userId: anna.id }, inquiryId: 'mine' });

    // Assigned to anna: now within her scope.
    await s.updateInquiryCase('theirs', { assigneeId: anna.id }, { ...asAnna, scope: { kind: 'all' } });
    expect(await s.findInquiryCase('theirs', asAnna.scope)).toBeDefined();
  });

  it('lists cases newest first with filters, scope and paging', async () => {
    const s = await withPeople();
    for (let i = 0; i < 7; i++) {
      await s.createInquiry(
        inquiry({ id: `l${i}`, createdAt: new Date(t0.getTime() + i * 60_000), topic: i % 2 ? 'passport' : 'housing-benefit', agentId: i < 4 ? anna.id : omar.id, status: 'ended' }),
      );
    }
    const all = { kind: 'all' as const };
    await s.updateInquiryCase('l5', { caseStatus: 'resolved', assigneeId: anna.id }, { actor: { kind: 'staff', userId: sara.id }, at: t0, scope: all });
    const ids = async (...args: Parameters<SqliteStore['listInquiryCases']>) => (await s.listInquiryCases(...args)).items.map((c) => c.id);

    expect(await ids(all, { limit: 3, offset: 0 })).toEqual(['l6', 'l5', 'l4']);
    expect(await ids(all, { limit: 3, offset: 6 })).toEqual(['l0']);
    expect((await s.listInquiryCases(all, { limit: 3, offset: 0 })).total).toBe(7);
    expect(await ids(all, { topic: 'passport', limit: 10, offset: 0 })).toEqual(['l5', 'l3', 'l1']);
    expect(await ids(all, { caseStatus: 'resolved', limit: 10, offset: 0 })).toEqual(['l5']);
    expect(await ids(all, { involving: omar.id, limit: 10, offset: 0 })).toEqual(['l6', 'l5', 'l4']);
    const annas = { kind: 'handled-or-assigned' as const, userId: anna.id };
    expect(await ids(annas, { limit: 10, offset: 0 })).toEqual(['l5', 'l3', 'l2', 'l1', 'l0']);
    const page = await s.listInquiryCases(annas, { topic: 'passport', limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3, items: [{ id: 'l3' }] });
  });

  it('computes achieved response times per topic (median and 90th percentile) over resolved cases in the window only', async () => {
    const s = await withPeople();
    const now = new Date('2026-06-30T12:00:00Z');
    const from = new Date(now.getTime() - 90 * DAY);
    const by = (at: Date) => ({ actor: { kind: 'staff' as const, userId: sara.id }, at, scope: { kind: 'all' as const } });
    // passport: took 1, 2, 3, 4, 10 days, resolved within the window.
    const passportDays = [4, 1, 10, 3, 2];
    for (const [i, days] of passportDays.entries()) {
      const created = new Date(now.getTime() - 30 * DAY - i * DAY);
      await s.createInquiry(inquiry({ id: `p${i}`, createdAt: created }));
      await s.updateInquiryCase(`p${i}`, { caseStatus: 'resolved' }, by(new Date(created.getTime() + days * DAY)));
    }
    // housing-benefit: two in the window (6 and 8 days), one resolved before it (ignored), one still open (ignored).
    const housing = [
      { days: 6, created: new Date(now.getTime() - 20 * DAY) },
      { days: 8, created: new Date(now.getTime() - 40 * DAY) },
      { days: 1, created: new Date(from.getTime() - 5 * DAY) },
    ];
    for (const [i, h] of housing.entries()) {
      await s.createInquiry(inquiry({ id: `h${i}`, topic: 'housing-benefit', createdAt: h.created }));
      await s.updateInquiryCase(`h${i}`, { caseStatus: 'resolved' }, by(new Date(h.created.getTime() + h.days * DAY)));
    }
    await s.createInquiry(inquiry({ id: 'open', topic: 'housing-benefit', createdAt: new Date(now.getTime() - 50 * DAY) }));
    // Resolved, then reopened: no longer counts.
    await s.createInquiry(inquiry({ id: 'reopened', topic: 'housing-benefit', createdAt: new Date(now.getTime() - 10 * DAY) }));
    await s.updateInquiryCase('reopened', { caseStatus: 'resolved' }, by(new Date(now.getTime() - 9 * DAY)));
    await s.updateInquiryCase('reopened', { caseStatus: 'in-progress' }, by(new Date(now.getTime() - 8 * DAY)));

    const stats = await s.inquiryResponseTimes(from, now);
    const byTopic = new Map(stats.map((r) => [r.topic, r]));
    // Sorted passport: 1, 2, 3, 4, 10 days. Median 3; p90 at rank 3.6: 4 + 0.6 * (10 − 4) = 7.6 days.
    expect(byTopic.get('passport')).toEqual({ topic: 'passport', resolvedCount: 5, medianMs: 3 * DAY, p90Ms: 7.6 * DAY });
    // 6 and 8 days: median 7; p90 at rank 0.9: 6 + 0.9 * 2 = 7.8 days.
    const h = byTopic.get('housing-benefit');
    expect(h?.resolvedCount).toBe(2);
    expect(h?.medianMs).toBe(7 * DAY);
    expect(h?.p90Ms).toBeCloseTo(7.8 * DAY, 0);
    expect(byTopic.size).toBe(2);
    // Nothing resolved in an empty window.
    expect(await s.inquiryResponseTimes(now, new Date(now.getTime() + DAY))).toEqual([]);
  });
});
