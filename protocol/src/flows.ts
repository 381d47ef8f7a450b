/**
 * Guided flows at the kiosk: what a flow definition in config/flows/*.json
 * may say (one schema), and the message catalogues the flows and the kiosk's
 * own screens are written in (config/messages/<lang>.json, ICU
 * MessageFormat). The kiosk shell loads and checks both at start-up
 * (config/src/kioskContent.ts); the renderer runs the flows
 * (kiosk/src/renderer/flows/engine.ts).
 *
 * A flow is a set of steps with ids; each step says what comes next, either
 * one step or a branch on an answer. Text is never inline: every title,
 * label and line is a message key, so every language has every word.
 */
import { Type, type Static } from '@sinclair/typebox';

/** The language every other catalogue is checked against, and the fallback for a missing key. */
export const REFERENCE_LANGUAGE = 'en';

/** A message key: `ui.welcome`, `flow.parking-permit.title`. */
export const MessageKey = Type.String({ pattern: '^[a-z0-9]+(?:[.-][a-zA-Z0-9]+)+$', maxLength: 120 });
export const StepId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' });
/** The name an answer is kept under (and handed to the agent under). */
export const AnswerName = Type.String({ pattern: '^[a-z][a-zA-Z0-9]{0,39}$' });

/** One step, or the first branch whose answer matches (else `else`). */
export const Next = Type.Union([
  StepId,
  Type.Object(
    {
      when: Type.Array(Type.Object({ answer: AnswerName, equals: Type.String({ maxLength: 100 }), next: StepId }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }),
      else: StepId,
    },
    { additionalProperties: false },
  ),
]);
export type Next = Static<typeof Next>;

/** What a form field takes, and so which on-screen keyboard it gets and how it is checked. */
export const FIELD_INPUTS = ['text', 'long-text', 'digits', 'email', 'phone', 'postcode', 'national-id', 'date', 'plate'] as const;
export const FieldInput = Type.Union(FIELD_INPUTS.map((i) => Type.Literal(i)));
export type FieldInput = Static<typeof FieldInput>;

/** A routing topic (config routing.queues[].topics, serviceStandards.topics). */
export const Topic = Type.String({ pattern: '^[a-z0-9-]{1,64}$' });

const base = { id: StepId, title: MessageKey, body: Type.Optional(MessageKey) };
const obj = <P extends Parameters<typeof Type.Object>[0]>(p: P) => Type.Object(p, { additionalProperties: false });

export const InfoStep = obj({ ...base, type: Type.Literal('info'), bullets: Type.Optional(Type.Array(MessageKey, { maxItems: 12 })), next: Next });
export const ChoiceStep = obj({
  ...base,
  type: Type.Literal('choice'),
  answer: AnswerName,
  options: Type.Array(obj({ value: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }), label: MessageKey, next: Type.Optional(StepId) }), { minItems: 2, maxItems: 12 }),
  /** Where to go after any option without its own `next`. */
  next: Type.Optional(Next),
});
export const FieldStep = obj({
  ...base,
  type: Type.Literal('field'),
  answer: AnswerName,
  input: FieldInput,
  /** Shown under the field: what to type, an example. */
  help: Type.Optional(MessageKey),
  required: Type.Boolean(),
  minLength: Type.Optional(Type.Integer({ minimum: 0, maximum: 2000 })),
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
  /** For `national-id`: whose numbers (Norwegian fødselsnummer with its two check digits, Danish CPR). */
  country: Type.Optional(Type.Union([Type.Literal('no'), Type.Literal('dk')])),
  next: Next,
});
/** Asks for a card at the reader, with consent; the answer is the card's masked form. */
export const CardStep = obj({ ...base, type: Type.Literal('card'), answer: AnswerName, consent: MessageKey, required: Type.Boolean(), next: Next });
/** Everything answered so far, to check, change or confirm. */
export const SummaryStep = obj({ ...base, type: Type.Literal('summary'), next: Next });
/** Prints a document (title and lines are message keys; `{answerName}` placeholders are filled from the answers). */
export const PrintStep = obj({
  ...base,
  type: Type.Literal('print'),
  document: obj({ title: MessageKey, lines: Type.Array(MessageKey, { minItems: 1, maxItems: 40 }) }),
  next: Next,
});
/** Sends the answers as an inquiry; the reference and the promised answer date follow. */
export const SubmitStep = obj({ ...base, type: Type.Literal('submit'), topic: Type.Optional(Topic), next: Next });
/** Ends the flow by calling a person, with the flow's topic (or the step's) and every answer. */
export const TalkStep = obj({ ...base, type: Type.Literal('talk'), topic: Type.Optional(Topic) });
/** Ends the flow with "call me back" or a written inquiry. */
export const LeaveStep = obj({ ...base, type: Type.Literal('leave'), topic: Type.Optional(Topic) });
/** Ends the flow at the case lookup by reference. */
export const StatusStep = obj({ ...base, type: Type.Literal('status') });
/** The end: what happens now; "finish" wipes the session. */
export const EndStep = obj({ ...base, type: Type.Literal('end') });

