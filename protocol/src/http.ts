/**
 * REST contract between booth-server and its clients (kiosk shell, agent
 * console, technician tools). One schema per body; the TypeScript types are
 * derived from the schemas so the runtime check and the type cannot drift.
 */
import { Type, type Static } from '@sinclair/typebox';
import { KIOSK_ID_PATTERN, USERNAME_PATTERN } from './ids';

export const Role = Type.Union([Type.Literal('agent'), Type.Literal('technician'), Type.Literal('supervisor')]);
export type Role = Static<typeof Role>;

/** Languages are BCP 47 primary tags the municipality serves (da, en, nb, uk, ar, ...). */
export const LanguageTag = Type.String({ pattern: '^[a-z]{2,3}$' });

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable error code, see README "Error codes"' }),
    error: Type.String(),
    message: Type.String(),
    fix: Type.Optional(Type.String({ description: 'What the caller can do about it' })),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const LoginRequest = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN, maxLength: 63 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

/** How well: 1 basic, 2 good, 3 fluent or expert. Routing prefers higher levels. */
export const SkillLevel = Type.Integer({ minimum: 1, maximum: 3 });
export type SkillLevel = Static<typeof SkillLevel>;
/** Topic keys as guided flows and queues name them: `housing-benefit`, `passport`, … */
export const TopicKey = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });

/** What an agent can take: languages and topics, each with a level. */
export const AgentSkills = Type.Object(
  {
    languages: Type.Record(Type.String({ pattern: '^[a-z]{2,3}$' }), SkillLevel, { maxProperties: 30 }),
    topics: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), SkillLevel, { maxProperties: 100 }),
  },
  { additionalProperties: false },
);
export type AgentSkills = Static<typeof AgentSkills>;

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: Role,
  skills: AgentSkills,
});
export type User = Static<typeof User>;

export const LoginResponse = Type.Object({ user: User, expiresAt: Type.String({ format: 'date-time' }) });
export type LoginResponse = Static<typeof LoginResponse>;

export const Kiosk = Type.Object({
  id: Type.String({ pattern: KIOSK_ID_PATTERN }),
  name: Type.String(),
  location: Type.String(),
  languages: Type.Array(LanguageTag),
  enrolledAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type Kiosk = Static<typeof Kiosk>;

export const EnrolKioskRequest = Type.Object(
  {
    id: Type.String({ pattern: KIOSK_ID_PATTERN }),
    name: Type.String({ minLength: 1, maxLength: 120 }),
    location: Type.String({ minLength: 1, maxLength: 200 }),
    languages: Type.Array(LanguageTag, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
export type EnrolKioskRequest = Static<typeof EnrolKioskRequest>;

/** The credential is shown once, at enrolment; the server keeps only its hash. */
export const EnrolKioskResponse = Type.Object({ kiosk: Kiosk, credential: Type.String() });
export type EnrolKioskResponse = Static<typeof EnrolKioskResponse>;

export const KioskList = Type.Object({ kiosks: Type.Array(Kiosk) });
export type KioskList = Static<typeof KioskList>;

export const HealthResponse = Type.Object({ status: Type.Literal('ok') });

export const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not-ready')]),
  checks: Type.Object({
    store: Type.Boolean(),
    sfu: Type.Object({ workers: Type.Integer(), alive: Type.Integer() }),
  }),
});
export type ReadyResponse = Static<typeof ReadyResponse>;

/** Header a kiosk shell sends on every request: `Authorization: Kiosk <kioskId>:<credential>`. */
export const KIOSK_AUTH_SCHEME = 'Kiosk';
export const SESSION_COOKIE = 'sid';
