/**
 * The store interface booth-server is written against. It is async and narrow
 * so that a server database (PostgreSQL) can implement it for sites that run
 * several booth-server nodes; SqliteStore is the embedded default.
 */
import type { KioskActionName, KioskActionStateName, ProfileBody, SelfTestReport } from '@citizen/protocol';
import type { AgentSkills, AlertKind, CallRequestInfo, CaseStatus, Heartbeat, InquiryActor, InquiryEventData, KioskId, NextStep, Role, UserId } from '@citizen/protocol';

export interface UserRecord {
  id: UserId;
  username: string;
  displayName: string;
  role: Role;
  /** Languages and topics with levels (routing reads them). */
  skills: AgentSkills;
  passwordHash: string;
}

/** A confirmed second factor: the TOTP secret and the newest time step a code was accepted for. */
export interface TotpState {
  secret: string;
  /** Codes of this step or an earlier one are refused (replay protection, RFC 6238 §5.2). */
  lastStep: number;
}

/** A user with the state only account management and sign-in read. */
export interface UserAccount extends UserRecord {
  /** Set while the account is disabled: it cannot sign in and has no sessions. */
  disabledAt: Date | null;
  /** The confirmed second factor; null signs in with the password alone. */
  totp: TotpState | null;
}

/** A TOTP enrolment that waits for its first code. */
export interface TotpPending {
  secret: string;
  expiresAt: Date;
}

export interface SessionRecord {
  tokenHash: string;
  userId: UserId;
  createdAt: Date;
  /** Absolute end, fixed at sign-in. */
  expiresAt: Date;
  /** Last time the session was used (recorded at most once a minute). */
  lastSeenAt: Date;
  /** End unless used before; never later than expiresAt. */
  idleExpiresAt: Date;
}

/** The step between a correct password and the second factor's code. */
export interface LoginChallengeRecord {
  tokenHash: string;
  userId: UserId;
  expiresAt: Date;
  /** Wrong codes sent with this challenge so far. */
  failures: number;
}

export interface UserChange {
  displayName?: string;
  role?: Role;
  skills?: AgentSkills;
}

export interface KioskRecord {
  id: KioskId;
  name: string;
  location: string;
  languages: string[];
  /**
   * What a kiosk's token must be bound to: the fingerprint (SHA-256, base64url)
   * of its enrolled public key; '' while it has none. Re-enrolment changes it,
   * which voids the old key's tokens and closes sockets opened with them.
   */
  credentialHash: string;
  /** Ed25519 public key (SPKI DER, base64), bound by redeeming an enrolment code. */
  publicKey: string | null;
  /** Set when a technician revoked the kiosk; cleared by enrolling it again. */
  revokedAt: Date | null;
  enrolledAt: Date;
  lastSeenAt: Date | null;
}

/** A one-time enrolment code; only its hash is kept. */
export interface EnrolmentCodeRecord {
  codeHash: string;
  kioskId: KioskId;
  createdAt: Date;
  createdBy: UserId | 'system';
  expiresAt: Date;
}

export type RedeemResult = { ok: true; kiosk: KioskRecord } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Who did something to a kiosk: a staff member, the kiosk itself, or booth-server. */
export type KioskAuditActor = UserId | 'kiosk' | 'system';
export interface KioskAuditRecord {
  kioskId: KioskId;
  at: Date;
  actor: KioskAuditActor;
  action:
    | 'created'
    | 'code-issued'
    | 'enrolled'
    | 'revoked'
    | 'profile-assigned'
    | 'profile-version'
    | 'profile-applied'
    | 'profile-failed'
    | 'action-requested'
    | 'action-result';
  data: Record<string, string | number | boolean | null>;
}

/** One version of a kiosk configuration profile; versions are never changed or deleted. */
export interface ProfileVersionRecord {
  profile: string;
  version: number;
  body: ProfileBody;
  createdAt: Date;
  createdBy: UserId | 'system';
  /** A rollback's source version. */
  rolledBackFrom: number | null;
  note: string;
}

