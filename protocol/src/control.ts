/**
 * The kiosk control channel: one WebSocket per kiosk, opened by the kiosk
 * shell (never the page) with its credential, `GET /ws/kiosk/control`.
 * booth-server uses it to tell a kiosk what to do between residents (a new
 * configuration profile, a remote action: ./actions.ts); the kiosk answers on
 * it. Every message is one JSON object with a `type`, one schema each, and is
 * checked where it enters: a message that fails its check is answered with
 * `error` (code CONTROL_MESSAGE_INVALID) naming what is wrong, and the socket
 * stays open.
 *
 * Close codes: 4003 the kiosk's credential was revoked or replaced (do not
 * retry with it: renew it first); 4009 a newer control socket of the same
 * kiosk replaced this one; 1001 the server is shutting down.
 */
import { FormatRegistry, Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ProfileBody, ProfileName } from './profiles';
import { ActionId, KioskActionName } from './actions';
import { SelfTestReport } from './selftest';

export const CONTROL_WS_PATH = '/ws/kiosk/control';
export const CONTROL_CLOSE = { REVOKED: 4003, REPLACED: 4009, SHUTDOWN: 1001 } as const;

const Version = Type.Integer({ minimum: 1 });

// ------------------------------------------------------------ server → kiosk

/**
 * The profile version the kiosk should run, with everything worked out for
 * this kiosk (its languages: the profile's that its record lists). Sent on
 * every change of the kiosk's desired version and on every connect.
 */
export const ControlApplyProfile = Type.Object(
  { type: Type.Literal('applyProfile'), profile: ProfileName, version: Version, settings: ProfileBody },
  { additionalProperties: false },
);
export type ControlApplyProfile = Static<typeof ControlApplyProfile>;

/** The server could not use a message the kiosk sent. */
export const ControlError = Type.Object(
  { type: Type.Literal('error'), code: Type.String({ maxLength: 60 }), message: Type.String({ maxLength: 500 }) },
  { additionalProperties: false },
);
export type ControlError = Static<typeof ControlError>;

/**
 * Run a remote action (./actions.ts). Sent when a technician asks for it and
 * again on every connect while it has not started, so the kiosk answers an
 * id it knows with the state it has (it never runs one id twice).
 */
export const ControlRunAction = Type.Object(
  {
    type: Type.Literal('runAction'),
    actionId: ActionId,
    action: KioskActionName,
    /** Do not wait for the resident's session to end: tell them, end it, run. */
    force: Type.Boolean(),
    /** Give up on it if it has not started within this long (the kiosk's own clock; state expired on the server). */
    expiresInMs: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ControlRunAction = Static<typeof ControlRunAction>;

export const SERVER_CONTROL_MESSAGES = { applyProfile: ControlApplyProfile, runAction: ControlRunAction, error: ControlError } as const;
export const ServerControlMessage = Type.Union(Object.values(SERVER_CONTROL_MESSAGES));
export type ServerControlMessage = Static<typeof ServerControlMessage>;

// ------------------------------------------------------------ kiosk → server

/** The kiosk applied a profile version, or could not (it then keeps running the one before). */
export const ControlProfileAck = Type.Object(
  {
    type: Type.Literal('profileAck'),
    profile: ProfileName,
    version: Version,
    result: Type.Union([Type.Literal('applied'), Type.Literal('failed')]),
    /** Why it failed, for technicians: "printer port /dev/ttyUSB9 did not open". */
    reason: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);
export type ControlProfileAck = Static<typeof ControlProfileAck>;

/** What became of a remote action: waiting for the session to end, running, or done. */
export const ControlActionState = Type.Object(
  {
    type: Type.Literal('actionState'),
    actionId: ActionId,
    state: Type.Union([Type.Literal('deferred'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
    /** Why it waits or failed, or what it did ("restarting now"). */
    reason: Type.Optional(Type.String({ maxLength: 300 })),
    /** self-test and test-page, with succeeded or failed: the report (a test page that did not print is failed, with its report). */
    report: Type.Optional(SelfTestReport),
  },
  { additionalProperties: false },
);
export type ControlActionState = Static<typeof ControlActionState>;

export const KIOSK_CONTROL_MESSAGES = { profileAck: ControlProfileAck, actionState: ControlActionState } as const;
export const KioskControlMessage = Type.Union(Object.values(KIOSK_CONTROL_MESSAGES));
export type KioskControlMessage = Static<typeof KioskControlMessage>;

/**
 * Reads one frame: the message, or what is wrong with it in words a log and
 * the other side can use (`applyProfile: /settings/languages/0: ...`).
 */
export function parseControlMessage<M extends Record<string, TSchema>>(
  table: M,
  raw: string,
): { ok: true; message: Static<M[keyof M]> } | { ok: false; problem: string } {
  registerFormats();
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { ok: false, problem: `not JSON (${raw.length} characters)` };
  }
  const type = (data as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(table, type)) {
    return { ok: false, problem: `unknown message type ${JSON.stringify(type)} (expected one of ${Object.keys(table).join(', ')})` };
  }
  const schema = table[type]!;
  const first = Value.Errors(schema, data).First();
  if (first) return { ok: false, problem: `${type}: ${first.path || '(message)'}: ${first.message}` };
  return { ok: true, message: data as Static<M[keyof M]> };
}

/**
 * TypeBox's Value checks know no string formats until they are registered,
 * and refuse every value of an unknown one: a self-test report's `startedAt`
 * (date-time) would fail parseControlMessage. Registered on first use, not on
 * import (the package is side-effect free), unless registered already.
 */
export function registerFormats(): void {
  if (FormatRegistry.Has('date-time')) return;
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));
}
