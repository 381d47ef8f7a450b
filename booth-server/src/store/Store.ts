/**
 * The store interface booth-server is written against. It is async and narrow
 * so that a server database (PostgreSQL) can implement it for sites that run
 * several booth-server nodes; SqliteStore is the embedded default.
 */
import type { AgentSkills, KioskId, Role, UserId } from '@citizen/protocol';

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
}

export interface InquiryUpdate {
  status: InquiryStatus;
  agentId?: string;
  endReason?: string;
  endedAt?: Date;
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

  createInquiry(inquiry: InquiryRecord): Promise<void>;
  updateInquiry(id: string, update: InquiryUpdate): Promise<void>;
  findInquiry(id: string): Promise<InquiryRecord | undefined>;
  findInquiryByReference(reference: string): Promise<InquiryRecord | undefined>;
  /**
   * Closes every inquiry still queued (as abandoned) or in a call (as ended),
   * with `endReason`: at start-up, for rows a previous process could not close.
   * Resolves with how many rows it closed.
   */
  closeOpenInquiries(now: Date, endReason: string): Promise<number>;

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
