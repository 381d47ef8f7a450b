import type { FastifyInstance } from 'fastify';
import { EnrolKioskRequest, EnrolKioskResponse, Kiosk, KioskList, kioskId, type Kiosk as KioskT } from '@citizen/protocol';
import { Type } from '@sinclair/typebox';
import { BoothError } from '../errors';
import { hashSecret, newSecret } from '../auth/secrets';
import { StoreConflictError, type KioskRecord, type Store } from '../store/Store';

export function publicKiosk(k: KioskRecord): KioskT {
  return {
    id: k.id,
    name: k.name,
    location: k.location,
    languages: k.languages,
    enrolledAt: k.enrolledAt.toISOString(),
    lastSeenAt: k.lastSeenAt?.toISOString() ?? null,
  };
}

/** Enrols a kiosk and returns its one-time credential. Shared by the route and the demo seed. */
export async function enrolKiosk(store: Store, req: EnrolKioskRequest, credential = newSecret()): Promise<{ kiosk: KioskRecord; credential: string }> {
  const kiosk: KioskRecord = {
    id: kioskId(req.id),
    name: req.name,
    location: req.location,
    languages: req.languages,
    credentialHash: hashSecret(credential),
    enrolledAt: new Date(),
    lastSeenAt: null,
  };
  await store.createKiosk(kiosk);
  return { kiosk, credential };
}

export async function kioskRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get(
    '/api/kiosks',
    {
      config: { auth: { roles: ['technician', 'supervisor'] } },
      schema: { tags: ['kiosks'], summary: 'List enrolled kiosks', response: { 200: KioskList } },
    },
    async () => ({ kiosks: (await store.listKiosks()).map(publicKiosk) }),
  );

  app.post<{ Body: EnrolKioskRequest }>(
    '/api/kiosks',
    {
      config: { auth: { roles: ['technician'] } },
      schema: {
        tags: ['kiosks'],
        summary: 'Enrol a kiosk; the credential in the answer is shown only once',
        body: EnrolKioskRequest,
        response: { 201: EnrolKioskResponse },
      },
    },
    async (request, reply) => {
      try {
        const { kiosk, credential } = await enrolKiosk(store, request.body);
        request.log.info({ kioskId: kiosk.id }, 'kiosk enrolled');
        return reply.code(201).send({ kiosk: publicKiosk(kiosk), credential });
      } catch (err) {
        if (err instanceof StoreConflictError) throw new BoothError('KIOSK_EXISTS', `kiosk ${request.body.id} is already enrolled`);
        throw err;
      }
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
