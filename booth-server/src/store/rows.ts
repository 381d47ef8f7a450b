/**
 * Row codecs both stores share: where their columns hold the same values
 * (text, millisecond instants), one mapping serves SQLite and PostgreSQL.
 */
import { userId, type InquiryActor } from '@citizen/protocol';
import type { SessionRecord } from './Store';

export interface SessionRow {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  idle_expires_at: number;
}

/** How an inquiry event's actor is stored: a staff user id, or `kiosk` / `system`. */
export function actorText(actor: InquiryActor): string {
  return actor.kind === 'staff' ? actor.userId : actor.kind;
}

export function toActor(text: string): InquiryActor {
  return text === 'kiosk' || text === 'system' ? { kind: text } : { kind: 'staff', userId: text };
}

export function toSession(r: SessionRow): SessionRecord {
  return {
    tokenHash: r.token_hash,
    userId: userId(r.user_id),
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
    lastSeenAt: new Date(r.last_seen_at),
    idleExpiresAt: new Date(r.idle_expires_at),
  };
}
