/**
 * REST contract between booth-server and its clients (kiosk shell, agent
 * console, technician tools). One schema per body; the TypeScript types are
 * derived from the schemas so the runtime check and the type cannot drift.
 */
import { Type, type Static } from '@sinclair/typebox';
import { KIOSK_ID_PATTERN, USERNAME_PATTERN } from './ids';
import { EnrolmentCodeSchema } from './vocab';

/**
 * Staff roles. Agents take calls; supervisors watch and join them;
 * technicians enrol kiosks and watch their health; administrators manage
 * staff accounts (and nothing else: they take no calls and see no kiosks).
 */
export const Role = Type.Union([Type.Literal('agent'), Type.Literal('technician'), Type.Literal('supervisor'), Type.Literal('admin')]);
export type Role = Static<typeof Role>;
/** Every role, in the schema's order (derived from it, so the two cannot drift). */
export const ROLES: readonly Role[] = Role.anyOf.map((r) => r.const);

/** Header that carries the CSRF token on every cookie-authenticated POST, PATCH, PUT and DELETE. */
export const CSRF_HEADER = 'x-csrf-token';

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

const DateTime = Type.String({ format: 'date-time' });

/** The signed-in user's session: who, until when, and the CSRF token for writes. */
export const SessionInfo = Type.Object({
  user: User,
  totpEnabled: Type.Boolean({ description: 'The user signs in with a code from an authenticator app as a second step' }),
  expiresAt: Type.String({ format: 'date-time', description: 'Absolute end of the session (auth.absoluteTimeoutMinutes after sign-in)' }),
  idleExpiresAt: Type.String({ format: 'date-time', description: 'End of the session unless it is used before (auth.idleTimeoutMinutes)' }),
  csrfToken: Type.String({ description: 'Send as the x-csrf-token header on every POST, PATCH, PUT and DELETE' }),
});
export type SessionInfo = Static<typeof SessionInfo>;

/** Six digits from an authenticator app (RFC 6238, 30 s steps). */
export const TotpCode = Type.String({ pattern: '^[0-9]{6}$' });

/**
 * A password sign-in either completes, or, for a user with a second factor,
 * hands out a short-lived, single-use challenge to send with the code.
 */
export const SignedIn = Type.Object({ status: Type.Literal('signed-in'), ...SessionInfo.properties });
export type SignedIn = Static<typeof SignedIn>;
export const TotpRequired = Type.Object({
  status: Type.Literal('totp-required'),
  challenge: Type.String({ description: 'Send with the code to POST /api/auth/login/totp; works once' }),
  challengeExpiresAt: DateTime,
});
export type TotpRequired = Static<typeof TotpRequired>;
export const LoginResponse = Type.Union([SignedIn, TotpRequired]);
export type LoginResponse = Static<typeof LoginResponse>;

export const TotpLoginRequest = Type.Object({ challenge: Type.String({ minLength: 1, maxLength: 100 }), code: TotpCode }, { additionalProperties: false });
export type TotpLoginRequest = Static<typeof TotpLoginRequest>;

export const TotpCodeRequest = Type.Object({ code: TotpCode }, { additionalProperties: false });
export type TotpCodeRequest = Static<typeof TotpCodeRequest>;

/** A started enrolment: the secret, shown once, as an otpauth:// URI (for the QR code) and as text. */
export const TotpEnrolment = Type.Object({
  otpauthUri: Type.String(),
  secret: Type.String({ description: 'Base32, for apps that cannot scan the QR code' }),
  expiresAt: Type.String({ format: 'date-time', description: 'Confirm with a code before this' }),
});
export type TotpEnrolment = Static<typeof TotpEnrolment>;

/** A password an administrator sets (initial or reset). */
export const NewPassword = Type.String({ minLength: 10, maxLength: 200 });
export const DisplayName = Type.String({ minLength: 1, maxLength: 120 });

/** A user as administrators see it. */
export const AdminUser = Type.Object({
  ...User.properties,
  disabled: Type.Boolean(),
  totpEnabled: Type.Boolean(),
  activeSessions: Type.Integer({ minimum: 0, description: 'Sessions that have not expired' }),
});
export type AdminUser = Static<typeof AdminUser>;

export const AdminUserList = Type.Object({ users: Type.Array(AdminUser) });
export type AdminUserList = Static<typeof AdminUserList>;

export const CreateUserRequest = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN, maxLength: 63 }),
    displayName: DisplayName,
    role: Role,
    skills: AgentSkills,
    password: NewPassword,
  },
  { additionalProperties: false },
);
export type CreateUserRequest = Static<typeof CreateUserRequest>;

