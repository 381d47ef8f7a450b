/**
 * An inquiry as a case the resident can follow by its reference: the case
 * status staff move it through, the outcome, the next step, the promised
 * response date and the case trail (history events). One schema per body.
 *
 * Two audiences, two shapes: staff get `InquiryCase` and its history
 * (answers, notes, who handled it); the public status lookup gets
 * `PublicInquiryStatus`, which has no field that could carry personal data
 * (no answers, names, card data, notes or agent), so a serializer bug cannot
 * leak what the type does not hold.
 *
 * The case status is not the call/contact status (`contactStatus`: queued,
 * in-call, ended, abandoned), which the call layer writes; a case stays open
 * long after the call ended.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { LanguageTag, TopicKey } from './http';
import { NextStep, ReceiptLanguage, ReferenceSchema } from './vocab';

function literalUnion<const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v as T[number])));
}
const DateTime = Type.String({ format: 'date-time' });
// Null first: fastify's ajv coerces types, and with the string branch first a
// null would be coerced to "" and pass as a string.
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

/** Where a case stands for the resident. `resolved` sets resolvedAt; leaving it clears resolvedAt. */
export const CASE_STATUSES = ['received', 'in-progress', 'waiting-for-resident', 'resolved'] as const;
export const CaseStatus = literalUnion(CASE_STATUSES);
export type CaseStatus = Static<typeof CaseStatus>;

/** The call/contact status the call layer writes (InquiryJournal); read-only here. */
export const CONTACT_STATUSES = ['queued', 'in-call', 'ended', 'abandoned'] as const;
export const ContactStatus = literalUnion(CONTACT_STATUSES);
export type ContactStatus = Static<typeof ContactStatus>;

/** Outcome codes are configured per site (`inquiries.outcomeCodes`); this is only their shape. */
export const OUTCOME_CODE_PATTERN = '^[a-z0-9][a-z0-9-]{0,39}$';
export const OutcomeCode = Type.String({ pattern: OUTCOME_CODE_PATTERN });

/** The outcome codes staff may record (`inquiries.outcomeCodes`), in the configured order, with the labels staff read. */
export const OutcomeCodeList = Type.Object({
  outcomeCodes: Type.Array(Type.Object({ code: OutcomeCode, label: Type.String() })),
});
export type OutcomeCodeList = Static<typeof OutcomeCodeList>;

