/**
 * In-call text chat (protocol src/inCall.ts ChatMessage): between the
 * resident and everyone in their call, through the signalling channel. For a
 * deaf or hard-of-hearing resident from the first moment of a call, and for
 * everyone when sound or video fail.
 *
 * - Only a call in progress has a chat, and only its participants (the kiosk,
 *   the agent, a supervisor or interpreter who joined) may write; each message
 *   goes to all of them, the sender too, in the order the server took them.
 * - Text is checked where it enters (the method's schema: 1 to 1,000
 *   characters) and cleaned here: control characters go, except line breaks;
 *   what is left must not be blank.
 * - Limits: MAX_PER_CALL messages in a call, and per sender RATE_COUNT in
 *   RATE_WINDOW_MS (a stuck key or a script cannot flood the others' screens).
 * - What was said stays in memory for the call only. The resident chooses
 *   (`keepChat`) whether it is kept with their case; when the call ends it is
 *   written to the inquiry's history as one `chat-transcript` event if they
 *   chose so, and forgotten either way. A transfer keeps the call and so its
 *   chat.
 */
import { CHAT_MAX_CHARS, type ChatMessage, type InquiryEventData, type NotificationData, type Notifications } from '@citizen/protocol';
import type { Store } from '../store/Store';
import type { CallBook } from './CallBook';
import { SignalFailure } from './errors';
import { newId, type Session, type SessionRegistry } from './sessions';

export const CHAT_LIMITS = { MAX_PER_CALL: 500, RATE_COUNT: 10, RATE_WINDOW_MS: 10_000 } as const;

interface CallLog {
  messages: ChatMessage[];
  keep: boolean;
  /** Per sender: the times of their recent messages. */
  recent: Map<string, number[]>;
}

export interface CallChatDeps {
  calls: CallBook;
  sessions: SessionRegistry;
  store: Store;
  notify: <K extends keyof Notifications>(s: Session | null | undefined, method: K, data: NotificationData<K>) => void;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx: Record<string, unknown>) => void;
  now?: () => number;
}

/** Control characters other than line feed and tab; carriage returns become line feeds. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

export function cleanChatText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '').replace(/\n{3,}/g, '\n\n').trim().slice(0, CHAT_MAX_CHARS);
}

export class CallChat {
  readonly #logs = new Map<string, CallLog>();
  readonly #now: () => number;

  constructor(private readonly d: CallChatDeps) {
    this.#now = d.now ?? Date.now;
  }

  send(session: Session, callId: string, raw: string): { messageId: string; at: string } {
    const call = this.d.calls.member(session, callId);
    const room = call.room;
    if (call.state.step !== 'in-call' || !room) throw new SignalFailure('WRONG_STATE', 'chat is open while the call is in progress');
    const text = cleanChatText(raw);
    if (!text) throw new SignalFailure('INVALID_DATA', 'the message is empty');
    const log = this.#log(callId);
    if (log.messages.length >= CHAT_LIMITS.MAX_PER_CALL) throw new SignalFailure('LIMIT_REACHED', `at most ${CHAT_LIMITS.MAX_PER_CALL} chat messages in one call`);
    const now = this.#now();
    const times = (log.recent.get(session.id) ?? []).filter((t) => t > now - CHAT_LIMITS.RATE_WINDOW_MS);
    if (times.length >= CHAT_LIMITS.RATE_COUNT) throw new SignalFailure('RATE_LIMITED', `at most ${CHAT_LIMITS.RATE_COUNT} chat messages in ${CHAT_LIMITS.RATE_WINDOW_MS / 1000} s`);
    times.push(now);
    log.recent.set(session.id, times);
    const me = room.participants().find((p) => p.participantId === session.id);
    const from: ChatMessage['from'] = me ?? { participantId: session.id, role: session.kind === 'kiosk' ? 'resident' : 'agent', displayName: session.kind === 'kiosk' ? 'Resident' : session.user.displayName };
    const message: ChatMessage = { callId, messageId: newId('m'), from, text, at: new Date(now).toISOString() };
    log.messages.push(message);
    for (const p of room.participants()) this.d.notify(this.d.sessions.byId(p.participantId), 'chatMessage', message);
    return { messageId: message.messageId, at: message.at };
  }

  /** The resident's choice about keeping the chat with their case; staff in the call are told. */
  keep(session: Session, callId: string, keep: boolean): void {
    if (session.kind !== 'kiosk') throw new SignalFailure('FORBIDDEN', 'only the resident decides whether the chat is kept');
    const call = this.d.calls.member(session, callId);
    this.#log(callId).keep = keep;
    for (const p of call.room?.participants() ?? []) {
      const s = this.d.sessions.byId(p.participantId);
      if (s?.kind === 'staff') this.d.notify(s, 'chatKept', { callId, keep });
    }
  }

  /** The call becomes a callback on a bad network: its chat is kept with the case, for whoever calls back. */
  keepForCallback(callId: string): void {
    this.#log(callId).keep = true;
  }

  /** The call is over: its chat is written to the case if the resident chose so, and forgotten. */
  callEnded(callId: string): void {
    const log = this.#logs.get(callId);
    this.#logs.delete(callId);
    if (!log?.keep || log.messages.length === 0) return;
    const event: InquiryEventData = {
      kind: 'chat-transcript',
      messages: log.messages.map((m) => ({ role: m.from.role, name: m.from.displayName, text: m.text, at: m.at })),
    };
    this.d.store.recordInquiryEvent(callId, event, new Date(this.#now()), { kind: 'kiosk' }).catch((err: unknown) => this.d.log('error', 'keeping the chat failed', { call: callId, error: String(err) }));
  }

  /** Messages held now (tests, metrics). */
  held(callId: string): number {
    return this.#logs.get(callId)?.messages.length ?? 0;
  }

  #log(callId: string): CallLog {
    let log = this.#logs.get(callId);
    if (!log) this.#logs.set(callId, (log = { messages: [], keep: false, recent: new Map() }));
    return log;
  }
}
