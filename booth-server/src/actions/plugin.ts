/**
 * Remote actions over REST, for technicians and administrators (agents and
 * supervisors serve residents; they do not run kiosks), and their delivery
 * over the kiosk control channel (./ActionService.ts).
 *
 *   POST /api/kiosks/:id/actions   ask a kiosk to restart, reload, self-test or print a test page (202)
 *   GET  /api/kiosks/:id/actions   the kiosk's recent actions with their state and result
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Kiosk, KioskAction, KioskActionList, KioskActionQuery, KioskActionRequest, kioskId, type Role } from '@citizen/protocol';
import { BoothError } from '../errors';
import type { Store } from '../store/Store';
import { ActionService } from './ActionService';

const ACTION_ROLES: readonly Role[] = ['technician', 'admin'];
const KioskParams = Type.Object({ id: Type.String({ pattern: Kiosk.properties.id.pattern }) });
const EXPIRY_CHECK_MS = 60_000;

export interface ActionsPluginOptions {
  store: Store;
  now: () => Date;
  /** Several nodes: the `actions` duty; the periodic expiry runs only while this node holds it. */
  duty?: { isHeld(): boolean };
}

declare module 'fastify' {
  interface FastifyInstance {
    kioskActions: ActionService;
    /** The periodic expiry check (a site-wide duty): resolves with how many expired, or null when another node holds the duty. */
    kioskActionsExpiry: { run(): Promise<number | null> };
  }
}

async function actionsPlugin(app: FastifyInstance, opts: ActionsPluginOptions): Promise<void> {
  const { store, now } = opts;
  if (!store) throw new TypeError('actions plugin: store is required');
  if (typeof now !== 'function') throw new TypeError('actions plugin: now is required');
  const service = new ActionService({
    store,
    control: app.kioskControl.registry,
    now,
    log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
    onChange: (data) => (app.hasDecorator('fleet') ? app.fleet.notify({ type: 'notification', method: 'kioskAction', data }) : undefined),
  });
  app.decorate('kioskActions', service);
  app.kioskControl.onConnect((kiosk) => service.connected(kiosk));
  app.kioskControl.handle('actionState', (kiosk, m) => service.report(kiosk, m));

  // Each expiry is audited once whoever runs it (the store expires atomically); with several nodes one runs it, not all.
  const expiry = { run: (): Promise<number | null> => (!opts.duty || opts.duty.isHeld() ? service.expireDue() : Promise.resolve(null)) };
  app.decorate('kioskActionsExpiry', expiry);
  const timer = setInterval(() => {
    expiry.run().catch((err: unknown) => app.log.warn({ err }, 'remote action expiry check failed'));
  }, EXPIRY_CHECK_MS);
  timer.unref();
  app.addHook('preClose', async () => clearInterval(timer));

  const tags = ['kiosks'];
  app.post<{ Params: { id: string }; Body: KioskActionRequest }>(
    '/api/kiosks/:id/actions',
    {
      config: { auth: { roles: ACTION_ROLES } },
      schema: {
        tags,
        summary:
          'Ask a kiosk to restart its app, reload its screen, run its self-test or print a test page (audited). It waits while a resident uses the kiosk unless force is set: then the resident is told, and their session ends, first',
        params: KioskParams,
        body: KioskActionRequest,
        response: { 202: KioskAction },
      },
    },
    async (request, reply) => {
      const p = request.principal;
      if (p?.kind !== 'user') throw new BoothError('UNAUTHENTICATED', 'sign in as a technician or administrator');
      const action = await service.request(kioskId(request.params.id), request.body.action, request.body.force ?? false, p.user.id);
      return reply.code(202).send(action);
    },
  );

  app.get<{ Params: { id: string }; Querystring: KioskActionQuery }>(
    '/api/kiosks/:id/actions',
    {
      config: { auth: { roles: ACTION_ROLES } },
      schema: { tags, summary: "A kiosk's recent remote actions, newest first, with their state and result (a self-test's report)", params: KioskParams, querystring: KioskActionQuery, response: { 200: KioskActionList } },
    },
    async (request) => ({ actions: await service.list(kioskId(request.params.id), request.query.limit ?? 20) }),
  );
}

export default fp(actionsPlugin, { name: 'citizen-kiosk-actions', dependencies: ['citizen-auth', 'citizen-kiosk-control'] });
