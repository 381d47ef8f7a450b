/**
 * Writing with the staff during a call (call-client chat.ts holds the
 * messages): for a resident who cannot hear or speak, or when sound fails.
 * "Write instead" is there from the first moment of the call; a resident who
 * stated the hearing need finds the panel open. Text comes from the on-screen
 * keyboard of the resident's language and script (a physical keyboard works
 * too); each message is laid out in its own direction, so Arabic reads right
 * to left on a Danish screen and the other way round. Nothing is stored on
 * the kiosk; the resident alone decides whether the conversation is kept
 * with their case.
 *
 * Its own chunk (loaded as the call starts): the kiosk's start-up bundle has
 * no room for it. Values it needs from modules in the start-up bundle (the
 * keyboard's layout) come as props, so no module moves out of it into a
 * shared chunk.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Chat, ChatProblem } from '@citizen/call-client/chat';
import type { UiStrings } from '../i18n';
import { chatWords } from './chatWords';
import { Keyboard } from '../keyboard/Keyboard';
import type { Layout } from '../keyboard/layouts';

/** Characters left from which the counter shows. */
const COUNTER_FROM = 100;
/** Room for a few characters over the limit, so the resident sees the counter go below zero and why sending stops. */
const TYPE_OVER = 20;

export function ChatPanel({ chat, t, layout }: { chat: Chat; t: UiStrings; layout: Layout }) {
  const [draft, setDraft] = useState('');
  const w = useMemo(() => chatWords(t), [t]);
  const list = useRef<HTMLOListElement>(null);
  const messages = chat.messages.value;
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [messages.length, chat.open.value]);
  if (!chat.open.value) {
    const unread = chat.unread.value;
    return (
      <button type="button" class="big primary chat-open" onClick={() => chat.setOpen(true)} data-testid="chat-open">
        <span aria-hidden="true">✍</span> {w.chatOpen}
        {unread > 0 && (
          <span class="badge" data-testid="chat-unread">
            {w.chatUnread(unread)}
          </span>
        )}
      </button>
    );
  }
  const left = chat.left(draft);
  const problem: ChatProblem | null = left < 0 ? 'too-long' : chat.problem.value;
  const send = async (): Promise<void> => {
    if (await chat.send(draft)) setDraft('');
  };
  const time = (at: string): string => new Date(at).toLocaleTimeString(t.locale, { hour: '2-digit', minute: '2-digit' });
  return (
    <section class="chat" aria-labelledby="chat-title" data-testid="chat">
      <div class="chat-head">
        <h3 id="chat-title">{w.chatTitle}</h3>
        <button type="button" class="secondary" onClick={() => chat.setOpen(false)} data-testid="chat-hide">
          {w.chatHide}
        </button>
      </div>
      <ol class="chat-log" role="log" aria-live="polite" aria-labelledby="chat-title" ref={list} data-testid="chat-log">
        {messages.map((m) => (
          <li class={m.own ? 'own' : 'theirs'} key={m.messageId} data-testid="chat-message" data-role={m.from.role}>
            <span class="who">
              {m.own ? w.chatYou : m.from.displayName} · <time dateTime={m.at}>{time(m.at)}</time>
            </span>
            <p dir="auto" class="text">
              {m.text}
            </p>
          </li>
        ))}
      </ol>
      {messages.length === 0 && <p class="hint">{w.chatEmpty}</p>}
      <label class="field chat-field">
        {w.chatLabel}
        <textarea
          rows={2}
          dir="auto"
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void send();
            }
          }}
          data-testid="chat-input"
        />
      </label>
      {left <= COUNTER_FROM && (
        <p class={left < 0 ? 'chat-left over' : 'chat-left'} data-testid="chat-left">
          {w.chatLeft(left)}
        </p>
      )}
      {problem && (
        <p role="alert" class="notice error" data-testid="chat-problem" data-problem={problem}>
          {{ 'rate-limited': w.chatRateLimited, 'too-long': w.chatTooLong, full: w.chatFull, failed: w.chatFailed, empty: w.chatFailed }[problem]}
        </p>
      )}
      <Keyboard layout={layout} value={draft} onChange={setDraft} maxLength={chat.max + TYPE_OVER} labels={{ label: w.chatLabel, deleteKey: t.deleteDigit, space: t.space }} />
      <button type="button" class="big primary" disabled={chat.sending.value || draft.trim() === '' || left < 0} onClick={() => void send()} data-testid="chat-send">
        {t.send}
      </button>
      <label class="consent">
        <input type="checkbox" checked={chat.kept.value} onChange={(e) => void chat.setKept(e.currentTarget.checked)} data-testid="chat-keep" />
        <span>
          {w.chatKeep}
          <small>{w.chatKeepHint}</small>
        </span>
      </label>
    </section>
  );
}
