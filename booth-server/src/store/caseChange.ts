/**
 * What a staff member's change does to a case, the same in every store: the
 * case as it is after the change, and the history events that record it
 * (status, outcome with next step, assignee — only what actually changed).
 * The stores read the case, call this and write the result in one
 * transaction.
 */
import type { InquiryEventData } from '@citizen/protocol';
import type { InquiryCaseChange, InquiryCaseRecord } from './Store';

export function applyCaseChange(before: InquiryCaseRecord, change: InquiryCaseChange, at: Date): { after: InquiryCaseRecord; events: InquiryEventData[] } {
  const after = { ...before };
  const events: InquiryEventData[] = [];
  if (change.caseStatus !== undefined && change.caseStatus !== before.caseStatus) {
    after.caseStatus = change.caseStatus;
    after.resolvedAt = change.caseStatus === 'resolved' ? at : null;
    events.push({ kind: 'status-changed', from: before.caseStatus, to: change.caseStatus });
  }
  if (change.outcomeCode !== undefined) after.outcomeCode = change.outcomeCode;
  if (change.nextStep !== undefined) after.nextStep = change.nextStep;
  if (after.outcomeCode !== before.outcomeCode || after.nextStep !== before.nextStep) {
    events.push({ kind: 'outcome', outcomeCode: after.outcomeCode, nextStep: after.nextStep });
  }
  if (change.assigneeId !== undefined && change.assigneeId !== before.assigneeId) {
    after.assigneeId = change.assigneeId;
    events.push({ kind: 'assigned', from: before.assigneeId, to: change.assigneeId });
  }
  return { after, events };
}
