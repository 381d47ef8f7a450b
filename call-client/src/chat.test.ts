import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@citizen/protocol';
import { CHAT_MAX_CHARS, createChat, type ChatLink } from './chat';

const msg = (callId: string, messageId: string, role: ChatMessage['from']['role'], text: string): ChatMessage => ({
  callId,
  messageId,
  from: { participantId: `p-${role}`, role, displayName: role },
  text,
  at: '2026-11-30T10:00:00.000Z',
});

function setup(over: Partial<ChatLink> = {}) {
  const sent: [string, string][] = [];
  const keeps: boolean[] = [];
  const chat = createChat({
    send: async (callId, text) => void sent.push([callId, text]),
    keep: async (_callId, keep) => void keeps.push(keep),
    own: (m) => m.from.role === 'resident',
    ...over,
  });
  return { chat, sent, keeps };
}

describe('call chat state', () => {
  it('lists messages in the order they come back, once each, marking its own', () => {
    const { chat } = setup();
    chat.begin('c1');
    chat.receive(msg('c1', 'm1', 'resident', 'Hej'));
    chat.receive(msg('c1', 'm2', 'agent', 'Goddag'));
    chat.receive(msg('c1', 'm1', 'resident', 'Hej'));
    expect(chat.messages.value.map((m) => [m.messageId, m.own])).toEqual([
      ['m1', true],
      ['m2', false],
    ]);
  });

  it('counts others’ messages as unread while closed, and none once opened', () => {
    const { chat } = setup();
    chat.begin('c1');
    chat.receive(msg('c1', 'm1', 'agent', 'a'));
    chat.receive(msg('c1', 'm2', 'resident', 'b'));
    chat.receive(msg('c1', 'm3', 'supervisor', 'c'));
    expect(chat.unread.value).toBe(2);
    chat.setOpen(true);
    expect(chat.unread.value).toBe(0);
    chat.receive(msg('c1', 'm4', 'agent', 'd'));
    expect(chat.unread.value).toBe(0);
  });

  it('opens at once when asked (the hearing need), and starts afresh for another call but not the same one', () => {
    const { chat } = setup();
    chat.begin('c1', true);
    expect(chat.open.value).toBe(true);
    chat.receive(msg('c1', 'm1', 'agent', 'a'));
    void chat.setKept(true);
    chat.begin('c1');
    expect(chat.messages.value).toHaveLength(1);
    expect(chat.kept.value).toBe(true);
    chat.receive(msg('c2', 'm9', 'agent', 'next'));
    expect(chat.messages.value.map((m) => m.messageId)).toEqual(['m9']);
    expect([chat.kept.value, chat.open.value, chat.callId()]).toEqual([false, false, 'c2']);
    chat.clear();
    expect([chat.messages.value.length, chat.callId()]).toEqual([0, null]);
  });

  it('sends trimmed text, refuses blank and overlong text without sending', async () => {
    const { chat, sent } = setup();
    chat.begin('c1');
    expect(await chat.send('  hello \n')).toBe(true);
    expect(await chat.send('   ')).toBe(false);
    expect(chat.problem.value).toBe('empty');
    expect(await chat.send('x'.repeat(CHAT_MAX_CHARS + 1))).toBe(false);
    expect(chat.problem.value).toBe('too-long');
    expect(chat.left('x'.repeat(CHAT_MAX_CHARS - 5))).toBe(5);
    expect(sent).toEqual([['c1', 'hello']]);
    expect(await chat.send('again')).toBe(true);
    expect(chat.problem.value).toBeNull();
  });

  it('puts the server’s refusals in plain reasons', async () => {
    let code = 'RATE_LIMITED';
    const { chat } = setup({ send: () => Promise.reject(Object.assign(new Error('no'), { code })) });
    chat.begin('c1');
    expect(await chat.send('a')).toBe(false);
    expect(chat.problem.value).toBe('rate-limited');
    code = 'LIMIT_REACHED';
    await chat.send('a');
    expect(chat.problem.value).toBe('full');
    code = 'SOMETHING_ELSE';
    await chat.send('a');
    expect(chat.problem.value).toBe('failed');
    expect(chat.sending.value).toBe(false);
  });

  it('takes the consent back when the server did not hear it; staff follow chatKept for their call only', async () => {
    const { chat, keeps } = setup({ keep: () => Promise.reject(new Error('socket closed')) });
    chat.begin('c1');
    await chat.setKept(true);
    expect([chat.kept.value, chat.problem.value]).toEqual([false, 'failed']);
    const staff = setup().chat;
    staff.begin('c1');
    staff.noteKept('c0', true);
    expect(staff.kept.value).toBe(false);
    staff.noteKept('c1', true);
    expect(staff.kept.value).toBe(true);
    expect(keeps).toEqual([]);
  });
});
