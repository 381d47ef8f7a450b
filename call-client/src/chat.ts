/**
 * One side's view of a call's text chat (protocol inCall.ts ChatMessage), as
 * signals: the kiosk's and the console's panels both draw from it.
 *
 * - The server sends every message to everyone in the call, the sender too, in
 *   its own order; this list is that order (a message is shown once it comes
 *   back, so both sides always see the same conversation). Resent messages
 *   (a resumed socket) are dropped by id.
 * - One call at a time: a message or `begin` for another call starts afresh,
 *   so nothing of one resident's chat reaches the next. The same call again (a
 *   transfer, a resync) keeps what was said.
 * - Refusals become a few plain reasons the panels put in words; text over the
 *   limit is refused here before it is sent.
 * - `kept`: whether the resident chose to keep the chat with their case (the
 *   kiosk sets it, staff are told with `chatKept`).
 */
import { signal } from '@preact/signals';
import { CHAT_MAX_CHARS, type COMMON_REQUESTS, type ChatMessage, type KIOSK_REQUESTS, type Requester } from '@citizen/protocol';
import type { SignalClient } from './SignalClient';

export { CHAT_MAX_CHARS };

export type ChatProblem = 'rate-limited' | 'too-long' | 'empty' | 'full' | 'failed';

export interface ChatLink {
  send(callId: string, text: string): Promise<unknown>;
  /** The resident's consent (kiosk only). */
  keep?(callId: string, keep: boolean): Promise<unknown>;
  /** Whether a message is this side's own (drawn on the other side of the list). */
  own(message: ChatMessage): boolean;
}

const PROBLEMS: Record<string, ChatProblem> = { RATE_LIMITED: 'rate-limited', LIMIT_REACHED: 'full', INVALID_DATA: 'empty' };

export function createChat(link: ChatLink) {
  let callId: string | null = null;
  const messages = signal<(ChatMessage & { own: boolean })[]>([]);
  const open = signal(false);
  const unread = signal(0);
  const kept = signal(false);
  const sending = signal(false);
  const problem = signal<ChatProblem | null>(null);

  function reset(id: string | null, openAtStart: boolean): void {
    callId = id;
    messages.value = [];
    open.value = openAtStart;
    unread.value = 0;
    kept.value = false;
    sending.value = false;
    problem.value = null;
  }

  return {
    messages,
    open,
    unread,
    kept,
    sending,
    problem,
    /** The most characters a message may have. */
    max: CHAT_MAX_CHARS,
    /** How many more characters fit in a message of `text`. */
    left: (text: string): number => CHAT_MAX_CHARS - text.trim().length,
    callId: (): string | null => callId,
    /** A call starts (or goes on): a new call's chat starts empty, open at once if asked (a resident who stated the hearing need). */
    begin(id: string, openAtStart = false): void {
      if (id !== callId) reset(id, openAtStart);
      else if (openAtStart) open.value = true;
    },
    receive(m: ChatMessage): void {
      if (m.callId !== callId) reset(m.callId, false);
      if (messages.value.some((x) => x.messageId === m.messageId)) return;
      const own = link.own(m);
      messages.value = [...messages.value, { ...m, own }];
      if (!open.value && !own) unread.value++;
    },
    setOpen(on: boolean): void {
      open.value = on;
      if (on) unread.value = 0;
    },
    /** Sends `text`; resolves true once the server took it (the message itself comes back with `receive`). */
    async send(text: string): Promise<boolean> {
      const id = callId;
      const clean = text.trim();
      problem.value = !id ? 'failed' : clean === '' ? 'empty' : clean.length > CHAT_MAX_CHARS ? 'too-long' : null;
      if (problem.value || !id || sending.value) return false;
      sending.value = true;
      try {
        await link.send(id, clean);
        return true;
      } catch (err) {
        if (callId === id) problem.value = PROBLEMS[(err as { code?: string }).code ?? ''] ?? 'failed';
        return false;
      } finally {
        if (callId === id) sending.value = false;
      }
    },
    /** The resident's choice; shown at once, taken back if the server did not hear it. */
    async setKept(keep: boolean): Promise<void> {
      const id = callId;
      if (!id || !link.keep) return;
      kept.value = keep;
      try {
        await link.keep(id, keep);
      } catch {
        if (callId === id) {
          kept.value = !keep;
          problem.value = 'failed';
        }
      }
    },
    /** Staff: the resident's choice, as the server tells it. */
    noteKept(id: string, keep: boolean): void {
      if (id === callId) kept.value = keep;
    },
    dismiss(): void {
      problem.value = null;
    },
    /** The call or the session is over: nothing of it stays. */
    clear(): void {
      reset(null, false);
    },
  };
}
export type Chat = ReturnType<typeof createChat>;

type SendMethods = Pick<typeof COMMON_REQUESTS, 'sendChat'>;
/** What the chat needs of a signalling client: kiosk's and staff's both have it. */
export type ChatClient = Requester<SendMethods> & Pick<SignalClient<SendMethods>, 'on'>;

/**
 * A chat on a signalling client: sends with `sendChat`, takes `chatMessage`
 * and `chatKept`; `keeper` (the kiosk's client) lets the resident choose to
 * keep it.
 */
export function connectChat(client: ChatClient, own: ChatLink['own'], keeper?: Requester<Pick<typeof KIOSK_REQUESTS, 'keepChat'>>): Chat {
  const chat = createChat({
    send: (callId, text) => client.request('sendChat', { callId, text }),
    ...(keeper ? { keep: (callId: string, keep: boolean) => keeper.request('keepChat', { callId, keep }) } : {}),
    own,
  });
  client.on('chatMessage', (m) => chat.receive(m));
  client.on('chatKept', ({ callId, keep }) => chat.noteKept(callId, keep));
  return chat;
}
