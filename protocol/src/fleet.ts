/**
 * Fleet health: what a kiosk shell reports about itself (the heartbeat), what
 * booth-server makes of it (online or offline, alerts), and what technicians
 * read and are pushed. Nothing here is about residents: a heartbeat carries
 * device states and counters only.
 *
 *   kiosk shell → POST /api/kiosk/heartbeat   Heartbeat            → HeartbeatAck
 *   console     → GET  /api/fleet             FleetOverview
 *   console     → GET  /api/fleet/kiosks/:id  KioskHealthDetail
 *   console     ← WS   /ws/fleet              FleetNotification (push only)
 */
import { Type, type Static } from '@sinclair/typebox';
import { KIOSK_ID_PATTERN } from './ids';
import { KioskProfileState } from './profiles';
import { KioskAction } from './actions';

const DateTime = Type.String({ format: 'date-time' });

// Device states live in ./devices.ts: the kiosk page's bridge contract needs
// them alone, and a bundle takes a used module's schemas whole.
import { MediaDeviceHealth, PrinterHealth } from './devices';

export const Heartbeat = Type.Object(
  {
    appVersion: Type.String({ minLength: 1, maxLength: 40, pattern: '^[0-9A-Za-z.+-]+$', description: 'The kiosk app version (semver)' }),
    uptimeSeconds: Type.Integer({ minimum: 0, maximum: 10 * 365 * 86_400, description: 'Seconds since the kiosk shell started' }),
    rttMs: Type.Union([Type.Integer({ minimum: 0, maximum: 600_000 }), Type.Null()], {
      description: 'Round trip of the previous heartbeat, as the shell timed it; null on the first',
    }),
    printer: PrinterHealth,
    cardReader: Type.Union([Type.Literal('connected'), Type.Literal('disconnected')]),
    camera: MediaDeviceHealth,
    microphone: MediaDeviceHealth,
    speaker: MediaDeviceHealth,
    rendererCrashes: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Renderer crashes or hangs the shell recovered from in the last 10 minutes' }),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof Heartbeat>;

/** The server's answer: when to send the next one (one setting, on the server, that the offline rule is based on). */
export const HeartbeatAck = Type.Object({ intervalSeconds: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
export type HeartbeatAck = Static<typeof HeartbeatAck>;

export const AlertKind = Type.Union([Type.Literal('offline'), Type.Literal('paper-out'), Type.Literal('reader-missing'), Type.Literal('renderer-crashes')]);
export type AlertKind = Static<typeof AlertKind>;

export const FleetAlert = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  kioskId: Type.String({ pattern: KIOSK_ID_PATTERN }),
  kind: AlertKind,
  raisedAt: DateTime,
  /** Null while the condition lasts. */
  clearedAt: Type.Union([DateTime, Type.Null()]),
  detail: Type.String({ maxLength: 200 }),
});
export type FleetAlert = Static<typeof FleetAlert>;

/** One point of a kiosk's recent history, for sparklines. */
export const HealthPoint = Type.Object({ at: DateTime, uptimeSeconds: Type.Integer({ minimum: 0 }), rttMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]) });
export type HealthPoint = Static<typeof HealthPoint>;

/** `never`: enrolled, no heartbeat yet (being installed); no offline alert for it. */
export const KioskLiveness = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('never')]);
export type KioskLiveness = Static<typeof KioskLiveness>;

export const KioskHealth = Type.Object({
  id: Type.String({ pattern: KIOSK_ID_PATTERN }),
  name: Type.String(),
  /** Where the kiosk stands (its record's location); the fleet list groups by it. */
  site: Type.String(),
  status: KioskLiveness,
  lastHeartbeatAt: Type.Union([DateTime, Type.Null()]),
  last: Type.Union([Heartbeat, Type.Null()]),
  /** Oldest first, at most the last 30. */
  recent: Type.Array(HealthPoint),
  /** Active alerts. */
  alerts: Type.Array(FleetAlert),
});
export type KioskHealth = Static<typeof KioskHealth>;

export const FleetOverview = Type.Object({ heartbeatSeconds: Type.Integer({ minimum: 1 }), kiosks: Type.Array(KioskHealth) });
export type FleetOverview = Static<typeof FleetOverview>;

export const HeartbeatEntry = Type.Object({ at: DateTime, heartbeat: Heartbeat });
export type HeartbeatEntry = Static<typeof HeartbeatEntry>;

export const KioskHealthDetail = Type.Object({
  kiosk: KioskHealth,
  /** Newest first. */
  history: Type.Array(HeartbeatEntry),
  /** Raised within the history's span, active or cleared, newest first. */
  alerts: Type.Array(FleetAlert),
});
export type KioskHealthDetail = Static<typeof KioskHealthDetail>;

export const KioskHealthQuery = Type.Object(
  { hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90, default: 24 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })) },
  { additionalProperties: false },
);
export type KioskHealthQuery = Static<typeof KioskHealthQuery>;

/** Pushed over /ws/fleet, in the signalling notification envelope. */
export const FLEET_NOTIFICATIONS = {
  /** A kiosk's health changed (a heartbeat arrived, it went offline, an alert was raised or cleared). */
  kioskHealth: KioskHealth,
  /** An alert was raised (clearedAt null) or cleared. */
  fleetAlert: FleetAlert,
  /** A kiosk's profile changed: assigned, a new version to push, or the kiosk acknowledged one. */
  kioskProfile: KioskProfileState,
  /** A remote action was asked for or changed state (sent, deferred, running, succeeded, failed, expired). */
  kioskAction: KioskAction,
} as const;
export type FleetNotifications = typeof FLEET_NOTIFICATIONS;
export type FleetNotification = { [K in keyof FleetNotifications]: { type: 'notification'; method: K; data: Static<FleetNotifications[K]> } }[keyof FleetNotifications];

export const FLEET_WS_PATH = '/ws/fleet';
export const HEARTBEAT_PATH = '/api/kiosk/heartbeat';

/**
 * The webhook's body for each alert raised or cleared. Signed: the
 * `x-citizen-signature` header is `sha256=` + hex HMAC-SHA256 with the
 * configured secret over `<x-citizen-timestamp>.<raw body>`.
 */
export const FleetWebhookEvent = Type.Object({
  type: Type.Union([Type.Literal('alert.raised'), Type.Literal('alert.cleared')]),
  alert: FleetAlert,
  kiosk: Type.Object({ id: Type.String(), name: Type.String(), site: Type.String() }),
  sentAt: DateTime,
});
export type FleetWebhookEvent = Static<typeof FleetWebhookEvent>;