/** A kiosk's profile: the one assigned, and what the kiosk last reported applying. */
export interface KioskProfileRecord {
  kioskId: KioskId;
  profile: string | null;
  appliedProfile: string | null;
  appliedVersion: number | null;
  appliedAt: Date | null;
  failedVersion: number | null;
  failure: string | null;
}

/** A remote action on a kiosk (protocol/src/actions.ts). */
export interface KioskActionRecord {
  id: number;
  kioskId: KioskId;
  action: KioskActionName;
  force: boolean;
  requestedBy: UserId;
  /** The requester's username now; null if the account is gone. */
  requestedByName: string | null;
  requestedAt: Date;
  state: KioskActionStateName;
  updatedAt: Date;
  reason: string | null;
  report: SelfTestReport | null;
  /** Set with a final state (succeeded, failed, expired). */
  finishedAt: Date | null;
}

/** A change of an action's state, with the audit entry it makes (same transaction). */
export interface KioskActionChange {
  state: Exclude<KioskActionStateName, 'requested'>;
  at: Date;
  reason?: string | null;
  report?: SelfTestReport | null;
  /** Who made the change: the kiosk reported it, or booth-server (sent, expired). */
  actor: 'kiosk' | 'system';
  /** Audit it as action-result (kiosk reports, expiry); `sent` is not audited. */
  audit: boolean;
}

/** One heartbeat as received (fleet health). */
export interface HeartbeatRecord {
  kioskId: KioskId;
  at: Date;
  heartbeat: Heartbeat;
}

/** A fleet alert; `clearedAt` is null while its condition lasts. */
export interface FleetAlertRecord {
  id: number;
  kioskId: KioskId;
  kind: AlertKind;
  raisedAt: Date;
  clearedAt: Date | null;
  detail: string;
}

export type InquiryStatus = 'queued' | 'in-call' | 'ended' | 'abandoned';

/** What the resident asked for, kept after the call (the follow-up record). */
export interface InquiryRecord {
  id: string;
  /** What the resident is given to follow the inquiry up (receipt, status page). Unique. */
  reference: string;
  kioskId: string;
  language: string;
  topic: string | null;
  answers: Record<string, string>;
  status: InquiryStatus;
  createdAt: Date;
  agentId?: string | null;
  endReason?: string | null;
  endedAt?: Date | null;
  /** Promised response date (`promiseFor` in booth-server/src/inquiries), set at creation. */
  promisedBy?: Date;
  /** The routing queue the contact waited in (reports by queue). */
  queueId?: string;
  /** Where the kiosk stood at creation; the store takes the kiosk's current location when absent. */
  place?: string;
}

export interface InquiryUpdate {
  status: InquiryStatus;
  agentId?: string;
  /** When an agent answered (the call started). */
  answeredAt?: Date;
  endReason?: string;
  endedAt?: Date;
}

/** An inquiry as a case (booth-server/src/inquiries): the inquiry plus what follow-up adds. */
export interface InquiryCaseRecord {
  id: string;
  reference: string;
  kioskId: string;
  language: string;
  topic: string | null;
  answers: Record<string, string>;
  /** The call/contact status, as in InquiryRecord (the call layer writes it). */
  status: InquiryStatus;
  agentId: string | null;
  endReason: string | null;
  createdAt: Date;
  endedAt: Date | null;
  caseStatus: CaseStatus;
  outcomeCode: string | null;
  nextStep: NextStep | null;
  place: string | null;
  promisedBy: Date | null;
  resolvedAt: Date | null;
  assigneeId: string | null;
  /** The queue the contact waited in, when an agent answered, and the resident's rating (1-5). */
  queueId: string | null;
  answeredAt: Date | null;
  rating: number | null;
}

/** A resident to be called back by phone (booth-server/src/calls/callbacks.ts). */
export interface CallbackRecord {
  id: string;
  inquiryId: string;
  kioskId: string;
  /** Kept only while the callback is open. */
  phone: string | null;
  request: CallRequestInfo;
  /** The place in line (kept from the call it replaced). */
  queuedAt: Date;
  state: 'waiting' | 'taken' | 'done' | 'failed';
  agentId: string | null;
  attempts: number;
  /** Not offered before this time (a retry after an unanswered call). */
  notBefore: Date | null;
}

