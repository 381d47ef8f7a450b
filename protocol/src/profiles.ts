/**
 * Kiosk configuration profiles: what a family of kiosks (`station-default`,
 * `library`) offers and how it behaves. A profile has numbered versions, each
 * a whole body; every version is kept. A kiosk is assigned a profile and runs
 * its current version, pushed over the kiosk control channel (./control.ts)
 * and applied between resident sessions.
 *
 *   GET  /api/profiles                              ProfileList
 *   GET  /api/profiles/:name/versions               ProfileHistory
 *   GET  /api/profiles/:name/versions/:version      ProfileVersion
 *   POST /api/profiles/:name/versions               ProfileBody        → ProfileVersion (201)
 *   POST /api/profiles/:name/rollback               ProfileRollback    → ProfileVersion (201)
 *   PUT  /api/kiosks/:id/profile                    KioskProfileAssign → KioskProfileState
 *   GET  /api/profiles/kiosks                       KioskProfileStates
 *
 * Serial device settings are defined here and reused by the configuration
 * file schema (config/src/schema.ts), so a profile's hardware and a kiosk's
 * local configuration cannot drift apart.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CardKind, PrinterCodePage } from './vocab';
import { KIOSK_ID_PATTERN } from './ids';

const UsbId = Type.String({ pattern: '^[0-9a-fA-F]{4}$', description: 'USB id as 4 hex digits, as `SerialPort.list()` and `lsusb` show it' });

/** Serial port and framing shared by every serial device. */
export const serialFields = {
  path: Type.String({ minLength: 1, description: 'Device path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/…' }),
  usb: Type.Optional(
    Type.Object(
      { vendorId: UsbId, productId: UsbId, serialNumber: Type.Optional(Type.String({ minLength: 1 })) },
      { additionalProperties: false, description: 'Find the port by USB ids instead of path (takes precedence over path when set)' },
    ),
  ),
  baudRate: Type.Union([9600, 19200, 38400, 57600, 115200].map((b) => Type.Literal(b))),
  dataBits: Type.Union([Type.Literal(7), Type.Literal(8)]),
  parity: Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')]),
  stopBits: Type.Union([Type.Literal(1), Type.Literal(2)]),
};

export const PrinterSettings = Type.Object(
  {
    ...serialFields,
    commandSet: Type.Union([Type.Literal('epson'), Type.Literal('star')], { description: 'ESC/POS (Epson and compatibles) or Star Line Mode' }),
    codePage: Type.Union(PrinterCodePage.anyOf, { description: 'Character code page the receipt is printed in' }),
    lineWidth: Type.Integer({ minimum: 24, maximum: 64, description: 'Characters per line in font A (42 on most 80 mm printers)' }),
    pollIntervalMs: Type.Integer({ minimum: 200, maximum: 60_000, description: 'Status poll (DLE EOT) period between jobs' }),
  },
  { additionalProperties: false },
);
export type PrinterSettings = Static<typeof PrinterSettings>;

export const CardReaderSettings = Type.Object(
  {
    ...serialFields,
    protocol: CardKind,
    checkDigit: Type.Union([Type.Literal('luhn'), Type.Literal('none')], { description: 'barcode-line only: check digit of scanned codes' }),
  },
  { additionalProperties: false },
);
export type CardReaderSettings = Static<typeof CardReaderSettings>;

// In a module of its own: the kiosk page's bridge contract needs this schema
// alone, and a bundle takes a used module's schemas whole.
import { KioskOpeningHours } from './openingHours';

export const PROFILE_NAME_PATTERN = '^[a-z][a-z0-9-]{1,38}[a-z0-9]$';
export const ProfileName = Type.String({ pattern: PROFILE_NAME_PATTERN, description: 'e.g. station-default, library' });

const Ids = (pattern: string, description: string) => Type.Array(Type.String({ pattern }), { minItems: 1, maxItems: 40, description });