/** Inquiry ids as the call layer makes them (`c-…`); also short test ids. */
export const InquiryId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** Who did something to a case: a staff member, the kiosk (on the resident's behalf), or the server itself. */
export const InquiryActor = Type.Union([
  Type.Object({ kind: Type.Literal('staff'), userId: Type.String() }),
  Type.Object({ kind: Type.Literal('kiosk') }),
  Type.Object({ kind: Type.Literal('system') }),
]);
export type InquiryActor = Static<typeof InquiryActor>;

// Each event kind's own fields, written once and used both with and without
// the common envelope (id, time, actor) below.
const createdFields = { kind: Type.Literal('created'), place: Nullable(Type.String()) };
const statusChangedFields = { kind: Type.Literal('status-changed'), from: CaseStatus, to: CaseStatus };
const noteFields = { kind: Type.Literal('note'), text: Type.String() };
/** The outcome as recorded after the change: outcome code and next step together, as staff decide them together. */
const outcomeFields = { kind: Type.Literal('outcome'), outcomeCode: Nullable(OutcomeCode), nextStep: Nullable(NextStep) };
const assignedFields = { kind: Type.Literal('assigned'), from: Nullable(Type.String()), to: Nullable(Type.String()) };
const contactStartedFields = { kind: Type.Literal('contact-started'), agentId: Type.String() };
const contactEndedFields = {
  kind: Type.Literal('contact-ended'),
  contactStatus: Type.Union([Type.Literal('ended'), Type.Literal('abandoned')]),
  endReason: Nullable(Type.String()),
};
/** During a call: what the agent showed on the kiosk screen, and the resident's answer. */
const pushedFields = { kind: Type.Literal('shown-on-kiosk'), title: Type.String(), pushKind: Type.Union([Type.Literal('info'), Type.Literal('confirm')]) };
const pushAnsweredFields = { kind: Type.Literal('resident-answered'), title: Type.String(), answer: Type.Union([Type.Literal('read'), Type.Literal('confirmed'), Type.Literal('not-correct')]) };
/** A document printed at the kiosk for the resident (or not: `code`). */
const printedFields = { kind: Type.Literal('printed-at-kiosk'), title: Type.String(), ok: Type.Boolean(), code: Nullable(Type.String()) };
/** The call went on to another queue or agent. */
const transferredFields = { kind: Type.Literal('transferred'), toQueue: Nullable(Type.String()), toUser: Nullable(Type.String()), note: Nullable(Type.String()) };

/** A call's text chat, kept because the resident chose to (signalling keepChat). */
const chatFields = {
  kind: Type.Literal('chat-transcript'),
  messages: Type.Array(Type.Object({ role: Type.String(), name: Type.String(), text: Type.String(), at: Type.String({ description: 'ISO 8601 time' }) }), { maxItems: 500 }),
};

/** What happened, without when and by whom: what the store is given to record. */
export const InquiryEventData = Type.Union([
  Type.Object(createdFields),
  Type.Object(statusChangedFields),
  Type.Object(noteFields),
  Type.Object(outcomeFields),
  Type.Object(assignedFields),
  Type.Object(contactStartedFields),
  Type.Object(contactEndedFields),
  Type.Object(pushedFields),
  Type.Object(pushAnsweredFields),
  Type.Object(printedFields),
  Type.Object(transferredFields),
  Type.Object(chatFields),
]);
export type InquiryEventData = Static<typeof InquiryEventData>;
export type InquiryEventKind = InquiryEventData['kind'];

const envelope = { id: Type.Integer({ minimum: 1 }), at: DateTime, actor: InquiryActor };
/** One entry of a case's history, oldest first. Notes are the `note` events (staff only). */
export const InquiryEvent = Type.Union([
  Type.Object({ ...envelope, ...createdFields }),
  Type.Object({ ...envelope, ...statusChangedFields }),
  Type.Object({ ...envelope, ...noteFields }),
  Type.Object({ ...envelope, ...outcomeFields }),
  Type.Object({ ...envelope, ...assignedFields }),
  Type.Object({ ...envelope, ...contactStartedFields }),
  Type.Object({ ...envelope, ...contactEndedFields }),
  Type.Object({ ...envelope, ...pushedFields }),
  Type.Object({ ...envelope, ...pushAnsweredFields }),
  Type.Object({ ...envelope, ...printedFields }),
  Type.Object({ ...envelope, ...transferredFields }),
  Type.Object({ ...envelope, ...chatFields }),
]);
export type InquiryEvent = Static<typeof InquiryEvent>;

/** A case in staff lists: no answers (they are in the detail only). */
export const InquirySummary = Type.Object({
  id: InquiryId,
  reference: ReferenceSchema,
  kioskId: Type.String(),
  /** Where the kiosk stood when the inquiry was made (a snapshot: kiosks move). */
  place: Nullable(Type.String()),
  language: LanguageTag,
  topic: Nullable(Type.String()),
  contactStatus: ContactStatus,
  caseStatus: CaseStatus,
  outcomeCode: Nullable(OutcomeCode),
  nextStep: Nullable(NextStep),
  /** The agent who took the call. */
  agentId: Nullable(Type.String()),
  /** The staff member the case is assigned to for follow-up. */
  assigneeId: Nullable(Type.String()),
  createdAt: DateTime,
  promisedBy: Nullable(DateTime),
  resolvedAt: Nullable(DateTime),
});
export type InquirySummary = Static<typeof InquirySummary>;

export const InquiryDetail = Type.Object({
  inquiry: Type.Object({ ...InquirySummary.properties, answers: Type.Record(Type.String(), Type.String()), endReason: Nullable(Type.String()), endedAt: Nullable(DateTime) }),
  history: Type.Array(InquiryEvent),
});
export type InquiryDetail = Static<typeof InquiryDetail>;

export const InquiryListQuery = Type.Object(
  {
    caseStatus: Type.Optional(CaseStatus),
    topic: Type.Optional(TopicKey),
    /** Only cases I took the call of or am assigned to (agents never see others anyway). */
    mine: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  },
  { additionalProperties: false },
);
export type InquiryListQuery = Static<typeof InquiryListQuery>;

export const InquiryList = Type.Object({
  items: Type.Array(InquirySummary),
  /** How many match the filters (for paging). */
  total: Type.Integer({ minimum: 0 }),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
export type InquiryList = Static<typeof InquiryList>;

/** Changes to a case. Absent fields stay as they are; null clears. `assigneeId` is for supervisors only. */
export const InquiryPatch = Type.Object(
  {
    caseStatus: Type.Optional(CaseStatus),
    outcomeCode: Type.Optional(Nullable(OutcomeCode)),
    nextStep: Type.Optional(Nullable(NextStep)),
    assigneeId: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type InquiryPatch = Static<typeof InquiryPatch>;

export const NoteRequest = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }) },
  { additionalProperties: false },
);
export type NoteRequest = Static<typeof NoteRequest>;

export const NoteResponse = Type.Object({ note: Type.Object({ ...envelope, ...noteFields }) });
export type NoteResponse = Static<typeof NoteResponse>;

/** How long cases of a topic actually took (resolvedAt − createdAt), over a recent window. */
export const AchievedResponse = Type.Object({
  medianDays: Type.Number({ minimum: 0 }),
  /** Nine in ten cases were resolved within this. */
  p90Days: Type.Number({ minimum: 0 }),
  /** Resolved cases the figures are computed from. */
  resolvedCount: Type.Integer({ minimum: 1 }),
  windowDays: Type.Integer({ minimum: 1 }),
});
export type AchievedResponse = Static<typeof AchievedResponse>;

/**
 * What anyone holding the reference may see: no personal data by
 * construction (see the module comment). Texts are in `language`.
 */
export const PublicInquiryStatus = Type.Object({
  reference: ReferenceSchema,
  language: ReceiptLanguage,
  caseStatus: CaseStatus,
  caseStatusText: Type.String(),
  nextStep: Nullable(NextStep),
  nextStepText: Nullable(Type.String()),
  receivedAt: DateTime,
  place: Nullable(Type.String()),
  promisedBy: Nullable(DateTime),
  resolvedAt: Nullable(DateTime),
  /** Null while too few cases of the topic were resolved recently to say. */
  achieved: Nullable(AchievedResponse),
});
export type PublicInquiryStatus = Static<typeof PublicInquiryStatus>;

export const StatusLookupParams = Type.Object({ reference: Type.String({ minLength: 1, maxLength: 40 }) });
export type StatusLookupParams = Static<typeof StatusLookupParams>;

export const StatusLookupQuery = Type.Object({ lang: Type.Optional(ReceiptLanguage) }, { additionalProperties: false });
export type StatusLookupQuery = Static<typeof StatusLookupQuery>;
