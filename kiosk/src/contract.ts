/**
 * The kiosk bridge: the only functions the renderer may call in the shell
 * (Electron main through the preload, or the browser-shell host over HTTP),
 * and the only events the shell sends to the renderer. Main, preload, host and
 * renderer all import this module; the renderer's `window.kiosk` type is
 * derived from it.
 *
 * Calls: `BRIDGE_CALLS[name] = { args, result }`. `args` is null for calls
 * without arguments; otherwise the arguments are one object, validated against
 * the schema where it enters the shell (IPC handler, HTTP route). A failed
 * call rejects with an error carrying a stable `code` (BRIDGE_ERROR_CODES),
 * `message`, `fix` and, for printReceipt, `details`: a BridgeError from
 * createHttpBridge, the same fields as a plain object from the Electron
 * preload (contextBridge strips custom fields from Error objects). Test
 * `err.code`, not `instanceof`.
 *
 * Events: `BRIDGE_EVENTS[name]` is the payload schema. Electron: `kiosk.on(name, cb)`
 * from the preload. Browser shell: Server-Sent Events at GET /bridge/events,
 * one SSE event per bridge event (`event: <name>`, `data: <JSON payload>`);
 * `createHttpBridge` below wraps both directions.
 *
 * Personal data: card numbers never cross this bridge. A card read arrives as
 * `card` with its masked form and an opaque `cardId`; the clear number stays in
 * the shell for the one flow that needs it and is dropped by `endSession()`.
 */
import { Type, type Static, type TNull, type TSchema } from '@sinclair/typebox';
import { CardKind, KioskContent, MediaDeviceHealth, MessageCatalogue, NextStep, ReceiptLanguage, ReferenceSchema } from '@citizen/protocol';
import { KioskOpeningHours } from '@citizen/protocol';
import { KioskActionName, MediaSelfTestAnswer, MediaSelfTestAsk, SelfTestReport, SelfTestRequest } from '@citizen/protocol';
import { createLogger } from '@citizen/call-client/log';

// ---------------------------------------------------------------- shared parts

export { CardKind, ReceiptLanguage, NextStep } from '@citizen/protocol';

export const ShellInfo = Type.Object({
  shell: Type.Union([Type.Literal('electron'), Type.Literal('browser')]),
  kioskId: Type.String(),
  version: Type.String(),
  /** Where the signalling socket is, when not on the page's own origin (Electron serves the page from kiosk://app). */
  signallingUrl: Type.Optional(Type.String({ pattern: '^wss?://' })),
  /** How long a resident may leave the screen untouched before "Are you still there?", and then before the session is wiped. */
  session: Type.Object({ idleWarnSeconds: Type.Integer({ minimum: 1 }), idleWipeSeconds: Type.Integer({ minimum: 1 }), readAloudOnArrival: Type.Optional(Type.Boolean()) }),
  /** The configuration profile version the kiosk runs (kiosk/src/control/KioskProfile.ts); null: the local configuration. */
  profile: Type.Optional(Type.Union([Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) }), Type.Null()])),
  /** The profile's opening hours of the kiosk's building; null: always open. */
  openingHours: Type.Optional(Type.Union([KioskOpeningHours, Type.Null()])),
  /** The profile's cap on the camera's encoding in calls (bps); null: the server's. */
  maxVideoBitrate: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  /** relay: calls through TURN only (the profile's call.iceTransportPolicy, else the kiosk configuration's); absent: all. */
  iceTransportPolicy: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('relay')])),
});
export type ShellInfo = Static<typeof ShellInfo>;

const deviceFields = {
  /** Configured path, or usb:<vendor>:<product>[:<serial>] when found by USB ids. */
  configuredPath: Type.String(),
  /** The device is connected (its port is open). */
  reachable: Type.Boolean(),
  /** Short English detail for technicians: "ok", "not connected", "paper out", … */
  detail: Type.String(),
};
export const DeviceStatus = Type.Object(deviceFields);
export type DeviceStatus = Static<typeof DeviceStatus>;