/** Absent fields stay as they are. */
export const UpdateUserRequest = Type.Object(
  { displayName: Type.Optional(DisplayName), role: Type.Optional(Role), skills: Type.Optional(AgentSkills) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserRequest = Static<typeof UpdateUserRequest>;

export const ResetPasswordRequest = Type.Object({ password: NewPassword }, { additionalProperties: false });
export type ResetPasswordRequest = Static<typeof ResetPasswordRequest>;

export const AdminUserResponse = Type.Object({ user: AdminUser });
export type AdminUserResponse = Static<typeof AdminUserResponse>;

export const RevokedSessions = Type.Object({ revoked: Type.Integer({ minimum: 0, description: 'Sessions ended' }) });
export type RevokedSessions = Static<typeof RevokedSessions>;

export const Kiosk = Type.Object({
  id: Type.String({ pattern: KIOSK_ID_PATTERN }),
  name: Type.String(),
  location: Type.String(),
  languages: Type.Array(LanguageTag),
  enrolledAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** `awaiting-key` until the kiosk redeems an enrolment code; `revoked` until it is enrolled again. */
  identity: Type.Union([Type.Literal('awaiting-key'), Type.Literal('enrolled'), Type.Literal('revoked')]),
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

/** A one-time enrolment code: shown once to the technician; the server keeps only its hash. */
export const EnrolmentCode = Type.Object({ code: EnrolmentCodeSchema, expiresAt: Type.String({ format: 'date-time' }) });
export type EnrolmentCode = Static<typeof EnrolmentCode>;

/** A new kiosk record and the code its kiosk enrols with. */
export const EnrolKioskResponse = Type.Object({ kiosk: Kiosk, enrolment: EnrolmentCode });
export type EnrolKioskResponse = Static<typeof EnrolKioskResponse>;

/**
 * Device identity (kiosk shell → booth-server, no credential yet):
 *
 *   POST /api/kiosk/enrol      { code, publicKey }               → { kioskId }
 *   POST /api/kiosk/challenge  { kioskId }                       → { challenge, expiresAt }
 *   POST /api/kiosk/token      { kioskId, challenge, signature } → { token, expiresAt }
 *
 * The key pair is Ed25519; the kiosk keeps the private key. The token is then
 * the secret of `Authorization: Kiosk <kioskId>:<token>` until it expires.
 */
export const KioskEnrolRequest = Type.Object(
  {
    /** As typed; the server reads it like parseEnrolmentCode. */
    code: Type.String({ minLength: 1, maxLength: 40 }),
    /** Ed25519 public key, SPKI DER, base64. */
    publicKey: Type.String({ minLength: 40, maxLength: 200, pattern: '^[A-Za-z0-9+/]+=*$' }),
  },
  { additionalProperties: false },
);
export type KioskEnrolRequest = Static<typeof KioskEnrolRequest>;
export const KioskEnrolResponse = Type.Object({ kioskId: Type.String({ pattern: KIOSK_ID_PATTERN }) });
export type KioskEnrolResponse = Static<typeof KioskEnrolResponse>;

export const KioskChallengeRequest = Type.Object({ kioskId: Type.String({ pattern: KIOSK_ID_PATTERN }) }, { additionalProperties: false });
export type KioskChallengeRequest = Static<typeof KioskChallengeRequest>;
export const KioskChallengeResponse = Type.Object({ challenge: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), expiresAt: Type.String({ format: 'date-time' }) });
export type KioskChallengeResponse = Static<typeof KioskChallengeResponse>;

export const KioskTokenRequest = Type.Object(
  {
    kioskId: Type.String({ pattern: KIOSK_ID_PATTERN }),
    challenge: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    /** Ed25519 signature of kioskTokenSigningInput(kioskId, challenge), base64. */
    signature: Type.String({ minLength: 86, maxLength: 88, pattern: '^[A-Za-z0-9+/]+=*$' }),
  },
  { additionalProperties: false },
);
export type KioskTokenRequest = Static<typeof KioskTokenRequest>;
export const KioskTokenResponse = Type.Object({ token: Type.String(), expiresAt: Type.String({ format: 'date-time' }) });
export type KioskTokenResponse = Static<typeof KioskTokenResponse>;

/**
 * What the kiosk signs for a token: the challenge bound to its own id and to
 * this purpose, so a signature made for anything else is worth nothing here.
 */
export function kioskTokenSigningInput(kioskId: string, challenge: string): string {
  return `citizen-kiosk-token/v1\n${kioskId}\n${challenge}`;
}

export const KioskRevokeResponse = Type.Object({ kiosk: Kiosk, closedSockets: Type.Integer({ minimum: 0 }) });
export type KioskRevokeResponse = Static<typeof KioskRevokeResponse>;

/**
 * One entry of a kiosk's audit log: who (a staff member, the kiosk itself or
 * booth-server), when, what (created, code-issued, enrolled, revoked, profile
 * changes, remote actions and their results) and its particulars. Device
 * facts only: no resident data is ever audited here.
 */
export const KioskAuditEntry = Type.Object({
  at: Type.String({ format: 'date-time' }),
  actor: Type.Union([
    Type.Object({ kind: Type.Literal('user'), id: Type.String(), username: Type.String(), displayName: Type.String() }),
    Type.Object({ kind: Type.Literal('kiosk') }),
    Type.Object({ kind: Type.Literal('system') }),
  ]),
  action: Type.String({ pattern: '^[a-z][a-z-]*$' }),
  data: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
});
export type KioskAuditEntry = Static<typeof KioskAuditEntry>;
export const KioskAuditList = Type.Object({ entries: Type.Array(KioskAuditEntry, { description: 'Newest first' }) });
export type KioskAuditList = Static<typeof KioskAuditList>;
export const KioskAuditQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }, { additionalProperties: false });
export type KioskAuditQuery = Static<typeof KioskAuditQuery>;

export const KioskList = Type.Object({ kiosks: Type.Array(Kiosk) });
export type KioskList = Static<typeof KioskList>;

export const HealthResponse = Type.Object({ status: Type.Literal('ok') });

export const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not-ready')]),
  checks: Type.Object({
    store: Type.Boolean(),
    sfu: Type.Object({ workers: Type.Integer(), alive: Type.Integer() }),
    /** Only when the node shares live state with others (cluster.redisUrl): Redis answers. */
    redis: Type.Optional(Type.Boolean()),
  }),
});
export type ReadyResponse = Static<typeof ReadyResponse>;

/** Header a kiosk shell sends on every request: `Authorization: Kiosk <kioskId>:<token>` (a token from POST /api/kiosk/token). */
export const KIOSK_AUTH_SCHEME = 'Kiosk';
export const SESSION_COOKIE = 'sid';