export type CallbackChange = Partial<Pick<CallbackRecord, 'state' | 'agentId' | 'attempts' | 'notBefore'>>;

/** One entry of a case's history. */
export type InquiryEventRecord = InquiryEventData & { id: number; inquiryId: string; at: Date; actor: InquiryActor };

/** Which cases a reader may see: all, or those a staff member took the call of or is assigned to. */
export type InquiryScope = { kind: 'all' } | { kind: 'handled-or-assigned'; userId: string };

export interface InquiryCaseFilter {
  caseStatus?: CaseStatus;
  topic?: string;
  /** Only cases this user took the call of or is assigned to. */
  involving?: string;
  limit: number;
  offset: number;
}

/** Changes to a case; absent fields stay, null clears. */
export interface InquiryCaseChange {
  caseStatus?: CaseStatus;
  outcomeCode?: string | null;
  nextStep?: NextStep | null;
  assigneeId?: string | null;
}

/** Who changes a case, when, and within which scope (a case outside it is left alone and reported as not found). */
export interface InquiryCaseAuthor {
  actor: InquiryActor;
  at: Date;
  scope: InquiryScope;
}

/** Achieved response times (resolvedAt − createdAt) of the cases of one topic. */
export interface TopicResponseTimes {
  topic: string | null;
  resolvedCount: number;
  medianMs: number;
  p90Ms: number;
}

/** One report day: its name and the instants it runs between, [start, end). */
export interface ReportDayBounds {
  day: string;
  start: Date;
  end: Date;
}

export interface DailyContactQuery {
  /** Consecutive days, oldest first; at most a year's worth (the caller bounds the range). */
  days: readonly ReportDayBounds[];
  /** Only contacts of this queue. */
  queueId?: string;
  /** Service-level time per queue id, in ms; contacts of other queues get no service level. */
  serviceLevelWithinMs: ReadonlyMap<string, number>;
}

/**
 * One queue's contacts on one day. A contact is answered once an agent
 * answered it; abandoned when the resident left (or their kiosk vanished)
 * before that: contact status `abandoned` other than the server's own closing
 * (`server-shutdown`, `interrupted`), which counts as a contact but neither
 * answered nor abandoned.
 */
export interface DailyContactFigures {
  day: string;
  queueId: string | null;
  contacts: number;
  answered: number;
  abandoned: number;
  /** Mean and 90th percentile (type 7, as inquiryResponseTimes) of answeredAt − createdAt over the answered contacts; null when none. */
  waitAvgMs: number | null;
  waitP90Ms: number | null;
  /** Answered within the queue's service-level time; null when the queue has none (unknown queue). */
  answeredWithinTarget: number | null;
  /** Answered, plus abandoned after the service-level time; null when the queue has none. */
  serviceLevelCounted: number | null;
  /** Mean endedAt − answeredAt over the answered contacts that ended; null when none did. */
  handleAvgMs: number | null;
  ratingAvg: number | null;
  ratings: number;
}

/**
 * Durability: every write has reached stable storage when its promise
 * resolves (SQLite: WAL with synchronous=FULL; PostgreSQL: COMMIT with
 * synchronous_commit on, nothing written behind), so what the server has
 * acknowledged to a client survives a crash or a power loss.
 *
 * Implementations: SqliteStore, PgStore; both pass the same suite
 * (testing/storeConformance.ts).
 */
export interface Store {
  /** Cheap round trip for /ready. Resolves false instead of throwing. */
  ping(): Promise<boolean>;
  /** Version of the newest applied migration. */
  schemaVersion(): Promise<number>;

