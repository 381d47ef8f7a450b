/**
 * The one schema for booth-server and kiosk configuration files. Every field
 * has a default in config/default.json; site files override what they need.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CardReaderSettings, KioskOpeningHours, NEEDS, PrinterSettings, QualityThresholds, ReceiptLanguage } from '@citizen/protocol';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)));

const ListenIp = Type.Object(
  {
    ip: Type.String({ minLength: 1, description: 'Local address the RTC ports bind to' }),
    announcedIp: Type.Optional(Type.String({ minLength: 1, description: 'Public address given to clients (NAT)' })),
  },
  { additionalProperties: false },
);

/** Case follow-up: service standards, outcome codes and the public status lookup (booth-server/src/inquiries). */
const ResponseDays = Type.Integer({ minimum: 1, maximum: 365, description: 'Calendar days within which the resident is promised a response' });
const Inquiries = Type.Object(
  {
    serviceStandards: Type.Object(
      {
        defaultResponseDays: ResponseDays,
        topics: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), Type.Object({ responseDays: ResponseDays }, { additionalProperties: false }), {
          maxProperties: 200,
          additionalProperties: false,
          description: 'Per topic key (as guided flows name them); topics not listed get defaultResponseDays',
        }),
      },
      { additionalProperties: false },
    ),
    outcomeCodes: Type.Array(
      Type.Object(
        {
          code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$', description: 'Stable code stored with the case' }),
          label: Type.String({ minLength: 1, maxLength: 80, description: 'Shown to staff' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100, description: 'Outcomes staff can record; codes must be unique' },
    ),
    statusLookupsPerMinute: Type.Integer({ minimum: 1, maximum: 1000, description: 'Public status lookups per client address per minute' }),
  },
  { additionalProperties: false },
);

/** Supervisors' reports (booth-server/src/supervision). */
const Reports = Type.Object(
  {
    timeZone: Type.String({ minLength: 1, description: 'IANA time zone whose calendar days the reports count by, e.g. Europe/Copenhagen' }),
    maxRangeDays: Type.Integer({ minimum: 1, maximum: 3660, description: 'Longest range one report may span, in days (bounds the work of one request)' }),
  },
  { additionalProperties: false },
);

/** The serial devices' settings are the protocol's, shared with kiosk configuration profiles. */
const Printer = PrinterSettings;
const CardReader = CardReaderSettings;

const Receipt = Type.Object(
  {
    municipality: Type.String({ minLength: 1, maxLength: 60 }),
    place: Type.String({ minLength: 1, maxLength: 80, description: 'Where the kiosk stands, printed on receipts' }),
    statusPageUrl: Type.String({ pattern: '^https?://[\\x21-\\x7e]*\\{reference\\}[\\x21-\\x7e]*$', description: 'Public status page; {reference} is replaced by the reference' }),
    timeZone: Type.String({ minLength: 1, description: 'IANA time zone of printed dates, e.g. Europe/Copenhagen' }),
    fallbackLanguage: Type.Union(ReceiptLanguage.anyOf, { description: 'Printed when the resident language is not in the code page' }),
  },
  { additionalProperties: false },
);

const Queue = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,40}$' }),
    name: Type.String({ minLength: 1, maxLength: 80, description: 'Shown to agents and supervisors' }),
    topics: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), {
      description: 'Topics this queue takes; exactly one queue has [] and takes every other topic (and calls without one)',
    }),
    fallbackLanguages: Type.Array(Type.String({ pattern: '^[a-z]{2,3}$' }), { description: 'Languages a resident may be served in when nobody speaks theirs (widening step fallback-language)' }),
    // A kiosk profile's opening hours (protocol), with the holidays read in the queue's time zone.
    openingHours: Type.Object(
      {
        ...KioskOpeningHours.properties,
        closedDates: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { description: 'Public holidays, YYYY-MM-DD in the queue time zone' }),
      },
      { additionalProperties: false },
    ),
    serviceLevel: Type.Object(
      { percent: Type.Integer({ minimum: 1, maximum: 100 }), withinSeconds: Type.Integer({ minimum: 1 }) },
      { additionalProperties: false, description: 'Target, e.g. 80 % answered within 120 s' },
    ),
    widening: Type.Array(
      Type.Object(
        {
          afterSeconds: Type.Integer({ minimum: 0 }),
          match: Type.Union([Type.Literal('language'), Type.Literal('fallback-language'), Type.Literal('any')], {
            description: 'language: any agent with the language (topic no longer required); fallback-language: also agents with a fallback language; any: any agent',
          }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 3, description: 'How the match widens while a resident waits (their place is kept)' },
    ),
  },
  { additionalProperties: false },
);
const Routing = Type.Object(
  {
    wrapUpSeconds: Type.Integer({ minimum: 0, maximum: 1800, description: 'Timed wrap-up after a call, before the next offer' }),
    agingSeconds: Type.Integer({ minimum: 1, description: 'Waiting this long weighs as much as one priority level (no resident waits forever)' }),
    callbackOfferAboveSeconds: Type.Integer({ minimum: 0, description: 'The kiosk offers a callback when the estimated wait is longer' }),
    callbackRetryMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'A callback not reached is tried again after this' }),
    callbackMaxAttempts: Type.Integer({ minimum: 1, maximum: 10, description: 'Attempts before a callback is given up' }),
    priorityNeeds: Type.Object(Object.fromEntries(NEEDS.map((n) => [n, Type.Optional(Type.Integer({ minimum: 0, maximum: 5 }))])), {
      additionalProperties: false,
      description: 'Priority levels a stated need adds (hearing, sight, mobility, interpreter)',
    }),
    queues: Type.Array(Queue, { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** Fleet health: kiosks' heartbeats, the offline rule, alerts and their webhook (booth-server/src/fleet). */
const Fleet = Type.Object(
  {
    heartbeatSeconds: Type.Integer({ minimum: 5, maximum: 3600, description: 'How often each kiosk sends a heartbeat (the server tells kiosks in its answer)' }),
    offlineAfterMissed: Type.Integer({ minimum: 2, maximum: 100, description: 'A kiosk is offline, and alerted, after this many heartbeats in a row did not arrive' }),
    historyDays: Type.Integer({ minimum: 1, maximum: 365, description: 'Heartbeats and cleared alerts older than this are deleted' }),
    rendererCrashesAlertAt: Type.Integer({ minimum: 1, maximum: 100, description: 'Alert when a kiosk reports this many renderer crashes within its 10-minute window' }),
    webhook: Type.Object(
      {
        url: Type.String({ pattern: '^(https?://.+)?$', description: 'Where alerts are POSTed as JSON; empty = no webhook' }),
        secret: Type.String({ description: 'HMAC-SHA256 key of the x-citizen-signature header; required with a url' }),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, description: 'One delivery attempt gives up after this' }),
        retries: Type.Integer({ minimum: 0, maximum: 10, description: 'Further attempts after a failed one (network error, timeout, 429 or 5xx), 1 s doubling' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/**
 * TURN (booth-server/src/turn): the relay kiosks and consoles fall back to when
 * direct UDP/TCP to the SFU is blocked. booth-server gives each participant a
 * credential that expires after credentialTtlSeconds (TURN REST API scheme,
 * shared secret with coturn's `static-auth-secret`); the secret is never sent.
 */
const Turn = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Hand clients TURN servers with short-lived credentials (needs urls and secret)' }),
    urls: Type.Array(Type.String({ pattern: '^turns?:[^\\s?]+(\\?transport=(udp|tcp))?$' }), {
      maxItems: 10,
      description: 'TURN URIs the clients use, e.g. turn:turn.example.org:3478?transport=udp, turn:turn.example.org:3478?transport=tcp, turns:turn.example.org:5349?transport=tcp',
    }),
    secret: Type.String({ description: "coturn's static-auth-secret (use-auth-secret); at least 16 characters when enabled; never sent to clients" }),
    credentialTtlSeconds: Type.Integer({ minimum: 60, maximum: 86_400, description: 'How long a handed-out credential allows new allocations; clients refresh it before then' }),
    startLocal: Type.Boolean({ description: 'Demo and tests only: `npm start` runs its own coturn on loopback with the settings in local (and the same secret)' }),
    local: Type.Object(
      {
        port: Port,
        tlsPort: Type.Integer({ minimum: 0, maximum: 65535, description: 'TURN over TLS (turns:); 0 = none; needs certFile and keyFile' }),
        certFile: Type.String({ description: 'PEM certificate for tlsPort' }),
        keyFile: Type.String({ description: 'PEM private key for tlsPort' }),
        relayMinPort: Port,
        relayMaxPort: Port,
        realm: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9.-]+$' }),
      },
      { additionalProperties: false, description: 'The local coturn of startLocal (listens on 127.0.0.1 only, allows loopback peers)' },
    ),
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
      {
        kind: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], {
          description: 'sqlite: one process on an embedded file (the default); postgres: a PostgreSQL server several nodes share',
        }),
        file: Type.String({ minLength: 1, description: 'SQLite file inside dataDir (kind sqlite)' }),
        postgresUrl: Type.Optional(
          Type.String({ description: 'postgres://user:password@host:port/database (kind postgres; required then). Checked at start-up, never echoed in errors' }),
        ),
        postgresMaxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Connections this node keeps to PostgreSQL (default 10)' })),
      },
      { additionalProperties: false },
    ),
    cluster: Type.Object(
      {
        redisUrl: Type.String({
          description: "Redis a site's booth-server nodes share (redis://host:port, rediss:// with TLS); empty: one node, its live state in process. Checked at start-up, never echoed in errors",
        }),
        keyPrefix: Type.String({ pattern: '^[A-Za-z0-9:_-]{1,40}$', description: 'Prefix of every key and channel this site uses, so sites can share a Redis' }),
      },
      { additionalProperties: false },
    ),
    auth: Type.Object(
      {
        idleTimeoutMinutes: Type.Integer({ minimum: 5, maximum: 24 * 60, description: 'A staff session ends after this long unused (an open signalling socket counts as use); at most absoluteTimeoutMinutes' }),
        absoluteTimeoutMinutes: Type.Integer({ minimum: 5, maximum: 24 * 60, description: 'A staff session ends this long after sign-in, used or not' }),
        totpChallengeSeconds: Type.Integer({ minimum: 30, maximum: 900, description: 'How long the code step of a two-step sign-in may take; the challenge works once' }),
        totpIssuer: Type.String({ minLength: 1, maxLength: 60, pattern: '^[^:]+$', description: 'Name authenticator apps show next to the account (no colon)' }),
        secureCookies: Type.Boolean({ description: 'Set the Secure flag (true behind HTTPS)' }),
        metricsToken: Type.String({ description: 'Bearer token for /metrics; empty = technicians only' }),
        socketRecheckSeconds: Type.Integer({ minimum: 5, maximum: 3600, description: 'How often open sockets are checked against their sign-in or kiosk credential' }),
        loginAttemptsPerMinute: Type.Integer({ minimum: 1, maximum: 1000, description: 'Sign-in attempts per client address per minute' }),
        loginAttemptsPerMinuteGlobal: Type.Integer({ minimum: 1, maximum: 100_000, description: 'Sign-in attempts per minute over all addresses (bounds password-hashing work)' }),
        kioskEnrolmentCodeMinutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60, description: 'How long a kiosk enrolment code works (it works once)' }),
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
    turn: Turn,
    calls: Type.Object(
      {
        reconnectGraceSeconds: Type.Integer({ minimum: 1, maximum: 600, description: 'How long a dropped client may resume its session' }),
        offerTimeoutSeconds: Type.Integer({ minimum: 5, maximum: 300, description: 'An unanswered offer goes to the next agent after this' }),
        averageHandleSeconds: Type.Integer({ minimum: 10, description: 'Starting estimate of a call length, for queue wait estimates' }),
        maxMessagesPerSecond: Type.Integer({ minimum: 1, maximum: 1000, description: 'Signalling rate limit per socket (burst: twice this)' }),
        maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, description: 'Largest signalling message' }),
        pingIntervalSeconds: Type.Integer({ minimum: 0, maximum: 300, description: 'Server ping period; a socket that misses one ping is dropped (0 = off)' }),
        checkResults: Type.Boolean({ description: 'Check every signalling result against its schema (development and tests)' }),
        maxTransportsPerParticipant: Type.Integer({ minimum: 2, maximum: 16 }),
        maxConsumersPerParticipant: Type.Integer({ minimum: 2, maximum: 64 }),
        maxCallRequestsPerKioskPerMinute: Type.Integer({ minimum: 1, maximum: 600, description: 'Inquiries one kiosk may open per minute' }),
        quality: { ...QualityThresholds, description: 'When a call steps down on a bad network (lower video, sound only, text, callback) and back up; each end measures every periodMs' },
      },
      { additionalProperties: false },
    ),
    routing: Routing,
    demo: Type.Object(
      {
        seed: Type.Boolean({
          description: 'Create demo accounts (known passwords) and the demo kiosk on start-up. Off by default; `npm start` turns it on. Without it, booth-server refuses to start while a demo account still has its demo password.',
        }),
      },
      { additionalProperties: false },
    ),
    kiosk: Type.Object(
      {
        id: Type.String({ minLength: 1 }),
        serverUrl: Type.String({ pattern: '^https?://' }),
        identityFile: Type.String({ minLength: 1, description: 'The kiosk shell keeps its enrolled identity here (kiosk id and private key, encrypted with the OS where it can; mode 0600)' }),
        enrolmentCodeFile: Type.String({
          minLength: 1,
          description: 'Demo only: the demo seed writes the demo kiosk\'s enrolment code here and the shell enrols with it on its first start, then deletes it',
        }),
        hostPort: Port,
        printer: Printer,
        cardReader: CardReader,
        receipt: Receipt,
        virtualHardwarePort: Type.Integer({ minimum: 0, maximum: 65535, description: 'Demo only: loopback port of the virtual hardware control endpoint; 0 = none' }),
        iceTransportPolicy: Type.Optional(
          Type.Union([Type.Literal('all'), Type.Literal('relay')], {
            description: "relay: this kiosk's calls go through TURN only (a site whose network lets nothing else through); all (default): direct first, TURN when direct fails. A configuration profile's call.iceTransportPolicy wins",
          }),
        ),
        technicianPinHash: Type.Optional(
          Type.String({
            pattern: '^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9+/]+={0,2}\\$[A-Za-z0-9+/]+={0,2}$',
            description: 'scrypt hash of the PIN that opens technician mode on this kiosk (`npm run -s technician-pin -w kiosk` makes one); without it technician mode cannot be opened',
          }),
        ),
        help: Type.Optional(
          Type.Object(
            {
              desk: Type.String({ minLength: 1, maxLength: 120, description: 'Where a resident finds staff when the kiosk is out of order' }),
              phone: Type.String({ minLength: 1, maxLength: 40, description: "The municipality's citizen service phone number" }),
            },
            { additionalProperties: false },
          ),
        ),
        session: Type.Optional(
          Type.Object(
            {
              idleWarnSeconds: Type.Integer({ minimum: 10, maximum: 900, description: 'No touch for this long on a guided screen: "Are you still there?"' }),
              idleWipeSeconds: Type.Integer({ minimum: 5, maximum: 120, description: 'Then this long to answer before the session is wiped and the kiosk returns to its attract screen' }),
              readAloudOnArrival: Type.Optional(Type.Boolean({ description: 'Read every screen aloud when it appears (a booth for residents with low vision); otherwise on request' })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    inquiries: Inquiries,
    reports: Reports,
    fleet: Fleet,
  },
  { additionalProperties: false },
);
export type BoothConfig = Static<typeof BoothConfig>;
