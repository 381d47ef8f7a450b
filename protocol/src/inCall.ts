/**
 * What an agent does for the resident during a call besides talking: show
 * information on the kiosk screen (or ask the resident to confirm it), print
 * a document at the kiosk, invite a supervisor or an interpreter, and
 * transfer the call to another queue or agent with everything the resident
 * already said. One schema per message; the method tables in signalling.ts
 * use them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { LanguageTag } from './http';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const Text = (max: number, min = 0) => Type.String({ minLength: min, maxLength: max });

/** Shown on the kiosk over the call: to read, or to confirm or correct. */
export const KioskPush = Type.Union([
  Type.Object({ kind: Type.Literal('info'), title: Text(120, 1), body: Text(2000) }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('confirm'),
      title: Text(120, 1),
      body: Text(2000),
      /** What the resident is asked to confirm, as label/value rows (e.g. the address on file). */
      fields: Type.Array(Type.Object({ label: Text(80, 1), value: Text(300) }, { additionalProperties: false }), { maxItems: 12 }),
    },
    { additionalProperties: false },
  ),
]);
export type KioskPush = Static<typeof KioskPush>;

/** The resident's answer to a push: read (info), confirmed or not correct (confirm). */
export const PushAnswer = Type.Union([Type.Literal('read'), Type.Literal('confirmed'), Type.Literal('not-correct')]);
export type PushAnswer = Static<typeof PushAnswer>;

/**
 * A document printed at the kiosk's receipt printer: a title and lines of
 * text (wrapped to the paper), optionally with the inquiry's reference and
 * its status QR code.
 */
export const KioskDocument = Type.Object(
  {
    title: Text(80, 1),
    lines: Type.Array(Text(300), { minItems: 1, maxItems: 60 }),
    withReference: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type KioskDocument = Static<typeof KioskDocument>;

/** Codes a kiosk reports for a print that did not happen (the bridge's codes, or the renderer's own). */
export const PrintOutcome = Type.Object({
  ok: Type.Boolean(),
  code: Type.Optional(Type.String({ maxLength: 40, pattern: '^[A-Z_]+$' })),
  /** The job waits in the printer queue and prints when the printer recovers. */
  queued: Type.Optional(Type.Boolean()),
});
export type PrintOutcome = Static<typeof PrintOutcome>;

/** A staff member online, for invitations and transfers. */
export const StaffMember = Type.Object({
  userId: Id,
  displayName: Text(120),
  role: Type.Union([Type.Literal('agent'), Type.Literal('supervisor')]),
  languages: Type.Array(LanguageTag),
  state: Type.Union([Type.Literal('available'), Type.Literal('away'), Type.Literal('in-call'), Type.Literal('wrap-up')]),
});
export type StaffMember = Static<typeof StaffMember>;

/** Where a call goes: back to a queue (keeping the resident's place) or to one agent. */
export const TransferTarget = Type.Union([
  Type.Object({ queueId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$' }) }, { additionalProperties: false }),
  Type.Object({ userId: Id }, { additionalProperties: false }),
]);
export type TransferTarget = Static<typeof TransferTarget>;

/** What the next agent sees of a transfer with the offer. */
export const TransferInfo = Type.Object({ fromName: Text(120), note: Type.Optional(Text(500)) });
export type TransferInfo = Static<typeof TransferInfo>;

export const Invitation = Type.Object({
  callId: Id,
  as: Type.Union([Type.Literal('supervisor'), Type.Literal('interpreter')]),
  fromName: Text(120),
  kioskName: Text(120),
  language: LanguageTag,
});
export type Invitation = Static<typeof Invitation>;

/**
 * In-call text chat between the resident and staff, through the signalling
 * channel: for a deaf or hard-of-hearing resident from the first moment, and
 * when sound or video fail. A message is plain text, one line or a few, up to
 * CHAT_MAX_CHARS characters (the server also drops control characters).
 */
export const CHAT_MAX_CHARS = 1000;
export const ChatText = Type.String({ minLength: 1, maxLength: CHAT_MAX_CHARS });
export const ChatMessage = Type.Object({
  callId: Id,
  messageId: Id,
  /** Who wrote it, as the call's participants are named. */
  from: Type.Object({ participantId: Id, role: Type.Union([Type.Literal('resident'), Type.Literal('agent'), Type.Literal('supervisor'), Type.Literal('interpreter')]), displayName: Text(120) }),
  text: ChatText,
  at: Type.String({ format: 'date-time' }),
});
export type ChatMessage = Static<typeof ChatMessage>;


/**
 * How much of a call a bad network leaves (issue #13): a lower resolution
 * and frame rate, sound only, text only, and at last a callback that keeps
 * the inquiry, what was said and the resident's place. Best first.
 */
export const QUALITY_STAGES = ['video', 'low-video', 'audio', 'text', 'callback'] as const;
export const QualityStage = Type.Union([Type.Literal('video'), Type.Literal('low-video'), Type.Literal('audio'), Type.Literal('text'), Type.Literal('callback')]);
export type QualityStage = Static<typeof QualityStage>;

/** The limits a stage cannot be kept beyond (see call-client media/quality.ts). */
export const StageLimits = Type.Object(
  {
    maxLoss: Type.Number({ minimum: 0, maximum: 1, description: 'Packet loss over a period, 0..1' }),
    maxRttMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
    minFps: Type.Union([Type.Integer({ minimum: 1, maximum: 60 }), Type.Null()], {
      description: 'While video arrives, fewer decoded frames a second than this cannot keep the stage (a frozen picture); null: not judged',
    }),
    minKbps: Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()], { description: 'Below this available bitrate the stage cannot be kept; null: no minimum' }),
  },
  { additionalProperties: false },
);
export type StageLimits = Static<typeof StageLimits>;

/** When each end steps down and back up: the server's config (`calls.quality`), sent with the in-call snapshot. */
export const QualityThresholds = Type.Object(
  {
    video: StageLimits,
    lowVideo: StageLimits,
    audio: StageLimits,
    downAfter: Type.Integer({ minimum: 1, maximum: 60, description: 'Bad periods in a row before stepping down' }),
    upAfter: Type.Integer({ minimum: 1, maximum: 120, description: 'Good periods in a row before stepping back up' }),
    upMargin: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "Good for a stage means within its limits scaled by this, so an edge does not flap" }),
    callbackAfterMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, description: 'In text, this long without any working media path offers a callback' }),
    periodMs: Type.Integer({ minimum: 200, maximum: 60_000, description: 'How often each end measures' }),
  },
  { additionalProperties: false },
);
export type QualityThresholds = Static<typeof QualityThresholds>;

/**
 * The call's stage as everyone in it applies it: the lowest any participant
 * measured for itself (a conversation is as good as its weakest link), or
 * lower when the agent chose so by hand. `weak`: whose network it is (null
 * when chosen by hand or recovered).
 */
export const CallQuality = Type.Object({
  callId: Id,
  stage: QualityStage,
  by: Type.Union([Type.Literal('network'), Type.Literal('agent')]),
  weak: Type.Union([Type.Literal('resident'), Type.Literal('agent'), Type.Literal('supervisor'), Type.Literal('interpreter'), Type.Null()]),
  /** In plain words, what was measured (logs and the agent's details). */
  reason: Text(200),
  /** The stage the agent chose by hand, the highest the call may climb to; null: the network decides. */
  chosen: Type.Union([QualityStage, Type.Null()]),
});
export type CallQuality = Static<typeof CallQuality>;
