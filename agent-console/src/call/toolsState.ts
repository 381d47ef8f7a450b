/**
 * The agent's tools during a call, as signals: what they showed on the kiosk
 * and the resident's answers, what they printed there and how it went, whom
 * they invited, the colleagues and queues to invite or transfer to, and an
 * invitation into someone else's call. Everything belongs to one call and is
 * cleared when it ends.
 */
import { signal } from '@preact/signals';
import type { Invitation, KioskDocument, KioskPush, PushAnswer, StaffMember, StaffRequests, TransferTarget } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';

export interface SentPush {
  pushId: string;
  title: string;
  kind: KioskPush['kind'];
  answer: PushAnswer | null;
}
export interface SentPrint {
  printId: string;
  title: string;
  outcome: { ok: boolean; code?: string; queued?: boolean } | null;
}
export interface SentInvitation {
  userId: string;
  name: string;
  as: 'supervisor' | 'interpreter';
  state: 'invited' | 'joined' | 'declined' | 'call-ended';
}

export function createToolsState(client: SignalClient<StaffRequests>, callId: () => string | null) {
  const pushes = signal<SentPush[]>([]);
  const prints = signal<SentPrint[]>([]);
  const invited = signal<SentInvitation[]>([]);
  const staff = signal<StaffMember[]>([]);
  const queues = signal<{ id: string; name: string; open: boolean }[]>([]);
  /** Someone invites this staff member into their call. */
  const invitation = signal<Invitation | null>(null);

  client.on('pushAnswered', ({ callId: c, pushId, answer }) => {
    if (c === callId()) pushes.value = pushes.value.map((p) => (p.pushId === pushId ? { ...p, answer } : p));
  });
  client.on('printResult', ({ callId: c, printId, ...outcome }) => {
    if (c === callId()) prints.value = prints.value.map((p) => (p.printId === printId ? { ...p, outcome } : p));
  });
  client.on('callInvitation', (inv) => (invitation.value = inv));
  client.on('invitationClosed', ({ callId: c, userId, reason }) => {
    if (invitation.value?.callId === c && reason === 'call-ended') invitation.value = null;
    if (c === callId()) invited.value = invited.value.map((i) => (i.userId === userId && i.state === 'invited' ? { ...i, state: reason } : i));
  });

  const current = (): string => {
    const id = callId();
    if (!id) throw new Error('no call in progress');
    return id;
  };

  return {
    pushes,
    prints,
    invited,
    staff,
    queues,
    invitation,
    async refreshStaff(): Promise<void> {
      const r = await client.request('listStaff', {});
      staff.value = r.staff;
      queues.value = r.queues;
    },
    async push(item: KioskPush): Promise<void> {
      const { pushId } = await client.request('pushToKiosk', { callId: current(), item });
      pushes.value = [...pushes.value, { pushId, title: item.title, kind: item.kind, answer: null }];
    },
    async print(document: KioskDocument): Promise<void> {
      const { printId } = await client.request('printAtKiosk', { callId: current(), document });
      prints.value = [...prints.value, { printId, title: document.title, outcome: null }];
    },
    async invite(member: StaffMember, as: 'supervisor' | 'interpreter'): Promise<void> {
      await client.request('inviteToCall', { callId: current(), userId: member.userId, as });
      invited.value = [...invited.value.filter((i) => i.userId !== member.userId), { userId: member.userId, name: member.displayName, as, state: 'invited' }];
    },
    async transfer(to: TransferTarget, note: string): Promise<void> {
      await client.request('transferCall', { callId: current(), to, ...(note.trim() ? { note: note.trim() } : {}) });
    },
    async declineInvitation(): Promise<void> {
      const inv = invitation.value;
      invitation.value = null;
      if (inv) await client.request('declineInvitation', { callId: inv.callId });
    },
    /** The call is over (ended, transferred): its tools' state goes. */
    clear(): void {
      pushes.value = [];
      prints.value = [];
      invited.value = [];
    },
  };
}
export type ToolsState = ReturnType<typeof createToolsState>;
