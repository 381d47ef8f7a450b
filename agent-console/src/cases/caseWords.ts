/**
 * What the console calls a case's statuses, next steps and history events,
 * for staff (the resident's wording is the status page's, on the server).
 * Plain functions, so the history reads the same in tests as on screen.
 */
import type { CaseStatus, ContactStatus, InquiryEvent, NextStep } from '@citizen/protocol';

export const CASE_STATUS_LABEL: Record<CaseStatus, string> = {
  received: 'Received',
  'in-progress': 'In progress',
  'waiting-for-resident': 'Waiting for the resident',
  resolved: 'Resolved',
};

/** Staff's short names for the receipts' next steps (the resident reads a sentence for each on the status page). */
export const NEXT_STEP_LABEL: Record<NextStep, string> = {
  'answer-digital-post': 'Answer by Digital Post',
  'bring-id': 'Resident brings photo ID',
  'track-online': 'Resident follows the case online',
  'book-appointment': 'Resident books an appointment',
  'agent-will-call': 'We call the resident',
};

export const CONTACT_STATUS_LABEL: Record<ContactStatus, string> = {
  queued: 'waiting for an agent',
  'in-call': 'in a call',
  ended: 'call ended',
  abandoned: 'left before an answer',
};

const RESIDENT_ANSWER: Record<Extract<InquiryEvent, { kind: 'resident-answered' }>['answer'], string> = {
  read: 'read',
  confirmed: 'confirmed',
  'not-correct': 'said this is not correct',
};

/** How the history names people: "you" for the signed-in user, otherwise the staff id (agents cannot list staff names). */
export interface Naming {
  selfId: string;
  /** The label of an outcome code ("Answered during the call"); the code itself when it is no longer configured. */
  outcome: (code: string) => string;
}

export function staffName(id: string | null, naming: Naming): string {
  if (id === null) return 'nobody';
  return id === naming.selfId ? 'you' : id;
}

export function actorName(actor: InquiryEvent['actor'], naming: Naming): string {
  switch (actor.kind) {
    case 'staff':
      return staffName(actor.userId, naming);
    case 'kiosk':
      return 'the kiosk';
    case 'system':
      return 'the system';
  }
}

/** One history entry as a sentence. */
export function describeEvent(e: InquiryEvent, naming: Naming): string {
  switch (e.kind) {
    case 'created':
      return e.place ? `Inquiry made at ${e.place}` : 'Inquiry made';
    case 'status-changed':
      return `Status ${CASE_STATUS_LABEL[e.from]} → ${CASE_STATUS_LABEL[e.to]}`;
    case 'note':
      return `Note: ${e.text}`;
    case 'outcome':
      return `Outcome ${e.outcomeCode === null ? 'cleared' : naming.outcome(e.outcomeCode)} · next step ${e.nextStep === null ? 'none' : NEXT_STEP_LABEL[e.nextStep]}`;
    case 'assigned':
      return e.to === null ? `Unassigned (was ${staffName(e.from, naming)})` : `Assigned to ${staffName(e.to, naming)}`;
    case 'contact-started':
      return `Call answered by ${staffName(e.agentId, naming)}`;
    case 'contact-ended':
      return e.contactStatus === 'abandoned' ? 'The resident left before an answer' : `Call ended${e.endReason ? ` (${e.endReason})` : ''}`;
    case 'shown-on-kiosk':
      return `Shown on the kiosk ${e.pushKind === 'confirm' ? 'to confirm' : 'to read'}: ${e.title}`;
    case 'resident-answered':
      return `The resident ${RESIDENT_ANSWER[e.answer]}: ${e.title}`;
    case 'printed-at-kiosk':
      return e.ok ? `Printed at the kiosk: ${e.title}` : `Could not print at the kiosk${e.code ? ` (${e.code})` : ''}: ${e.title}`;
    case 'transferred': {
      const to = e.toUser !== null ? staffName(e.toUser, naming) : e.toQueue !== null ? `the queue ${e.toQueue}` : 'another agent';
      return `Transferred to ${to}${e.note ? `: ${e.note}` : ''}`;
    }
    case 'chat-transcript':
      return `Chat kept at the resident's wish (${e.messages.length} message${e.messages.length === 1 ? '' : 's'}): ${e.messages.map((m) => `${m.name}: ${m.text}`).join(' · ')}`;
  }
}
