/**
 * The one schema for booth-server and kiosk configuration files. Every field
 * has a default in config/default.json; site files override what they need.
 */
import { Type, type Static } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)));

const ListenIp = Type.Object(
  {
    ip: Type.String({ minLength: 1, description: 'Local address the RTC ports bind to' }),
    announcedIp: Type.Optional(Type.String({ minLength: 1, description: 'Public address given to clients (NAT)' })),
  },
  { additionalProperties: false },
);

const SerialDevice = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'Device path, e.g. /dev/ttyUSB0' }),
    baudRate: Type.Union([9600, 19200, 38400, 57600, 115200].map((b) => Type.Literal(b))),
  },
  { additionalProperties: false },
);

export const BoothConfig = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Port,
        publicUrl: Type.String({ pattern: '^https?://', description: 'URL residents and agents reach the server at' }),
        trustProxy: Type.Boolean(),
        bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 10_485_760 }),
      },
      { additionalProperties: false },
    ),
    log: Type.Object({ level: LogLevel, pretty: Type.Boolean() }, { additionalProperties: false }),
    dataDir: Type.String({ minLength: 1, description: 'Folder for the SQLite store and demo credentials (relative to the repo root)' }),
    store: Type.Object(
      { kind: Type.Literal('sqlite'), file: Type.String({ minLength: 1 }) },
      { additionalProperties: false },
    ),
    auth: Type.Object(
      {
        sessionTtlMinutes: Type.Integer({ minimum: 5, maximum: 24 * 60 }),
        secureCookies: Type.Boolean({ description: 'Set the Secure flag (true behind HTTPS)' }),
        metricsToken: Type.String({ description: 'Bearer token for /metrics; empty = technicians only' }),
      },
      { additionalProperties: false },
    ),
    sfu: Type.Object(
      {
        numWorkers: Type.Integer({ minimum: 0, maximum: 64, description: '0 = one per CPU core' }),
        logLevel: Type.Union([Type.Literal('debug'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('none')]),
        rtcMinPort: Port,
        rtcMaxPort: Port,
        listenIps: Type.Array(ListenIp, { minItems: 1 }),
        initialAvailableOutgoingBitrate: Type.Integer({ minimum: 100_000, description: 'Starting estimate of the downlink per transport (bps)' }),
        maxIncomingBitrate: Type.Integer({ minimum: 100_000, description: 'Cap on what one participant may send (bps)' }),
        maxVideoBitrate: Type.Integer({ minimum: 100_000, description: 'Cap clients apply to their camera encoding (bps)' }),
      },
      { additionalProperties: false },
    ),
    calls: Type.Object(
      {
        reconnectGraceSeconds: Type.Integer({ minimum: 1, maximum: 600, description: 'How long a dropped client may resume its session' }),
        offerTimeoutSeconds: Type.Integer({ minimum: 5, maximum: 300, description: 'An unanswered offer goes to the next agent after this' }),
        averageHandleSeconds: Type.Integer({ minimum: 10, description: 'Starting estimate of a call length, for queue wait estimates' }),
        maxMessagesPerSecond: Type.Integer({ minimum: 1, maximum: 1000, description: 'Signalling rate limit per socket (burst: twice this)' }),
        maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, description: 'Largest signalling message' }),
      },
      { additionalProperties: false },
    ),
    demo: Type.Object(
      { seed: Type.Boolean({ description: 'Create demo accounts and the demo kiosk on start-up' }) },
      { additionalProperties: false },
    ),
    kiosk: Type.Object(
      {
        id: Type.String({ minLength: 1 }),
        serverUrl: Type.String({ pattern: '^https?://' }),
        credentialFile: Type.String({ minLength: 1, description: 'JSON file with { kioskId, credential }' }),
        hostPort: Port,
        printer: SerialDevice,
        cardReader: SerialDevice,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type BoothConfig = Static<typeof BoothConfig>;
