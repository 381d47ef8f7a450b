/**
 * The store interface booth-server is written against. It is async and narrow
 * so that a server database (PostgreSQL) can implement it for sites that run
 * several booth-server nodes; SqliteStore is the embedded default.
 */
import type { AgentSkills, CaseStatus, InquiryActor, InquiryEventData, KioskId, NextStep, Role, UserId } from '@citizen/protocol';

export interface UserRecord {
  id: UserId;
  username: string;
  displayName: string;
  role: Role;
  /** Languages and topics with levels (routing reads them). */
  skills: AgentSkills;
  passwordHash: string;
}

export interface SessionRecord {
  tokenHash: string;
  userId: UserId;
  createdAt: Date;
  expiresAt: Date;
}

export interface KioskRecord {
  id: KioskId;
  name: string;
  location: string;
  languages: string[];
  credentialHash: string;
  enrolledAt: Date;
  lastSeenAt: Date | null;
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
  /** Where the kiosk stood at creation; the store takes the kiosk's current location when absent. */
  place?: string;
}

export interface InquiryUpdate {
  status: InquiryStatus;
  agentId?: string;
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
}

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

/**
 * Durability: every write has reached stable storage when its promise
 * resolves (SQLite: WAL with synchronous=FULL), so what the server has
 * acknowledged to a client survives a crash or a power loss.
 */
export interface Store {
  /** Cheap round trip for /ready. Resolves false instead of throwing. */
  ping(): Promise<boolean>;
  /** Version of the newest applied migration. */
  schemaVersion(): Promise<number>;

  createUser(user: UserRecord): Promise<void>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  findUserById(id: UserId): Promise<UserRecord | undefined>;
  /** Resolves false if the user is unknown. */
  setPasswordHash(id: UserId, passwordHash: string): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  /** The session if it exists and has not expired at `now`. */
  findSession(tokenHash: string, now: Date): Promise<SessionRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteExpiredSessions(now: Date): Promise<number>;

  /** Rejects with a StoreConflictError if the id exists. */
  createKiosk(kiosk: KioskRecord): Promise<void>;
  findKiosk(id: KioskId): Promise<KioskRecord | undefined>;
  listKiosks(): Promise<KioskRecord[]>;
  touchKiosk(id: KioskId, at: Date): Promise<void>;
  /** Replaces the credential hash (credential rotation); resolves false if the kiosk is unknown. */
  setKioskCredential(id: KioskId, credentialHash: string): Promise<boolean>;

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
  /** Median and 90th percentile of resolvedAt − createdAt per topic, over cases resolved in [from, to). */
  inquiryResponseTimes(from: Date, to: Date): Promise<TopicResponseTimes[]>;

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
