import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { EnrolKioskRequest, EnrolKioskResponse, EnrolmentCode, Kiosk, KioskAuditList, KioskAuditQuery, KioskList, KioskRevokeResponse, kioskId, newEnrolmentCode, type Kiosk as KioskT, type KioskId } from '@citizen/protocol';
import { Type } from '@sinclair/typebox';
import { BoothError } from '../errors';
import { hashShortCode } from '../auth/secrets';
import { revokeKioskSockets } from '../auth/access';
import type { Principal } from '../auth/plugin';
import { StoreConflictError, type EnrolmentCodeRecord, type KioskAuditRecord, type KioskRecord, type Store } from '../store/Store';
import type { KioskAuditEntry } from '@citizen/protocol';

export function publicKiosk(k: KioskRecord): KioskT {
  return {
    id: k.id,
    name: k.name,
    location: k.location,
    languages: k.languages,
    enrolledAt: k.enrolledAt.toISOString(),
    lastSeenAt: k.lastSeenAt?.toISOString() ?? null,
    identity: k.revokedAt ? 'revoked' : k.publicKey ? 'enrolled' : 'awaiting-key',
  };
}

/** The hash an enrolment code is kept as: of its canonical form (parseEnrolmentCode's), slow (see hashShortCode). */
export const enrolmentCodeHash = (code: string): Promise<string> => hashShortCode(code, 'enrolment-code');

/**
 * A new one-time enrolment code for the kiosk (voiding its unused ones).
 * Shared by the routes and the demo seed.
 */
export async function issueEnrolmentCode(store: Store, id: KioskId, by: EnrolmentCodeRecord['createdBy'], now: Date, lifetimeMs: number): Promise<EnrolmentCode> {
  const code = newEnrolmentCode((n) => randomBytes(n));
  const expiresAt = new Date(now.getTime() + lifetimeMs);
  await store.createEnrolmentCode({ codeHash: await enrolmentCodeHash(code), kioskId: id, createdAt: now, createdBy: by, expiresAt });
  return { code, expiresAt: expiresAt.toISOString() };
}

/**
 * Creates a kiosk record, without a key until its kiosk redeems the enrolment
 * code that comes with it. Shared by the route and the demo seed.
 */
export async function createKiosk(
  store: Store,
  req: EnrolKioskRequest,
  opts: { by: EnrolmentCodeRecord['createdBy']; now: Date; codeLifetimeMs: number },
): Promise<{ kiosk: KioskRecord; enrolment: EnrolmentCode }> {
  const kiosk: KioskRecord = {
    id: kioskId(req.id),
    name: req.name,
    location: req.location,
    languages: req.languages,
    credentialHash: '',
    publicKey: null,
    revokedAt: null,
    enrolledAt: opts.now,
    lastSeenAt: null,
  };
  await store.createKiosk(kiosk);
  await store.addKioskAudit({ kioskId: kiosk.id, at: opts.now, actor: opts.by, action: 'created', data: { name: kiosk.name, location: kiosk.location } });
  const enrolment = await issueEnrolmentCode(store, kiosk.id, opts.by, opts.now, opts.codeLifetimeMs);
  return { kiosk, enrolment };
}

const KioskParams = Type.Object({ id: Type.String({ pattern: Kiosk.properties.id.pattern }) });

