/**
 * The call's text chat on the console (call-client chat.ts holds it): what
 * the resident and staff wrote, in the server's order; Enter sends, Shift+Enter
 * starts a new line. Whether the resident chose to keep the conversation with
 * their case is shown as they change it. Collapsible, with a count of
 * messages that came while collapsed. Supervisors and interpreters who joined
 * read and write as the agent does.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Chat, ChatProblem } from '@citizen/call-client';

const PROBLEM: Record<ChatProblem, string> = {
  'rate-limited': 'Too many messages at once: wait a few seconds, then send again.',
  'too-long': 'The message is too long.',
  empty: 'The message is empty.',
  full: 'This call has reached its message limit.',
  failed: 'The message was not sent. Try again.',
};
const COUNTER_FROM = 100;

export function ChatPanel({ chat }: { chat: Chat }) {
  const [draft, setDraft] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const messages = chat.messages.value;
  const open = chat.open.value;
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [messages.length, open]);
  const left = chat.left(draft);
  const problem: ChatProblem | null = left < 0 ? 'too-long' : chat.problem.value;
  const send = async (): Promise<void> => {
    if (await chat.send(draft)) setDraft('');
  };
  return (
    <section class="chat" aria-labelledby="chat-heading" data-testid="chat">
      <div class="chat-head">
        <h3 id="chat-heading">Chat</h3>
        <span class={chat.kept.value ? 'chat-kept yes' : 'chat-kept'} data-testid="chat-kept" data-kept={String(chat.kept.value)}>
          {chat.kept.value ? 'The resident wants this chat kept with the case' : 'Not kept: the chat is deleted when the call ends'}
        </span>
        <button type="button" class="secondary" aria-expanded={open} onClick={() => chat.setOpen(!open)} data-testid="chat-toggle">
          {open ? 'Hide chat' : 'Show chat'}
          {!open && chat.unread.value > 0 && (
            <span class="badge" data-testid="chat-unread" aria-label={`${chat.unread.value} unread`}>
              {chat.unread.value}
            </span>
          )}
        </button>
      </div>
      {open && (
        <>
          <ol class="chat-log" role="log" aria-live="polite" aria-labelledby="chat-heading" ref={list} data-testid="chat-log">
            {messages.map((m) => (
              <li class={m.own ? 'own' : 'theirs'} key={m.messageId} data-testid="chat-message" data-role={m.from.role}>
                <span class="who">
                  {m.own ? 'You' : `${m.from.displayName} (${m.from.role})`} · <time dateTime={m.at}>{new Date(m.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>
                </span>
                <p dir="auto">{m.text}</p>
              </li>
            ))}
          </ol>
          {messages.length === 0 && <p class="muted">No messages yet. The resident can write to you from the kiosk.</p>}
          <label class="chat-field">
            Message
            <textarea
              rows={2}
              dir="auto"
              value={draft}
              onInput={(e) => setDraft(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                  e.preventDefault();
                  void send();
                }
              }}
              data-testid="chat-input"
            />
          </label>
          <div class="row">
            <button type="button" disabled={chat.sending.value || draft.trim() === '' || left < 0} onClick={() => void send()} data-testid="chat-send">
              Send
            </button>
            {left <= COUNTER_FROM && (
              <span class={left < 0 ? 'chat-left over' : 'chat-left'} data-testid="chat-left">
                {left} characters left
              </span>
            )}
          </div>
          {problem && (
            <p role="alert" class="error" data-testid="chat-problem" data-problem={problem}>
              {PROBLEM[problem]}
            </p>
          )}
        </>
      )}
    </section>
  );
}