/** Each step type's own schema, to name the field that is wrong in a step of that type. */
export const STEP_SCHEMAS = {
  info: InfoStep,
  choice: ChoiceStep,
  field: FieldStep,
  card: CardStep,
  summary: SummaryStep,
  print: PrintStep,
  submit: SubmitStep,
  talk: TalkStep,
  leave: LeaveStep,
  status: StatusStep,
  end: EndStep,
} as const;
export const FlowStep = Type.Union(Object.values(STEP_SCHEMAS));
export type FlowStep = Static<typeof FlowStep>;
export type FlowStepType = FlowStep['type'];

export const FLOW_ICONS = ['home', 'child', 'car', 'street', 'info', 'id', 'person', 'letter', 'search', 'bin'] as const;

export const FlowDefinition = obj({
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' }),
  /** The routing topic of its calls and inquiries. */
  topic: Type.Optional(Topic),
  title: MessageKey,
  summary: MessageKey,
  icon: Type.Union(FLOW_ICONS.map((i) => Type.Literal(i))),
  /** Anonymous flows (tourist information) keep nothing personal: no fields marked personal, no card, no inquiry. */
  anonymous: Type.Boolean(),
  start: StepId,
  steps: Type.Array(FlowStep, { minItems: 1, maxItems: 60 }),
  /** Short labels for answers in the summary and for the agent (default: the asking step's title). */
  answerLabels: Type.Optional(Type.Record(AnswerName, MessageKey)),
});
export type FlowDefinition = Static<typeof FlowDefinition>;

/** A language the kiosk offers: its code, its own name, its writing direction. */
export const KioskLanguage = obj({
  code: Type.String({ pattern: '^[a-z]{2,3}$' }),
  name: Type.String({ minLength: 1, maxLength: 40 }),
  dir: Type.Union([Type.Literal('ltr'), Type.Literal('rtl')]),
});
export type KioskLanguage = Static<typeof KioskLanguage>;

/** A message catalogue: key → ICU MessageFormat string. */
export const MessageCatalogue = Type.Record(MessageKey, Type.String({ maxLength: 2000 }));
export type MessageCatalogue = Static<typeof MessageCatalogue>;

/** What the kiosk shell gives the renderer: the languages, the flows in home-screen order, and each language's greeting for the attract screen (so it shows before any catalogue is loaded). */
export const KioskContent = obj({
  languages: Type.Array(KioskLanguage, { minItems: 1 }),
  flows: Type.Array(FlowDefinition),
  greetings: Type.Record(Type.String({ pattern: '^[a-z]{2,3}$' }), obj({ title: Type.String(), hint: Type.String() })),
  /** The first language's and the reference language's catalogues, so the first screen needs one round trip; the others come by `messages`. */
  catalogues: Type.Record(Type.String({ pattern: '^[a-z]{2,3}$' }), MessageCatalogue),
});
export type KioskContent = Static<typeof KioskContent>;