/** One version's whole content. Unknown fields are refused. */
export const ProfileBody = Type.Object(
  {
    flows: Ids('^[a-z0-9][a-z0-9-]{0,62}$', 'Guided flows offered, by id (config/flows), in home-screen order'),
    languages: Ids('^[a-z]{2,3}$', "Languages offered (config/messages/languages.json); the kiosk offers those of them its own record lists, in the profile's order"),
    session: Type.Object(
      {
        idleWarnSeconds: Type.Integer({ minimum: 10, maximum: 900, description: 'No touch for this long on a guided screen: "Are you still there?"' }),
        idleWipeSeconds: Type.Integer({ minimum: 5, maximum: 120, description: 'Then this long to answer before the session is wiped' }),
        readAloudOnArrival: Type.Boolean({ description: 'Read every screen aloud when it appears' }),
      },
      { additionalProperties: false },
    ),
    /** Absent: the kiosk keeps the devices of its local configuration file. */
    hardware: Type.Optional(
      Type.Object({ printer: Type.Optional(PrinterSettings), cardReader: Type.Optional(CardReaderSettings) }, { additionalProperties: false }),
    ),
    openingHours: Type.Union([KioskOpeningHours, Type.Null()], { description: 'null: always open' }),
    call: Type.Object(
      {
        maxVideoBitrate: Type.Integer({
          minimum: 100_000,
          maximum: 5_000_000,
          description: "Cap on the kiosk camera's encoding (bps) in calls; the server's sfu.maxVideoBitrate still caps it (a kiosk on a weak uplink gets less)",
        }),
        iceTransportPolicy: Type.Optional(
          Type.Union([Type.Literal('all'), Type.Literal('relay')], {
            description: "relay: the kiosk's calls go through the site's TURN server only (a network that lets nothing else through); all: direct first, TURN when direct fails. Absent: the kiosk's own configuration (kiosk.iceTransportPolicy, default all)",
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ProfileBody = Static<typeof ProfileBody>;

/** What a body is checked against besides its schema: what the site has. */
export interface ProfileCatalogue {
  flows: readonly string[];
  languages: readonly string[];
}


/**
 * The languages a kiosk offers under a profile: the profile's languages that
 * its own record lists too, in the profile's order. The profile says what the
 * family of kiosks is approved to offer; the record says what suits this
 * kiosk's place. Empty means the two have nothing in common, which the server
 * refuses when a profile is assigned or a version created.
 */
export function offeredLanguages(profileLanguages: readonly string[], kioskLanguages: readonly string[]): string[] {
  return profileLanguages.filter((l) => kioskLanguages.includes(l));
}

const DateTime = Type.String({ format: 'date-time' });
const Actor = Type.String({ description: 'A staff user id, or system (seed files)' });

export const ProfileVersion = Type.Object({
  profile: ProfileName,
  version: Type.Integer({ minimum: 1 }),
  body: ProfileBody,
  createdAt: DateTime,
  createdBy: Actor,
  /** Set on a rollback: the version whose body this one copies. */
  rolledBackFrom: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  note: Type.String({ maxLength: 200 }),
});
export type ProfileVersion = Static<typeof ProfileVersion>;

export const ProfileSummary = Type.Object({
  profile: ProfileName,
  current: ProfileVersion,
  /** Kiosks assigned this profile. */
  kiosks: Type.Integer({ minimum: 0 }),
});
export type ProfileSummary = Static<typeof ProfileSummary>;

export const ProfileList = Type.Object({ profiles: Type.Array(ProfileSummary) });
export type ProfileList = Static<typeof ProfileList>;

/** Newest first. */
export const ProfileHistory = Type.Object({ profile: ProfileName, versions: Type.Array(ProfileVersion) });
export type ProfileHistory = Static<typeof ProfileHistory>;

export const NewProfileVersion = Type.Object(
  { body: Type.Unknown({ description: 'A ProfileBody; checked field by field, with errors naming the field' }), note: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export type NewProfileVersion = Static<typeof NewProfileVersion>;

export const ProfileRollback = Type.Object(
  { toVersion: Type.Integer({ minimum: 1, description: 'The older version whose body becomes the new current version' }), note: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export type ProfileRollback = Static<typeof ProfileRollback>;

export const KioskProfileAssign = Type.Object({ profile: Type.Union([ProfileName, Type.Null()], { description: 'null: none (the kiosk keeps what it runs)' }) }, { additionalProperties: false });
export type KioskProfileAssign = Static<typeof KioskProfileAssign>;

/** The outcome of the kiosk's last try at a version. */
export const ProfileApplyResult = Type.Union([Type.Literal('applied'), Type.Literal('failed')]);
export type ProfileApplyResult = Static<typeof ProfileApplyResult>;

/** Where a kiosk stands: the version it should run (desired) and the one it runs (applied). */
export const KioskProfileState = Type.Object({
  kioskId: Type.String({ pattern: KIOSK_ID_PATTERN }),
  profile: Type.Union([ProfileName, Type.Null()]),
  desiredVersion: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** The profile and version the kiosk last acknowledged as applied. */
  appliedProfile: Type.Union([ProfileName, Type.Null()]),
  appliedVersion: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  appliedAt: Type.Union([DateTime, Type.Null()]),
  /** The last version the kiosk could not apply, and why (cleared when one applies). */
  failedVersion: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  failure: Type.Union([Type.String({ maxLength: 300 }), Type.Null()]),
  /** Its control channel is open now (pushes reach it at once). */
  connected: Type.Boolean(),
});
export type KioskProfileState = Static<typeof KioskProfileState>;

export const KioskProfileStates = Type.Object({ kiosks: Type.Array(KioskProfileState) });
export type KioskProfileStates = Static<typeof KioskProfileStates>;

export const PROFILES_PATH = '/api/profiles';