  /** A new user is enabled and has no second factor. Rejects with a StoreConflictError if the username exists. */
  createUser(user: UserRecord): Promise<void>;
  findUserByUsername(username: string): Promise<UserAccount | undefined>;
  findUserById(id: UserId): Promise<UserAccount | undefined>;
  /** Ordered by username. */
  listUsers(): Promise<UserAccount[]>;
  /** Absent fields stay. Undefined if the user is unknown. */
  updateUser(id: UserId, change: UserChange): Promise<UserAccount | undefined>;
  /** Resolves false if the user is unknown. */
  setPasswordHash(id: UserId, passwordHash: string): Promise<boolean>;
  /** Disables (a date) or enables (null) the account; resolves false if the user is unknown. */
  setUserDisabled(id: UserId, disabledAt: Date | null): Promise<boolean>;

  /** Replaces any enrolment the user had pending; null removes it. */
  setTotpPending(id: UserId, pending: TotpPending | null): Promise<boolean>;
  /** The pending enrolment if there is one and it has not expired at `now`. */
  findTotpPending(id: UserId, now: Date): Promise<TotpPending | undefined>;
  /** Turns the second factor on (and drops the pending enrolment) or, with null, off. */
  setTotp(id: UserId, totp: TotpState | null): Promise<boolean>;
  /**
   * Records that a code of time step `step` was accepted. Atomic: resolves
   * true for exactly one caller per step, false if this or a later step was
   * used already (a replayed code) or the user has no second factor.
   */
  useTotpStep(id: UserId, step: number): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  /** The session if it exists and neither its absolute nor its idle end has passed at `now`. */
  findSession(tokenHash: string, now: Date): Promise<SessionRecord | undefined>;
  /** Records use of the session. */
  touchSession(tokenHash: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends every session of the user except `keepTokenHash`; resolves with how many ended. */
  deleteUserSessions(userId: UserId, keepTokenHash?: string): Promise<number>;
  /** Sessions alive at `now`, per user (users without any are absent). */
  countSessions(now: Date): Promise<Map<UserId, number>>;
  deleteExpiredSessions(now: Date): Promise<number>;

  createLoginChallenge(challenge: LoginChallengeRecord): Promise<void>;
  /** The challenge if it exists and has not expired at `now`. */
  findLoginChallenge(tokenHash: string, now: Date): Promise<LoginChallengeRecord | undefined>;
  /** Counts a wrong code; resolves with the failures so far (0 if the challenge is gone). */
  failLoginChallenge(tokenHash: string): Promise<number>;
  /** Single use: resolves true for exactly one caller, and only before it expires. */
  consumeLoginChallenge(tokenHash: string, now: Date): Promise<boolean>;
  deleteLoginChallenge(tokenHash: string): Promise<void>;
  deleteExpiredLoginChallenges(now: Date): Promise<number>;

  /** Rejects with a StoreConflictError if the id exists. */
  createKiosk(kiosk: KioskRecord): Promise<void>;
  findKiosk(id: KioskId): Promise<KioskRecord | undefined>;
  listKiosks(): Promise<KioskRecord[]>;
  touchKiosk(id: KioskId, at: Date): Promise<void>;
  /** Replaces the credential hash (credential rotation); resolves false if the kiosk is unknown. */
  setKioskCredential(id: KioskId, credentialHash: string): Promise<boolean>;
  /** Stores a new code for the kiosk and voids its unused ones (audited as code-issued). */
  createEnrolmentCode(code: EnrolmentCodeRecord): Promise<void>;
  /**
   * Single use: binds `publicKey` (fingerprint `keyHash`) to the code's kiosk,
   * clears a revocation and marks the code used, in one transaction (audited
   * as enrolled). Refuses unknown, used and expired codes.
   */
  redeemEnrolmentCode(codeHash: string, publicKey: string, keyHash: string, now: Date): Promise<RedeemResult>;
  /** Unbinds the key, voids unused codes and records who revoked; resolves false if the kiosk is unknown. */
  revokeKiosk(id: KioskId, at: Date, actor: KioskAuditActor): Promise<boolean>;
  addKioskAudit(entry: KioskAuditRecord): Promise<void>;
  /** A kiosk's audit entries, newest first. */
  listKioskAudit(id: KioskId, limit: number): Promise<KioskAuditRecord[]>;

  /**
   * Stores the profile's next version (1 for a new profile) and returns it.
   * Numbering is done inside the store, so two technicians saving at once get
   * two versions, never one number twice.
   */
  addProfileVersion(v: Omit<ProfileVersionRecord, 'version'>): Promise<ProfileVersionRecord>;
  /** A profile's version, or its current (highest) one when `version` is absent. */
  findProfileVersion(profile: string, version?: number): Promise<ProfileVersionRecord | undefined>;
  /** Every profile's current version, by name. */
  listCurrentProfileVersions(): Promise<ProfileVersionRecord[]>;
  /** A profile's versions, newest first. */
  listProfileVersions(profile: string, limit: number): Promise<ProfileVersionRecord[]>;
  /** Assigns a profile (or none) to the kiosk, audited as profile-assigned; resolves false if the kiosk is unknown. */
  setKioskProfile(id: KioskId, profile: string | null, at: Date, actor: KioskAuditActor): Promise<boolean>;
  findKioskProfile(id: KioskId): Promise<KioskProfileRecord | undefined>;
  /** Every kiosk's, by kiosk id. */
  listKioskProfiles(): Promise<KioskProfileRecord[]>;
  /**
   * What the kiosk acknowledged: applied (it runs that version now; a
   * recorded failure is cleared) or failed (it keeps what it ran). Audited as
   * profile-applied or profile-failed.
   */
  recordProfileAck(id: KioskId, ack: { profile: string; version: number; result: 'applied' | 'failed'; reason: string | null; at: Date }): Promise<void>;

  /** Stores a requested remote action and audits it as action-requested, in one transaction. */
  addKioskAction(a: { kioskId: KioskId; action: KioskActionName; force: boolean; requestedBy: UserId; requestedAt: Date }): Promise<KioskActionRecord>;
  findKioskAction(id: number): Promise<KioskActionRecord | undefined>;
  /** A kiosk's actions, newest first. */
  listKioskActions(kioskId: KioskId, limit: number): Promise<KioskActionRecord[]>;
  /** A kiosk's actions not in a final state, oldest first. */
  listOpenKioskActions(kioskId: KioskId): Promise<KioskActionRecord[]>;
  /**
   * Changes an action's state unless it is final already (then undefined: a
   * late report of an expired action changes nothing). A final state sets
   * finishedAt. Audited as action-result when `audit`.
   */
  updateKioskAction(id: number, change: KioskActionChange): Promise<KioskActionRecord | undefined>;
  /** Expires every action requested at or before `before` that has not started (requested, sent, deferred); audited. */
  expireKioskActions(before: Date, at: Date): Promise<KioskActionRecord[]>;

  /** Also records the case's `created` event (actor: the kiosk). */
  createInquiry(inquiry: InquiryRecord): Promise<void>;
  /** Also records `contact-started` / `contact-ended` when the contact status moves into or out of a call. */
  updateInquiry(id: string, update: InquiryUpdate): Promise<void>;
  findInquiry(id: string): Promise<InquiryRecord | undefined>;
  findInquiryByReference(reference: string): Promise<InquiryRecord | undefined>;
  /**
   * Closes every inquiry still queued (as abandoned) or in a call (as ended),
   * with `endReason`: at start-up, for rows a previous process could not close.
   * Records a `contact-ended` event (actor: system) for each. Resolves with
   * how many rows it closed.
   */
  closeOpenInquiries(now: Date, endReason: string): Promise<number>;
  /**
   * The resident's rating (1-5) of the call that ended, given on the kiosk
   * right after it. Only the inquiry's own kiosk may rate it, once: resolves
   * false otherwise (unknown inquiry, another kiosk, already rated, not ended).
   */
  rateInquiry(id: string, kioskId: string, rating: number): Promise<boolean>;

  createCallback(callback: CallbackRecord): Promise<void>;
  /** Changes a callback; closing it (done, failed) also clears the phone number. */
  updateCallback(id: string, change: CallbackChange): Promise<void>;
  /**
   * An agent takes a waiting callback: it becomes theirs only if it is still
   * waiting (one write that checks and sets), so two agents (of two nodes of
   * a site) never both take it. Resolves whether this agent got it.
   */
  claimCallback(id: string, agentId: string): Promise<boolean>;
  /** Callbacks still waiting or in an agent's hands (loaded into the queue at start-up). */
  listOpenCallbacks(): Promise<CallbackRecord[]>;
  findCallback(id: string): Promise<CallbackRecord | undefined>;

  /** Newest first. `total` counts every case matching scope and filter. */
  listInquiryCases(scope: InquiryScope, filter: InquiryCaseFilter): Promise<{ items: InquiryCaseRecord[]; total: number }>;
  /** The case with its history (oldest first), or undefined if it does not exist or is outside the scope. */
  findInquiryCase(id: string, scope: InquiryScope): Promise<{ inquiry: InquiryCaseRecord; events: InquiryEventRecord[] } | undefined>;
  findInquiryCaseByReference(reference: string): Promise<InquiryCaseRecord | undefined>;
  /**
   * Applies the change and records an event for each field that actually
   * changed, in one transaction. Resolving sets resolvedAt; reopening clears
   * it. Undefined if the case does not exist or is outside the author's scope.
   */
  updateInquiryCase(id: string, change: InquiryCaseChange, by: InquiryCaseAuthor): Promise<{ inquiry: InquiryCaseRecord; events: InquiryEventRecord[] } | undefined>;
  /** Undefined if the case does not exist or is outside the author's scope. */
  addInquiryNote(id: string, text: string, by: InquiryCaseAuthor): Promise<InquiryEventRecord | undefined>;
  /** Adds what happened during a contact (shown on the kiosk, printed, transferred) to the case's history. */
  recordInquiryEvent(id: string, event: InquiryEventData, at: Date, actor: InquiryActor): Promise<void>;
  /** Median and 90th percentile of resolvedAt − createdAt per topic, over cases resolved in [from, to). */
  inquiryResponseTimes(from: Date, to: Date): Promise<TopicResponseTimes[]>;

  /**
   * Contact figures per day and queue (supervisors' reports): the contacts
   * created within each day's bounds, grouped by the queue they waited in.
   * Only (day, queue) pairs with contacts are returned, ordered by day, then
   * queue (null last). See DailyContactFigures for what each figure counts.
   */
  dailyContactFigures(query: DailyContactQuery): Promise<DailyContactFigures[]>;

  /** Fleet health: stores a batch of heartbeats in one transaction. */
  addHeartbeats(records: readonly HeartbeatRecord[]): Promise<void>;
  /** A kiosk's heartbeats at or after `since`, newest first, at most `limit`. */
  listHeartbeats(kioskId: KioskId, since: Date, limit: number): Promise<HeartbeatRecord[]>;
  /** The newest `perKiosk` heartbeats of every kiosk (start-up), oldest first within each kiosk. */
  latestHeartbeats(perKiosk: number): Promise<HeartbeatRecord[]>;
  /** Deletes heartbeats and cleared alerts older than `before`; resolves with how many heartbeats went. */
  pruneFleetHistory(before: Date): Promise<number>;
  /** Rejects with a StoreConflictError if the kiosk has an active alert of that kind. */
  raiseFleetAlert(alert: Omit<FleetAlertRecord, 'id' | 'clearedAt'>): Promise<FleetAlertRecord>;
  /** Resolves false if the alert is unknown or already cleared. */
  clearFleetAlert(id: number, at: Date): Promise<boolean>;
  /** Active alerts of every kiosk. */
  listActiveFleetAlerts(): Promise<FleetAlertRecord[]>;
  /** A kiosk's alerts raised at or after `since`, or still active, newest first. */
  listFleetAlerts(kioskId: KioskId, since: Date, limit: number): Promise<FleetAlertRecord[]>;

  /** Idempotent. */
  close(): Promise<void>;
}

export class StoreConflictError extends Error {
  readonly code = 'STORE_CONFLICT';
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = 'StoreConflictError';
  }
}

export class StoreClosedError extends Error {
  readonly code = 'STORE_CLOSED';
  constructor() {
    super('store is closed');
    this.name = 'StoreClosedError';
  }
}
