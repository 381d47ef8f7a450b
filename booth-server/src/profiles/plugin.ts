/**
 * Kiosk configuration profiles over REST, for technicians and administrators
 * (agents and supervisors serve residents; they do not configure kiosks), and
 * their push to kiosks over the control channel (./ProfileService.ts).
 *
 *   GET  /api/profiles                          every profile with its current version
 *   GET  /api/profiles/kiosks                   each kiosk's desired and applied version
 *   GET  /api/profiles/:name/versions           a profile's history, newest first
 *   GET  /api/profiles/:name/versions/:version  one version
 *   POST /api/profiles/:name/versions           a new version (a new profile at 1), checked first
 *   POST /api/profiles/:name/rollback           a new version with an older version's body
 *   PUT  /api/kiosks/:id/profile                assign a profile (or none) to a kiosk
 *   GET  /api/kiosk/profile                     kiosks: their own desired version
 *
 * Seed profiles (config/profiles/*.json) are loaded and checked at start-up.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  ControlApplyProfile,
  Kiosk,
  KioskProfileAssign,
  KioskProfileState,
  KioskProfileStates,
  NewProfileVersion,
  PROFILE_NAME_PATTERN,
  ProfileHistory,
  ProfileList,
  ProfileRollback,
  ProfileVersion,
  kioskId,
  type ProfileCatalogue,
  type Role,
} from '@citizen/protocol';
import { loadKioskContent } from '@citizen/config/kioskContent';
import { loadProfileSeeds, type ProfileSeed } from '@citizen/config/profiles';
import { BoothError } from '../errors';
import type { Principal } from '../auth/plugin';
import type { ProfileVersionRecord, Store } from '../store/Store';
import { ProfileService } from './ProfileService';

const PROFILE_ROLES: readonly Role[] = ['technician', 'admin'];

export interface ProfilesPluginOptions {
  store: Store;
  now: () => Date;
  /** The site's flows and languages; read from config/ when absent. */
  catalogue?: ProfileCatalogue;
  /** Seed profiles; config/profiles/*.json when absent. */
  seeds?: readonly ProfileSeed[];
}

declare module 'fastify' {
  interface FastifyInstance {
    profiles: ProfileService;
  }
}

let siteCatalogue: ProfileCatalogue | undefined;
/** Read once per process: the content check costs tens of milliseconds and the files do not change while it runs. */
export function configCatalogue(): ProfileCatalogue {
  if (!siteCatalogue) {
    const c = loadKioskContent();
    siteCatalogue = { flows: c.flows.map((f) => f.id), languages: c.languages.map((l) => l.code) };
  }
  return siteCatalogue;
}

const NameParams = Type.Object({ name: Type.String({ pattern: PROFILE_NAME_PATTERN }) });
const VersionParams = Type.Object({ name: Type.String({ pattern: PROFILE_NAME_PATTERN }), version: Type.Integer({ minimum: 1 }) });
const KioskParams = Type.Object({ id: Type.String({ pattern: Kiosk.properties.id.pattern }) });

export function toProfileVersion(v: ProfileVersionRecord): ProfileVersion {
  return { profile: v.profile, version: v.version, body: v.body, createdAt: v.createdAt.toISOString(), createdBy: v.createdBy, rolledBackFrom: v.rolledBackFrom, note: v.note };
}

const actor = (p: Principal | null) => (p?.kind === 'user' ? p.user.id : ('system' as const));

