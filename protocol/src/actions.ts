/**
 * Remote actions: what a technician asks a kiosk to do from the console, and
 * what became of it. booth-server records each request, sends it over the
 * kiosk control channel (./control.ts: `runAction`), and records what the
 * kiosk reports (`actionState`); the console is pushed every change
 * (fleet notification `kioskAction`).
 *
 *   POST /api/kiosks/:id/actions   KioskActionRequest → KioskAction (202)
 *   GET  /api/kiosks/:id/actions   KioskActionList (newest first)
 *
 * States: `requested` (stored; the kiosk is not connected), `sent` (on the
 * kiosk's control channel), `deferred` (the kiosk waits for the resident's
 * session to end), `running`, then `succeeded` or `failed`; `expired` when it
 * did not start within ACTION_EXPIRY_MINUTES. The last three are final.
 */
import { Type, type Static } from '@sinclair/typebox';
import { KIOSK_ID_PATTERN } from './ids';
import { SelfTestReport } from './selftest';

/**
 *  - restart: the kiosk app starts again (shell, devices, page);
 *  - reload: the kiosk screen (the page) loads again;
 *  - self-test: every check (printer, card reader, uplink, camera, microphone, speaker);
 *  - test-page: the printer and uplink checks, and a test page printed.
 */
export const KIOSK_ACTIONS = ['restart', 'reload', 'self-test', 'test-page'] as const;
export const KioskActionName = Type.Union(KIOSK_ACTIONS.map((a) => Type.Literal(a)));
export type KioskActionName = Static<typeof KioskActionName>;

export const KIOSK_ACTION_STATES = ['requested', 'sent', 'deferred', 'running', 'succeeded', 'failed', 'expired'] as const;
export const KioskActionStateName = Type.Union(KIOSK_ACTION_STATES.map((s) => Type.Literal(s)));
export type KioskActionStateName = Static<typeof KioskActionStateName>;
export const FINAL_ACTION_STATES: readonly KioskActionStateName[] = ['succeeded', 'failed', 'expired'];

/** An action that has not started this long after it was asked for is given up (state expired). */
export const ACTION_EXPIRY_MINUTES = 15;
/** How long a resident is told before a forced action ends their session. */
export const FORCED_ACTION_NOTICE_SECONDS = 10;

export const ActionId = Type.Integer({ minimum: 1 });

export const KioskActionRequest = Type.Object(
  {
    action: KioskActionName,
    /** Run it now even if a resident is using the kiosk: they are told first, then their session ends. */
    force: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type KioskActionRequest = Static<typeof KioskActionRequest>;

const DateTime = Type.String({ format: 'date-time' });

export const KioskAction = Type.Object({
  id: ActionId,
  kioskId: Type.String({ pattern: KIOSK_ID_PATTERN }),
  action: KioskActionName,
  force: Type.Boolean(),
  requestedBy: Type.Object({ id: Type.String(), username: Type.String() }),
  requestedAt: DateTime,
  state: KioskActionStateName,
  /** When the state last changed. */
  updatedAt: DateTime,
  /** Set with a final state. */
  finishedAt: Type.Union([DateTime, Type.Null()]),
  /** Why it failed, waits or expired, in plain English. */
  reason: Type.Union([Type.String({ maxLength: 300 }), Type.Null()]),
  /** The self-test's report (self-test, test-page). */
  report: Type.Union([SelfTestReport, Type.Null()]),
});
export type KioskAction = Static<typeof KioskAction>;

export const KioskActionList = Type.Object({ actions: Type.Array(KioskAction, { description: 'Newest first' }) });
export type KioskActionList = Static<typeof KioskActionList>;

export const KioskActionQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })) }, { additionalProperties: false });
export type KioskActionQuery = Static<typeof KioskActionQuery>;