export const PrinterState = Type.Union([
  Type.Literal('ready'),
  /** Connected, first status answer pending. */
  Type.Literal('unknown'),
  Type.Literal('paper-out'),
  Type.Literal('cover-open'),
  Type.Literal('offline'),
  Type.Literal('not-responding'),
  Type.Literal('disconnected'),
]);
export type PrinterState = Static<typeof PrinterState>;

export const PrinterStatus = Type.Object({ ...deviceFields, state: PrinterState, paperNearEnd: Type.Boolean() });
export type PrinterStatus = Static<typeof PrinterStatus>;

export const CardReaderStatus = Type.Object({ ...deviceFields, protocol: CardKind });
export type CardReaderStatus = Static<typeof CardReaderStatus>;

export const HardwareStatus = Type.Object({ printer: PrinterStatus, cardReader: CardReaderStatus });
export type HardwareStatus = Static<typeof HardwareStatus>;

/** Camera, microphone and speaker as the page sees them (enumerateDevices); the shell relays them in its heartbeat. */
export const MediaDevicesReport = Type.Object({ camera: MediaDeviceHealth, microphone: MediaDeviceHealth, speaker: MediaDeviceHealth }, { additionalProperties: false });
export type MediaDevicesReport = Static<typeof MediaDevicesReport>;