async function profilesPlugin(app: FastifyInstance, opts: ProfilesPluginOptions): Promise<void> {
  const { store, now } = opts;
  if (!store) throw new TypeError('profiles plugin: store is required');
  const catalogue = opts.catalogue ?? configCatalogue();
  const seeds = opts.seeds ?? loadProfileSeeds(catalogue);
  const service = new ProfileService({
    store,
    catalogue,
    control: app.kioskControl.registry,
    now,
    log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
    onState: (data) => (app.hasDecorator('fleet') ? app.fleet.notify({ type: 'notification', method: 'kioskProfile', data }) : undefined),
  });
  app.decorate('profiles', service);
  app.addHook('onReady', async () => {
    const n = await service.seed(seeds);
    if (n > 0) app.log.info(`seed profiles stored [count:${n}]`);
  });
  // A kiosk that connects gets its desired version: it may have missed changes while away, or restarted.
  app.kioskControl.onConnect((kiosk) => service.push(kiosk.id));
  app.kioskControl.handle('profileAck', (kiosk, ack) => service.acknowledge(kiosk, ack));

  const tags = ['profiles'];
  app.get(
    '/api/profiles',
    { config: { auth: { roles: PROFILE_ROLES } }, schema: { tags, summary: 'Every kiosk profile with its current version and how many kiosks run it', response: { 200: ProfileList } } },
    async () => {
      const counts = new Map<string, number>();
      for (const k of await store.listKioskProfiles()) if (k.profile) counts.set(k.profile, (counts.get(k.profile) ?? 0) + 1);
      return { profiles: (await store.listCurrentProfileVersions()).map((v) => ({ profile: v.profile, current: toProfileVersion(v), kiosks: counts.get(v.profile) ?? 0 })) };
    },
  );

  app.get(
    '/api/profiles/kiosks',
    { config: { auth: { roles: PROFILE_ROLES } }, schema: { tags, summary: "Each kiosk's profile: the version it should run and the one it acknowledged", response: { 200: KioskProfileStates } } },
    async () => ({ kiosks: await service.states() }),
  );

  app.get<{ Params: { name: string } }>(
    '/api/profiles/:name/versions',
    { config: { auth: { roles: PROFILE_ROLES } }, schema: { tags, summary: "A profile's versions, newest first", params: NameParams, response: { 200: ProfileHistory } } },
    async (request) => {
      const versions = await store.listProfileVersions(request.params.name, 500);
      if (versions.length === 0) throw new BoothError('PROFILE_NOT_FOUND', `no profile ${request.params.name}`);
      return { profile: request.params.name, versions: versions.map(toProfileVersion) };
    },
  );

  app.get<{ Params: { name: string; version: number } }>(
    '/api/profiles/:name/versions/:version',
    { config: { auth: { roles: PROFILE_ROLES } }, schema: { tags, summary: 'One version of a profile', params: VersionParams, response: { 200: ProfileVersion } } },
    async (request) => {
      const v = await store.findProfileVersion(request.params.name, request.params.version);
      if (!v) throw new BoothError('PROFILE_VERSION_NOT_FOUND', `${request.params.name} has no version ${request.params.version}`);
      return toProfileVersion(v);
    },
  );

  app.post<{ Params: { name: string }; Body: NewProfileVersion }>(
    '/api/profiles/:name/versions',
    {
      config: { auth: { roles: PROFILE_ROLES } },
      schema: {
        tags,
        summary: "A new version of a profile (version 1 creates it). Checked first: a 400 PROFILE_INVALID names each wrong field. Kiosks running the profile get it between residents",
        params: NameParams,
        body: NewProfileVersion,
        response: { 201: ProfileVersion },
      },
    },
    async (request, reply) => {
      const v = await service.createVersion(request.params.name, request.body.body, request.body.note ?? '', actor(request.principal));
      return reply.code(201).send(toProfileVersion(v));
    },
  );

  app.post<{ Params: { name: string }; Body: ProfileRollback }>(
    '/api/profiles/:name/rollback',
    {
      config: { auth: { roles: PROFILE_ROLES } },
      schema: { tags, summary: "Roll back: a new version whose body is an older version's (the history stays linear)", params: NameParams, body: ProfileRollback, response: { 201: ProfileVersion } },
    },
    async (request, reply) => {
      const v = await service.rollback(request.params.name, request.body.toVersion, request.body.note ?? '', actor(request.principal));
      return reply.code(201).send(toProfileVersion(v));
    },
  );

  app.put<{ Params: { id: string }; Body: KioskProfileAssign }>(
    '/api/kiosks/:id/profile',
    {
      config: { auth: { roles: PROFILE_ROLES } },
      schema: { tags, summary: 'Assign a profile to a kiosk (audited); the kiosk gets its current version between residents', params: KioskParams, body: KioskProfileAssign, response: { 200: KioskProfileState } },
    },
    async (request) => service.assign(kioskId(request.params.id), request.body.profile, actor(request.principal)),
  );

  app.get(
    '/api/kiosk/profile',
    {
      config: { auth: 'kiosk' },
      schema: { tags, summary: "The calling kiosk's desired profile version, as the control channel sends it (null without a profile)", response: { 200: Type.Object({ desired: Type.Union([ControlApplyProfile, Type.Null()]) }) } },
    },
    async (request) => {
      if (request.principal?.kind !== 'kiosk') throw new BoothError('UNAUTHENTICATED', 'not a kiosk');
      return { desired: await service.desired(request.principal.kiosk) };
    },
  );
}

export default fp(profilesPlugin, { name: 'citizen-profiles', dependencies: ['citizen-auth', 'citizen-kiosk-control'] });