export async function kioskRoutes(app: FastifyInstance, opts: { store: Store; now: () => Date; enrolmentCodeMinutes: number }): Promise<void> {
  const { store, now } = opts;
  if (!(opts.enrolmentCodeMinutes > 0)) throw new TypeError('kioskRoutes: enrolmentCodeMinutes must be > 0');
  const codeLifetimeMs = opts.enrolmentCodeMinutes * 60_000;
  const actor = (principal: Principal | null): EnrolmentCodeRecord['createdBy'] => (principal?.kind === 'user' ? principal.user.id : 'system');

  app.get(
    '/api/kiosks',
    {
      config: { auth: { roles: ['technician', 'supervisor', 'admin'] } },
      schema: { tags: ['kiosks'], summary: 'List kiosks', response: { 200: KioskList } },
    },
    async () => ({ kiosks: (await store.listKiosks()).map(publicKiosk) }),
  );

  app.post<{ Body: EnrolKioskRequest }>(
    '/api/kiosks',
    {
      config: { auth: { roles: ['technician', 'admin'] } },
      schema: {
        tags: ['kiosks'],
        summary: 'Create a kiosk record; the answer carries its one-time enrolment code, shown only once',
        body: EnrolKioskRequest,
        response: { 201: EnrolKioskResponse },
      },
    },
    async (request, reply) => {
      try {
        const { kiosk, enrolment } = await createKiosk(store, request.body, { by: actor(request.principal), now: now(), codeLifetimeMs });
        request.log.info({ kioskId: kiosk.id }, 'kiosk created');
        return reply.code(201).send({ kiosk: publicKiosk(kiosk), enrolment });
      } catch (err) {
        if (err instanceof StoreConflictError) throw new BoothError('KIOSK_EXISTS', `kiosk ${request.body.id} exists already`);
        throw err;
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/kiosks/:id/enrolment-code',
    {
      config: { auth: { roles: ['technician', 'admin'] } },
      schema: {
        tags: ['kiosks'],
        summary: 'A new one-time enrolment code for a kiosk (re-enrolment after a hardware swap); its key is replaced when the code is used',
        params: KioskParams,
        response: { 201: EnrolmentCode },
      },
    },
    async (request, reply) => {
      const id = kioskId(request.params.id);
      if (!(await store.findKiosk(id))) throw new BoothError('KIOSK_NOT_FOUND', `no kiosk ${id}`);
      const enrolment = await issueEnrolmentCode(store, id, actor(request.principal), now(), codeLifetimeMs);
      request.log.info({ kioskId: id }, 'kiosk enrolment code issued');
      return reply.code(201).send(enrolment);
    },
  );

  app.get<{ Params: { id: string }; Querystring: KioskAuditQuery }>(
    '/api/kiosks/:id/audit',
    {
      config: { auth: { roles: ['technician', 'admin'] } },
      schema: {
        tags: ['kiosks'],
        summary: 'A kiosk’s audit log, newest first: who created, enrolled, revoked or configured it, and the remote actions run on it with their results',
        params: KioskParams,
        querystring: KioskAuditQuery,
        response: { 200: KioskAuditList },
      },
    },
    async (request) => {
      const id = kioskId(request.params.id);
      if (!(await store.findKiosk(id))) throw new BoothError('KIOSK_NOT_FOUND', `no kiosk ${id}`);
      const records = await store.listKioskAudit(id, request.query.limit ?? 100);
      return { entries: await auditEntries(store, records) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/kiosks/:id/revoke',
    {
      config: { auth: { roles: ['technician', 'admin'] } },
      schema: {
        tags: ['kiosks'],
        summary: 'Revoke a kiosk: its key, tokens and open socket stop working at once (audited); a new enrolment code brings it back',
        params: KioskParams,
        response: { 200: KioskRevokeResponse },
      },
    },
    async (request) => {
      const id = kioskId(request.params.id);
      if (!(await store.revokeKiosk(id, now(), actor(request.principal)))) throw new BoothError('KIOSK_NOT_FOUND', `no kiosk ${id}`);
      // The store refuses its key from now on; these two drop what was already let in.
      await app.kioskTokens.dropKiosk(id);
      const closedSockets = revokeKioskSockets(app, id);
      request.log.warn({ kioskId: id, closedSockets }, 'kiosk revoked');
      const kiosk = await store.findKiosk(id);
      if (!kiosk) throw new BoothError('KIOSK_NOT_FOUND', `no kiosk ${id}`);
      return { kiosk: publicKiosk(kiosk), closedSockets };
    },
  );

  app.get(
    '/api/kiosk/self',
    {
      config: { auth: 'kiosk' },
      schema: { tags: ['kiosks'], summary: 'The calling kiosk’s own record', response: { 200: Type.Object({ kiosk: Kiosk }) } },
    },
    async (request) => {
      if (request.principal?.kind !== 'kiosk') throw new BoothError('UNAUTHENTICATED', 'not a kiosk');
      return { kiosk: publicKiosk(request.principal.kiosk) };
    },
  );
}

/** Audit records as the console shows them: staff by name (read once per person). */
export async function auditEntries(store: Store, records: readonly KioskAuditRecord[]): Promise<KioskAuditEntry[]> {
  const people = new Map<string, Promise<KioskAuditEntry['actor']>>();
  const actorOf = (actor: KioskAuditRecord['actor']): Promise<KioskAuditEntry['actor']> => {
    if (actor === 'kiosk') return Promise.resolve({ kind: 'kiosk' });
    if (actor === 'system') return Promise.resolve({ kind: 'system' });
    let found = people.get(actor);
    if (!found) {
      found = store.findUserById(actor).then((u): KioskAuditEntry['actor'] => ({ kind: 'user', id: actor, username: u?.username ?? `#${actor}`, displayName: u?.displayName ?? 'deleted account' }));
      people.set(actor, found);
    }
    return found;
  };
  return Promise.all(records.map(async (r) => ({ at: r.at.toISOString(), actor: await actorOf(r.actor), action: r.action, data: r.data })));
}