export const ReceiptRequest = Type.Object(
  {
    /** The inquiry's reference as booth-server issued it. */
    reference: ReferenceSchema,
    /** The resident's language; the receipt falls back when the printer cannot print it. */
    language: ReceiptLanguage,
    nextSteps: Type.Array(NextStep, { maxItems: 5, uniqueItems: true }),
    /** The promised answer date (YYYY-MM-DD) and the median days achieved now for such cases, from the status lookup. */
    promise: Type.Optional(
      Type.Object(
        { by: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), achievedMedianDays: Type.Union([Type.Number({ minimum: 0, maximum: 3650 }), Type.Null()]) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ReceiptRequest = Static<typeof ReceiptRequest>;

export const PrintReceiptResult = Type.Object({
  jobId: Type.String(),
  /** Status page of the reference: what the receipt's QR code opens. */
  statusUrl: Type.String(),
  printedLanguage: ReceiptLanguage,
  /** The resident's language could not be printed; the receipt is in printedLanguage with a note. */
  fallback: Type.Boolean(),
});
export type PrintReceiptResult = Static<typeof PrintReceiptResult>;

/** A document the agent prints at the kiosk during a call (protocol KioskDocument, with the reference resolved). */
export const DocumentRequest = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 80 }),
    lines: Type.Array(Type.String({ maxLength: 300 }), { minItems: 1, maxItems: 60 }),
    reference: Type.Union([ReferenceSchema, Type.Null()]),
    /** The same document in the kiosk's local language, printed instead when the printer cannot print the resident's script. */
    fallback: Type.Optional(
      Type.Object(
        { title: Type.String({ minLength: 1, maxLength: 80 }), lines: Type.Array(Type.String({ maxLength: 300 }), { minItems: 1, maxItems: 60 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type DocumentRequest = Static<typeof DocumentRequest>;

/** `fallback`: printed in the kiosk's local language because the printer cannot print the resident's script. */
export const PrintDocumentResult = Type.Object({ jobId: Type.String(), fallback: Type.Optional(Type.Boolean()) });
export type PrintDocumentResult = Static<typeof PrintDocumentResult>;

/** The kiosk's device identity (kiosk/src/identity.ts): the provisioning screen shows unless it is `enrolled`. */
export const IdentityStatus = Type.Union([
  Type.Object({ state: Type.Literal('unprovisioned') }),
  Type.Object({ state: Type.Literal('enrolled'), kioskId: Type.String() }),
  /** booth-server no longer accepts the key (`code`: KIOSK_NOT_ENROLLED when revoked, KIOSK_SIGNATURE_INVALID when enrolled again elsewhere). */
  Type.Object({ state: Type.Literal('refused'), kioskId: Type.String(), code: Type.String() }),
]);
export type IdentityStatus = Static<typeof IdentityStatus>;

export const EndSessionResult = Type.Object({ droppedCards: Type.Integer({ minimum: 0 }), cancelledJobs: Type.Integer({ minimum: 0 }) });
export type EndSessionResult = Static<typeof EndSessionResult>;

/** What technician mode shows of the shell (never anything of a resident). */
export const TechnicianStatus = Type.Object({
  kioskId: Type.String(),
  version: Type.String(),
  shell: Type.Union([Type.Literal('electron'), Type.Literal('browser')]),
  serverUrl: Type.String(),
  identity: IdentityStatus,
  hardware: HardwareStatus,
  /** Camera, microphone and speaker as the heartbeat reports them (the page's devices, and the last self-test). */
  media: MediaDevicesReport,
  lastSelfTest: Type.Union([SelfTestReport, Type.Null()]),
});
export type TechnicianStatus = Static<typeof TechnicianStatus>;

// ---------------------------------------------------------------- calls

const NoArgs = Type.Null();

export const BRIDGE_CALLS = {
  /** Which shell this is. */
  info: { args: NoArgs, result: ShellInfo },
  /** Printer and card reader as they are now (events below report changes). */
  hardwareStatus: { args: NoArgs, result: HardwareStatus },
  /**
   * Prints the inquiry's receipt. Rejects fast with PRINTER_PAPER_OUT,
   * PRINTER_COVER_OPEN, PRINTER_OFFLINE, PRINTER_NOT_RESPONDING or
   * DEVICE_DISCONNECTED; `error.details.statusUrl` is then the URL to show as
   * an on-screen QR instead. If `details.queued` is true the job waits in the
   * printer queue and prints when the printer recovers (a `printJob` event
   * says so), unless `endSession()` cancels it first.
   */
  printReceipt: { args: ReceiptRequest, result: PrintReceiptResult },
  /** Prints a document the agent sent during a call; fails like printReceipt. */
  printDocument: { args: DocumentRequest, result: PrintDocumentResult },
  /** The languages and guided flows (config/messages/languages.json, config/flows), checked when the shell started. */
  content: { args: NoArgs, result: KioskContent },
  /** One language's message catalogue (config/messages/<lang>.json). */
  messages: { args: Type.Object({ lang: Type.String({ pattern: '^[a-z]{2,3}$' }) }, { additionalProperties: false }), result: MessageCatalogue },
  /** Ends the resident's session: drops every card read and cancels the session's waiting print jobs. */
  endSession: { args: NoArgs, result: EndSessionResult },
  /** A resident's session began (the attract screen was left): a new configuration profile waits until endSession. */
  sessionStart: { args: NoArgs, result: Type.Null() },
  /** A call begins: the shell lets the page open camera and microphone until `callEnd` (or `endSession`). */
  callStart: { args: NoArgs, result: Type.Null() },
  /** The call is over: camera and microphone are refused again. */
  callEnd: { args: NoArgs, result: Type.Null() },
  /** Whether this kiosk has its device identity. */
  identity: { args: NoArgs, result: IdentityStatus },
  /**
   * Enrols the kiosk with the one-time code a technician typed: the shell
   * makes a key pair and keeps the private key. A kiosk that is enrolled
   * already is enrolled again only from technician mode
   * (TECHNICIAN_MODE_REQUIRED otherwise). Rejects with
   * ENROLMENT_CODE_MALFORMED or _MISTYPED (caught in the shell), _UNKNOWN,
   * _EXPIRED or _USED (booth-server's answer), or ENROLMENT_SERVER_UNREACHABLE.
   */
  enrol: { args: Type.Object({ code: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false }), result: Type.Object({ kioskId: Type.String() }) },
  /** The page's media devices, for the shell's heartbeat (fleet health). Sent at start and when devices change. */
  reportMediaDevices: { args: MediaDevicesReport, result: Type.Null() },
  /**
   * Opens technician mode with the PIN a technician typed; the shell checks it
   * (kiosk/src/technician/TechnicianGate.ts) and ends the resident session.
   * Rejects with TECHNICIAN_PIN_WRONG (`details.attemptsLeft`),
   * TECHNICIAN_LOCKED_OUT (`details.retryAfterSeconds`) or TECHNICIAN_NOT_CONFIGURED.
   */
  technicianUnlock: { args: Type.Object({ pin: Type.String({ minLength: 1, maxLength: 12 }) }, { additionalProperties: false }), result: Type.Object({ idleSeconds: Type.Integer({ minimum: 1 }) }) },
  /** Technician mode only: the shell's view of this kiosk. */
  technicianStatus: { args: NoArgs, result: TechnicianStatus },
  /** Technician mode is closed (by the technician or its idle time). */
  technicianEnd: { args: NoArgs, result: Type.Null() },
  /** Technician mode only: runs the self-test (kiosk/src/selftest); SELF_TEST_BUSY while one runs. */
  selfTest: { args: SelfTestRequest, result: SelfTestReport },
  /** The renderer's answer to a `selfTestMedia` event; SELF_TEST_UNKNOWN_REQUEST when no such test waits for one. */
  selfTestMediaResult: { args: MediaSelfTestAnswer, result: Type.Null() },
} as const satisfies Record<string, { args: TSchema; result: TSchema }>;

export type BridgeCall = keyof typeof BRIDGE_CALLS;
export type BridgeArgs<K extends BridgeCall> = Static<(typeof BRIDGE_CALLS)[K]['args']>;
export type BridgeResult<K extends BridgeCall> = Static<(typeof BRIDGE_CALLS)[K]['result']>;
type CallFn<K extends BridgeCall> = (typeof BRIDGE_CALLS)[K]['args'] extends TNull
  ? () => Promise<BridgeResult<K>>
  : (args: BridgeArgs<K>) => Promise<BridgeResult<K>>;

/** The calls, as the shell implements them and the renderer calls them. */
export type KioskBridgeCalls = { [K in BridgeCall]: CallFn<K> };
export type KioskBridge = KioskBridgeCalls;

// ---------------------------------------------------------------- events

export const BRIDGE_EVENTS = {
  /** A configuration profile version was applied between residents: ask content() and info() again. */
  settingsChanged: Type.Object({ profile: Type.String(), version: Type.Integer({ minimum: 1 }) }),
  /** A card was read. Only the masked form; `cardId` names it inside the shell until endSession(). */
  card: Type.Object({ kind: CardKind, masked: Type.String(), cardId: Type.String() }),
  /** A frame came in but failed its checks: ask the resident to try again. */
  cardRejected: Type.Object({ code: Type.Union([Type.Literal('CARD_CHECKSUM'), Type.Literal('CARD_FRAME_TOO_LONG'), Type.Literal('CARD_MALFORMED')]) }),
  printerStatus: PrinterStatus,
  cardReaderStatus: CardReaderStatus,
  /** A print job changed state (e.g. a queued job printed after the paper was refilled). */
  printJob: Type.Object({
    jobId: Type.String(),
    state: Type.Union([Type.Literal('queued'), Type.Literal('printing'), Type.Literal('blocked'), Type.Literal('printed'), Type.Literal('cancelled')]),
    reason: Type.Optional(Type.String()),
  }),
  /**
   * The shell's self-test asks the page to try camera, microphone and speaker
   * (only a page can); the page answers with `selfTestMediaResult`.
   */
  selfTestMedia: MediaSelfTestAsk,
  /**
   * A technician forced a remote action while a resident uses the kiosk:
   * tell them, in their language, full screen, and end their session (the
   * page's wipe) after `seconds`. The shell ends it itself a little later if
   * the page has not.
   */
  maintenanceNotice: Type.Object({ action: KioskActionName, seconds: Type.Integer({ minimum: 1, maximum: 60 }) }),
  /** The browser shell's remote reload: the page loads itself again (Electron's shell reloads the window itself). */
  reload: Type.Object({}),
} as const satisfies Record<string, TSchema>;

export type BridgeEvent = keyof typeof BRIDGE_EVENTS;
export type BridgeEventPayload<E extends BridgeEvent> = Static<(typeof BRIDGE_EVENTS)[E]>;
export type BridgeEventMap = { [E in BridgeEvent]: [payload: BridgeEventPayload<E>] };

/** Shell → renderer events; `on` returns an unsubscribe function. */
export interface KioskBridgeEvents {
  on<E extends BridgeEvent>(event: E, listener: (payload: BridgeEventPayload<E>) => void): () => void;
}

/** The renderer's whole handle on the shell: what the Electron preload exposes as `window.kiosk` and what createHttpBridge returns. */
export type KioskShellApi = KioskBridge & KioskBridgeEvents;

// ---------------------------------------------------------------- errors

/** Codes a bridge call can fail with, and the HTTP status the browser-shell host uses for each. */
export const BRIDGE_ERROR_CODES = {
  BRIDGE_INVALID_ARGUMENTS: 400,
  BRIDGE_FORBIDDEN_ORIGIN: 403,
  BRIDGE_UNKNOWN_CALL: 404,
  BRIDGE_INTERNAL: 500,
  PRINTER_PAPER_OUT: 409,
  PRINTER_COVER_OPEN: 409,
  PRINTER_OFFLINE: 409,
  PRINTER_NOT_RESPONDING: 503,
  DEVICE_DISCONNECTED: 503,
  DEVICE_CLOSED: 503,
  PRINT_CANCELLED: 409,
  RECEIPT_INVALID: 400,
  ENROLMENT_CODE_MALFORMED: 400,
  ENROLMENT_CODE_MISTYPED: 400,
  ENROLMENT_CODE_UNKNOWN: 401,
  ENROLMENT_CODE_EXPIRED: 410,
  ENROLMENT_CODE_USED: 409,
  KIOSK_PUBLIC_KEY_INVALID: 400,
  ENROLMENT_SERVER_UNREACHABLE: 503,
  ENROLMENT_FAILED: 502,
  TECHNICIAN_NOT_CONFIGURED: 409,
  TECHNICIAN_PIN_WRONG: 401,
  TECHNICIAN_LOCKED_OUT: 429,
  TECHNICIAN_MODE_REQUIRED: 403,
  SELF_TEST_BUSY: 409,
  SELF_TEST_UNKNOWN_REQUEST: 409,
} as const;
export type BridgeErrorCode = keyof typeof BRIDGE_ERROR_CODES;

export const BridgeErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
  fix: Type.Optional(Type.String()),
  details: Type.Optional(
    Type.Object({
      statusUrl: Type.Optional(Type.String()),
      queued: Type.Optional(Type.Boolean()),
      jobId: Type.Optional(Type.String()),
      /** TECHNICIAN_PIN_WRONG: wrong PINs left before a lockout. */
      attemptsLeft: Type.Optional(Type.Integer({ minimum: 0 })),
      /** TECHNICIAN_LOCKED_OUT: when the next PIN is taken. */
      retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
  ),
});
export type BridgeErrorBody = Static<typeof BridgeErrorBody>;

/** What a failed bridge call rejects with, in either shell. */
export class BridgeError extends Error {
  readonly code: string;
  readonly fix: string | undefined;
  readonly details: BridgeErrorBody['details'];

  constructor(body: BridgeErrorBody) {
    super(body.message);
    this.name = 'BridgeError';
    this.code = body.code;
    this.fix = body.fix;
    this.details = body.details;
  }

  toBody(): BridgeErrorBody {
    return { code: this.code, message: this.message, ...(this.fix ? { fix: this.fix } : {}), ...(this.details ? { details: this.details } : {}) };
  }
}

/** Electron IPC replies carry errors as data: Electron would keep only an Error's message. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: BridgeErrorBody };

// ---------------------------------------------------------------- transport names

/** IPC channel (Electron) and HTTP path (browser shell) for a call. */
export const ipcChannel = (call: BridgeCall): string => `kiosk:${call}`;
export const httpPath = (call: BridgeCall): string => `/bridge/${call}`;
/** Electron: the one channel main sends events on, as { event, payload }. */
export const IPC_EVENT_CHANNEL = 'kiosk:event';
/** Browser shell: the Server-Sent Events stream. */
export const EVENTS_PATH = '/bridge/events';

export function isBridgeCall(name: string): name is BridgeCall {
  return Object.hasOwn(BRIDGE_CALLS, name);
}

export function isBridgeEvent(name: string): name is BridgeEvent {
  return Object.hasOwn(BRIDGE_EVENTS, name);
}

// ---------------------------------------------------------------- HTTP client

/** The part of EventSource the bridge uses (browser EventSource fits; tests pass their own). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (ev: { data: string }) => void): void;
  close(): void;
}

/**
 * Why an event from the event stream reached no listener, or not all of them:
 * its data was not JSON, or a listener threw. Reported through `onEventError`.
 */
export type HttpBridgeEventErrorCode = 'BRIDGE_EVENT_MALFORMED' | 'BRIDGE_LISTENER_FAILED';

export interface HttpBridgeOptions {
  fetch: typeof fetch;
  eventSource?: (url: string) => EventSourceLike;
  baseUrl?: string;
  /**
   * A dropped event or a failed listener. The EventSource's own dispatch must
   * never see an exception (it would end the stream's processing for every
   * listener), so failures arrive here. Default: one console warning line.
   */
  onEventError?: (error: BridgeError & { code: HttpBridgeEventErrorCode }, event: BridgeEvent) => void;
}

const bridgeLog = createLogger('bridge');
const warnEventError: NonNullable<HttpBridgeOptions['onEventError']> = (error, event) =>
  bridgeLog.warn('bridge event dropped', { event, code: error.code, message: error.message });

/**
 * The bridge over HTTP, for the browser shell: calls are POST /bridge/<call>
 * with the arguments as JSON; events come from one shared EventSource on
 * /bridge/events, opened on the first `on()`.
 */
export function createHttpBridge(opts: HttpBridgeOptions): KioskShellApi {
  const base = opts.baseUrl ?? '';
  const onEventError = opts.onEventError ?? warnEventError;
  const report = (event: BridgeEvent, code: HttpBridgeEventErrorCode, message: string): void => {
    try {
      onEventError(new BridgeError({ code, message }) as BridgeError & { code: HttpBridgeEventErrorCode }, event);
    } catch {
      // A throwing reporter must not break the stream either; there is nowhere further to report to.
    }
  };
  const call = async (name: BridgeCall, args?: unknown): Promise<unknown> => {
    const res = await opts.fetch(`${base}${httpPath(name)}`, {
      method: 'POST',
      ...(args === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) }),
    });
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const b = body as Partial<BridgeErrorBody> | null;
      throw new BridgeError({ code: b?.code ?? 'BRIDGE_INTERNAL', message: b?.message ?? `bridge call ${name} failed: HTTP ${res.status}`, ...(b?.fix ? { fix: b.fix } : {}), ...(b?.details ? { details: b.details } : {}) });
    }
    return body;
  };
  let source: EventSourceLike | null = null;
  const listeners = new Map<string, Set<(payload: never) => void>>();
  const calls = Object.fromEntries(
    (Object.keys(BRIDGE_CALLS) as BridgeCall[]).map((n) => [n, BRIDGE_CALLS[n].args.type === 'null' ? () => call(n) : (args: unknown) => call(n, args)]),
  ) as KioskBridgeCalls;
  return {
    ...calls,
    on(event, listener) {
      if (!isBridgeEvent(event)) throw new TypeError(`unknown bridge event ${String(event)}`);
      if (!opts.eventSource) throw new TypeError('createHttpBridge: no eventSource factory given');
      source ??= opts.eventSource(`${base}${EVENTS_PATH}`);
      let set = listeners.get(event);
      if (!set) {
        const fresh = new Set<(payload: never) => void>();
        listeners.set(event, fresh);
        set = fresh;
        source.addEventListener(event, (ev) => {
          let payload: never;
          try {
            payload = JSON.parse(ev.data) as never;
          } catch {
            // The data is not logged: a card event carries (masked) card data.
            report(event, 'BRIDGE_EVENT_MALFORMED', `${event}: event data is not JSON (${ev.data.length} characters), dropped`);
            return;
          }
          for (const fn of fresh) {
            try {
              fn(payload);
            } catch (err) {
              report(event, 'BRIDGE_LISTENER_FAILED', `${event}: a listener threw: ${err instanceof Error ? err.message : String(err)}`);
            }
          }
        });
      }
      set.add(listener as (payload: never) => void);
      return () => void set.delete(listener as (payload: never) => void);
    },
  };
}
