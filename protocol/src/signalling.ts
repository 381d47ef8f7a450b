/**
 * The signalling protocol spoken over one WebSocket per client (kiosk at
 * /ws/kiosk, staff at /ws/agent). Three envelopes:
 *
 *   client → server  { type: 'request', id, method, data }
 *   server → client  { type: 'response', id, ok: true, data } | { type: 'response', id, ok: false, error }
 *   server → client  { type: 'notification', method, data }
 *
 * Every request method and notification has one schema for its data (and a
 * result schema); the server validates every incoming message against them
 * and answers a bad one with an error response, never by closing the socket.
 *
 * Sessions survive a dropped socket: `hello` returns a resume token; a client
 * that reconnects within the grace period and says `hello { resumeToken }`
 * gets the same session back (same call, same place in the queue).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { LanguageTag } from './http';
import { CardKind, Need, ReferenceSchema } from './vocab';
import { CallQuality, ChatMessage, ChatText, Invitation, QualityStage, QualityThresholds, KioskDocument, KioskPush, PrintOutcome, PushAnswer, StaffMember, TransferInfo, TransferTarget } from './inCall';

// ---------------------------------------------------------------- mediasoup shapes (validated loosely; mediasoup checks the rest)
const Str = (max = 256) => Type.String({ maxLength: max });
const Params = Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]), {
  maxProperties: 32,
});
const RtcpFeedback = Type.Object({ type: Str(32), parameter: Type.Optional(Str(32)) });
const RtpCodec = Type.Object({
  mimeType: Str(64),
  payloadType: Type.Optional(Type.Integer({ minimum: 0, maximum: 127 })),
  preferredPayloadType: Type.Optional(Type.Integer({ minimum: 0, maximum: 127 })),
  clockRate: Type.Integer({ minimum: 1 }),
  channels: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
  kind: Type.Optional(Type.Union([Type.Literal('audio'), Type.Literal('video')])),
  parameters: Type.Optional(Params),
  rtcpFeedback: Type.Optional(Type.Array(RtcpFeedback, { maxItems: 16 })),
});
const HeaderExtension = Type.Object({
  uri: Str(256),
  id: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
  preferredId: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
  kind: Type.Optional(Str(16)),
  encrypt: Type.Optional(Type.Boolean()),
  preferredEncrypt: Type.Optional(Type.Boolean()),
  direction: Type.Optional(Str(16)),
  parameters: Type.Optional(Params),
});
const Encoding = Type.Object(
  {
    ssrc: Type.Optional(Type.Integer({ minimum: 0 })),
    rid: Type.Optional(Str(32)),
    codecPayloadType: Type.Optional(Type.Integer()),
    rtx: Type.Optional(Type.Object({ ssrc: Type.Integer({ minimum: 0 }) })),
    dtx: Type.Optional(Type.Boolean()),
    scalabilityMode: Type.Optional(Str(16)),
    maxBitrate: Type.Optional(Type.Integer({ minimum: 0 })),
    scaleResolutionDownBy: Type.Optional(Type.Number()),
    active: Type.Optional(Type.Boolean()),
    networkPriority: Type.Optional(Str(16)),
    maxFramerate: Type.Optional(Type.Number()),
    adaptivePtime: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);
export const RtpParameters = Type.Object({
  mid: Type.Optional(Str(32)),
  codecs: Type.Array(RtpCodec, { minItems: 1, maxItems: 16 }),
  headerExtensions: Type.Optional(Type.Array(HeaderExtension, { maxItems: 32 })),
  encodings: Type.Optional(Type.Array(Encoding, { maxItems: 4 })),
  rtcp: Type.Optional(Type.Object({ cname: Type.Optional(Str(64)), reducedSize: Type.Optional(Type.Boolean()), mux: Type.Optional(Type.Boolean()) })),
});
export const RtpCapabilities = Type.Object({
  codecs: Type.Optional(Type.Array(RtpCodec, { maxItems: 64 })),
  headerExtensions: Type.Optional(Type.Array(HeaderExtension, { maxItems: 64 })),
});
export const DtlsParameters = Type.Object({
  role: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('client'), Type.Literal('server')])),
  fingerprints: Type.Array(Type.Object({ algorithm: Str(16), value: Str(256) }), { minItems: 1, maxItems: 8 }),
});
const IceParameters = Type.Object({ usernameFragment: Str(), password: Str(), iceLite: Type.Optional(Type.Boolean()) });
const IceCandidate = Type.Object({
  foundation: Str(),
  priority: Type.Number(),
  ip: Str(64),
  address: Type.Optional(Str(64)),
  protocol: Type.Union([Type.Literal('udp'), Type.Literal('tcp')]),
  port: Type.Integer(),
  type: Str(16),
  tcpType: Type.Optional(Str(16)),
});
const SctpParameters = Type.Object({
  port: Type.Integer(),
  OS: Type.Integer(),
  MIS: Type.Integer(),
  maxMessageSize: Type.Integer(),
});
export const SctpStreamParameters = Type.Object({
  streamId: Type.Integer({ minimum: 0, maximum: 65535 }),
  ordered: Type.Optional(Type.Boolean()),
  maxPacketLifeTime: Type.Optional(Type.Integer({ minimum: 0 })),
  maxRetransmits: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const TransportParams = Type.Object({
  id: Str(64),
  iceParameters: IceParameters,
  iceCandidates: Type.Array(IceCandidate),
  dtlsParameters: DtlsParameters,
  sctpParameters: Type.Optional(SctpParameters),
});
export type TransportParams = Static<typeof TransportParams>;

/**
 * A TURN server entry as RTCPeerConnection takes it (RTCIceServer): the
 * site's turn:/turns: URIs with a short-lived credential made for this
 * participant (TURN REST API scheme: username "<expiry>:<who>", credential
 * HMAC-SHA1 of it with a secret only the server and coturn know).
 */
export const IceServer = Type.Object({
  urls: Type.Array(Type.String({ maxLength: 256, pattern: '^(turns?|stuns?):' }), { minItems: 1, maxItems: 10 }),
  username: Type.String({ maxLength: 128 }),
  credential: Type.String({ maxLength: 128 }),
});
export type IceServer = Static<typeof IceServer>;
/** ICE servers with when their credential stops working for new allocations (null: none to refresh). */
const IceServers = {
  iceServers: Type.Array(IceServer, { maxItems: 4 }),
  iceServersExpireAt: Type.Union([Type.String(), Type.Null()]),
};

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const MediaKind = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
export type MediaKind = Static<typeof MediaKind>;
/** What a producer carries, so the far side can lay it out. */
const Source = Type.Union([Type.Literal('camera'), Type.Literal('microphone')]);

// ---------------------------------------------------------------- call state shared by both sides
export const ParticipantRole = Type.Union([Type.Literal('resident'), Type.Literal('agent'), Type.Literal('supervisor'), Type.Literal('interpreter')]);
export type ParticipantRole = Static<typeof ParticipantRole>;

export const ProducerInfo = Type.Object({
  producerId: Id,
  participantId: Id,
  kind: MediaKind,
  source: Source,
  paused: Type.Boolean(),
});
export type ProducerInfo = Static<typeof ProducerInfo>;

export const ParticipantInfo = Type.Object({ participantId: Id, role: ParticipantRole, displayName: Str(120) });
export type ParticipantInfo = Static<typeof ParticipantInfo>;

export const CallRequestInfo = Type.Object(
  {
    language: LanguageTag,
    topic: Type.Optional(Type.String({ maxLength: 64, pattern: '^[a-z0-9-]+$' })),
    /** Answers the resident already gave in a guided flow: never asked twice. */
    answers: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 500 }), { maxProperties: 40 })),
    /** Stated needs (hearing, sight, mobility, interpreter): priority in the queue, shown to the agent. */
    needs: Type.Optional(Type.Array(Need, { uniqueItems: true, maxItems: 4 })),
    /** The card the resident presented and agreed to share: its kind and masked form only, never the number. */
    card: Type.Optional(Type.Object({ kind: CardKind, masked: Type.String({ maxLength: 28, pattern: '^[•* ]{1,24}[0-9A-Za-z]{0,4}$' }) }, { additionalProperties: false })),
  },
  // Whatever the kiosk sends here is shown to agents: nothing unannounced gets through.
  { additionalProperties: false },
);
export type CallRequestInfo = Static<typeof CallRequestInfo>;

export const EndReason = Type.Union([
  Type.Literal('hangup-resident'),
  Type.Literal('hangup-agent'),
  Type.Literal('left-queue'),
  Type.Literal('connection-lost'),
  Type.Literal('no-agent'),
  Type.Literal('server-shutdown'),
  /** The resident asked to be called back instead: the callback keeps their place. */
  Type.Literal('callback'),
  /** The agent transferred the call (the agent's part ended; the resident waits for the next). */
  Type.Literal('transferred'),
]);
export type EndReason = Static<typeof EndReason>;

/** The whole call as one participant sees it; sent on (re)connect so a client can resync. */
export const CallSnapshot = Type.Union([
  Type.Object({
    step: Type.Literal('queued'),
    callId: Id,
    reference: ReferenceSchema,
    position: Type.Integer({ minimum: 1 }),
    estimatedWaitSeconds: Type.Integer({ minimum: 0 }),
  }),
  Type.Object({
    step: Type.Literal('offered'),
    callId: Id,
  }),
  Type.Object({
    step: Type.Literal('in-call'),
    callId: Id,
    /** The inquiry's reference number, for the resident to follow up. */
    reference: ReferenceSchema,
    /** The inquiry (case) the call belongs to: what the agent updates during and after the call (`/api/inquiries/:id`). */
    inquiryId: Id,
    participantId: Id,
    routerRtpCapabilities: RtpCapabilities,
    /** Cap the client applies to its camera encoding (from the server's config). */
    maxVideoBitrate: Type.Integer({ minimum: 0 }),
    /** When to step down and back up on a bad network (the server's `calls.quality`). */
    quality: QualityThresholds,
    /** The call's stage now (a client that resumes applies it). */
    stage: CallQuality,
    participants: Type.Array(ParticipantInfo),
    producers: Type.Array(ProducerInfo),
    request: CallRequestInfo,
    startedAt: Type.String(),
  }),
  Type.Object({ step: Type.Literal('ended'), callId: Id, reason: EndReason }),
]);
export type CallSnapshot = Static<typeof CallSnapshot>;

export const CallOffer = Type.Object({
  /** The call's id, or the callback's. */
  callId: Id,
  /** A video call from a kiosk, or a callback the agent makes by phone. */
  kind: Type.Union([Type.Literal('call'), Type.Literal('callback')]),
  kiosk: Type.Object({ id: Str(64), name: Str(120), location: Str(200) }),
  request: CallRequestInfo,
  queuedAt: Type.String(),
  /** The call was transferred to you (or your queue) by another agent. */
  transfer: Type.Optional(TransferInfo),
});

/** Phone numbers as a resident types them on the kiosk keypad: digits, spaces, an optional leading +. */
export const PhoneNumber = Type.String({ pattern: '^\\+?[0-9][0-9 ]{5,19}$' });

export const CallbackInfo = Type.Object({
  callbackId: Id,
  reference: ReferenceSchema,
  /** The inquiry (case) the callback belongs to. */
  inquiryId: Id,
  kiosk: Type.Object({ id: Str(64), name: Str(120), location: Str(200) }),
  request: CallRequestInfo,
  queuedAt: Type.String(),
  state: Type.Union([Type.Literal('waiting'), Type.Literal('offered'), Type.Literal('taken')]),
  attempts: Type.Integer({ minimum: 0 }),
  /** Only for the agent who has taken it. */
  phone: Type.Optional(PhoneNumber),
  agentName: Type.Optional(Str(120)),
});
export type CallbackInfo = Static<typeof CallbackInfo>;
export type CallOffer = Static<typeof CallOffer>;

/** An agent's presence: what they chose, or what their calls make it. */
export const AgentPresence = Type.Union([
  Type.Object({ state: Type.Union([Type.Literal('available'), Type.Literal('away'), Type.Literal('in-call')]), since: Type.String() }),
  Type.Object({ state: Type.Literal('wrap-up'), since: Type.String(), wrapUpUntil: Type.String() }),
]);
export type AgentPresence = Static<typeof AgentPresence>;

/** What a supervisor watches: queues, agents and kiosks, now. */
export const LiveView = Type.Object({
  at: Type.String(),
  queues: Type.Array(
    Type.Object({
      id: Str(64),
      name: Str(120),
      open: Type.Boolean(),
      waiting: Type.Integer({ minimum: 0 }),
      longestWaitSeconds: Type.Integer({ minimum: 0 }),
      serviceLevel: Type.Object({ percent: Type.Integer(), withinSeconds: Type.Integer() }),
      /** Share answered within the target over the last 24 hours (null before anything counts). */
      attainedPercent: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Null()]),
      answeredToday: Type.Integer({ minimum: 0 }),
    }),
  ),
  agents: Type.Array(Type.Object({ userId: Str(64), displayName: Str(120), presence: AgentPresence })),
  kiosks: Type.Array(Type.Object({ kioskId: Str(64), name: Str(120), location: Str(200), state: Type.Union([Type.Literal('idle'), Type.Literal('waiting'), Type.Literal('in-call')]) })),
});
export type LiveView = Static<typeof LiveView>;

export const OngoingCall = Type.Object({
  callId: Id,
  kioskName: Str(120),
  language: LanguageTag,
  topic: Type.Optional(Str(64)),
  participants: Type.Array(ParticipantInfo),
  startedAt: Type.String(),
});
export type OngoingCall = Static<typeof OngoingCall>;

export const TransportStats = Type.Object({
  transportId: Id,
  bytesSent: Type.Number(),
  bytesReceived: Type.Number(),
  sendBitrate: Type.Number(),
  recvBitrate: Type.Number(),
  iceState: Str(16),
  dtlsState: Str(16),
});

// ---------------------------------------------------------------- requests: method → [data schema, result schema]
const Empty = Type.Object({}, { additionalProperties: false });
const req = <D extends TSchema, R extends TSchema>(data: D, result: R) => ({ data, result });
const obj = <P extends Parameters<typeof Type.Object>[0]>(p: P) => Type.Object(p, { additionalProperties: false });

/** Requests both kinds of client may send. */
export const COMMON_REQUESTS = {
  hello: req(
    obj({ resumeToken: Type.Optional(Type.String({ maxLength: 128 })) }),
    Type.Object({ resumeToken: Type.String(), resumed: Type.Boolean(), call: Type.Union([CallSnapshot, Type.Null()]) }),
  ),
  /**
   * Opens this session's media endpoint on the SFU: where its transports
   * live, before and during calls. A kiosk opens it while its resident waits
   * (transports connected, no camera or microphone), an agent while available
   * for calls, so that a call's media starts on connections already made.
   */
  openMedia: req(Empty, Type.Object({ routerRtpCapabilities: RtpCapabilities, maxVideoBitrate: Type.Integer({ minimum: 0 }), ...IceServers })),
  /**
   * Fresh TURN credentials for this session's transports (empty when the
   * site has no TURN). Clients ask before an ICE restart, before making
   * transports again, and before the ones they hold expire.
   */
  turnCredentials: req(Empty, Type.Object(IceServers)),
  /** `sctp`: the transport also carries data channels (the warm-up channel). */
  createTransport: req(obj({ direction: Type.Union([Type.Literal('send'), Type.Literal('recv')]), sctp: Type.Optional(Type.Boolean()) }), TransportParams),
  connectTransport: req(obj({ transportId: Id, dtlsParameters: DtlsParameters }), Empty),
  /** A data channel on a send transport: connects it (ICE, DTLS) before any media. One per endpoint. */
  produceData: req(
    obj({ transportId: Id, sctpStreamParameters: SctpStreamParameters, label: Str(32), protocol: Str(32) }),
    Type.Object({ dataProducerId: Id }),
  ),
  /** The SFU's beacon channel on a receive transport: connects it (ICE, DTLS) before any media. One per endpoint. */
  consumeData: req(
    obj({ transportId: Id }),
    Type.Object({ dataConsumerId: Id, dataProducerId: Id, sctpStreamParameters: SctpStreamParameters, label: Str(32), protocol: Str(32) }),
  ),
  produce: req(obj({ callId: Id, transportId: Id, kind: MediaKind, source: Source, rtpParameters: RtpParameters, paused: Type.Optional(Type.Boolean()) }), Type.Object({ producerId: Id })),
  closeProducer: req(obj({ producerId: Id }), Empty),
  pauseProducer: req(obj({ producerId: Id }), Empty),
  resumeProducer: req(obj({ producerId: Id }), Empty),
  consume: req(
    obj({ callId: Id, transportId: Id, producerId: Id, rtpCapabilities: RtpCapabilities }),
    Type.Object({ consumerId: Id, producerId: Id, kind: MediaKind, rtpParameters: RtpParameters, producerPaused: Type.Boolean() }),
  ),
  resumeConsumer: req(obj({ consumerId: Id }), Empty),
  restartIce: req(obj({ transportId: Id }), Type.Object({ iceParameters: IceParameters })),
  getTransportStats: req(obj({ transportId: Id }), TransportStats),
  endCall: req(obj({ callId: Id }), Empty),
  /** A chat message to everyone in the call (./inCall.ts ChatMessage); it comes back to all, the sender too, as `chatMessage`. */
  sendChat: req(obj({ callId: Id, text: ChatText }), Type.Object({ messageId: Id, at: Type.String() })),
  /**
   * The stage this participant's own measurements allow (call-client
   * media/quality.ts); the server makes the call's stage of everyone's and
   * tells them all with `callQuality`.
   */
  reportQuality: req(obj({ callId: Id, stage: QualityStage, reason: Str(200) }), Empty),
} as const;

export const KIOSK_REQUESTS = {
  ...COMMON_REQUESTS,
  requestCall: req(CallRequestInfo, Type.Object({ callId: Id, reference: ReferenceSchema, position: Type.Integer({ minimum: 1 }), estimatedWaitSeconds: Type.Integer({ minimum: 0 }) })),
  leaveQueue: req(obj({ callId: Id }), Empty),
  /** The resident's rating (1-5) of the call that just ended, once, from the kiosk that made it. */
  rateCall: req(obj({ callId: Id, rating: Type.Integer({ minimum: 1, maximum: 5 }) }), Empty),
  /** Before "talk to a person": is the queue open, how long is the wait, should a callback be offered instead? */
  queueStatus: req(
    obj({ language: LanguageTag, topic: Type.Optional(Type.String({ maxLength: 64, pattern: '^[a-z0-9-]+$' })) }),
    Type.Object({
      queueId: Str(64),
      open: Type.Boolean(),
      opensAt: Type.Union([Type.String(), Type.Null()]),
      estimatedWaitSeconds: Type.Integer({ minimum: 0 }),
      suggestCallback: Type.Boolean(),
    }),
  ),
  /**
   * A callback by phone instead of waiting at the kiosk: with `callId`, the
   * resident's waiting call becomes the callback and keeps its place; without,
   * a new callback joins the queue (also when it is closed: it is served when
   * it opens). The resident must consent to the number being kept for it.
   */
  requestCallback: req(
    Type.Object(
      {
        ...CallRequestInfo.properties,
        phone: PhoneNumber,
        consent: Type.Literal(true),
        callId: Type.Optional(Id),
      },
      { additionalProperties: false },
    ),
    Type.Object({ callbackId: Id, reference: ReferenceSchema, position: Type.Integer({ minimum: 1 }), opensAt: Type.Union([Type.String(), Type.Null()]) }),
  ),
  /** A written inquiry from the kiosk, answered by the promised date. */
  submitWrittenInquiry: req(
    Type.Object(
      {
        ...CallRequestInfo.properties,
        message: Type.String({ minLength: 1, maxLength: 2000 }),
        phone: Type.Optional(PhoneNumber),
        consent: Type.Literal(true),
      },
      { additionalProperties: false },
    ),
    Type.Object({ reference: ReferenceSchema, promisedBy: Type.String() }),
  ),
  /** The resident's choice: keep the call's chat with their case (true), or let it go when the call ends (false, the default). */
  keepChat: req(obj({ callId: Id, keep: Type.Boolean() }), Empty),
  /** The resident's answer to what the agent showed on the screen. */
  answerPush: req(obj({ callId: Id, pushId: Id, answer: PushAnswer }), Empty),
  /** How the print the agent asked for went. */
  reportPrint: req(Type.Object({ callId: Id, printId: Id, ...PrintOutcome.properties }, { additionalProperties: false }), Empty),
} as const;

export const STAFF_REQUESTS = {
  ...COMMON_REQUESTS,
  /** Available for calls, or away. */
  setAvailability: req(obj({ available: Type.Boolean() }), Type.Object({ available: Type.Boolean(), presence: AgentPresence, offer: Type.Union([CallOffer, Type.Null()]) })),
  /** Ends the wrap-up after a call before its timer does: ready for the next call. */
  endWrapUp: req(Empty, Type.Object({ presence: AgentPresence, offer: Type.Union([CallOffer, Type.Null()]) })),
  acceptCall: req(obj({ callId: Id }), CallSnapshot),
  declineCall: req(obj({ callId: Id }), Empty),
  listCalls: req(Empty, Type.Object({ calls: Type.Array(OngoingCall) })),
  joinCall: req(obj({ callId: Id, as: Type.Union([Type.Literal('supervisor'), Type.Literal('interpreter')]) }), CallSnapshot),
  leaveCall: req(obj({ callId: Id }), Empty),
  /** Callbacks waiting and in hand: all for supervisors; for an agent those they could take and their own. */
  listCallbacks: req(Empty, Type.Object({ callbacks: Type.Array(CallbackInfo) })),
  /** Takes a callback offered to you: the answer carries the phone number to call. */
  acceptCallback: req(obj({ callbackId: Id }), CallbackInfo),
  /** After calling: reached (done), or not reached (tried again later, up to the configured attempts). */
  completeCallback: req(obj({ callbackId: Id, reached: Type.Boolean() }), Empty),
  /** Shows information on the kiosk screen over the call, or asks the resident to confirm it. */
  pushToKiosk: req(obj({ callId: Id, item: KioskPush }), Type.Object({ pushId: Id })),
  /** Prints a document at the kiosk (the answer comes as `printResult`). */
  printAtKiosk: req(obj({ callId: Id, document: KioskDocument }), Type.Object({ printId: Id })),
  /** Agents and supervisors online, and the queues: whom to invite, where to transfer. */
  listStaff: req(Empty, Type.Object({ staff: Type.Array(StaffMember), queues: Type.Array(Type.Object({ id: Str(64), name: Str(120), open: Type.Boolean() })) })),
  /** Invites a supervisor or an interpreter into your call; they join with joinCall. */
  inviteToCall: req(obj({ callId: Id, userId: Id, as: Type.Union([Type.Literal('supervisor'), Type.Literal('interpreter')]) }), Empty),
  declineInvitation: req(obj({ callId: Id }), Empty),
  /**
   * Hands the call on: to a queue (the resident keeps their place in line)
   * or to one agent; the resident waits again, the inquiry and its context go
   * with the call, and your part of it ends.
   */
  transferCall: req(obj({ callId: Id, to: TransferTarget, note: Type.Optional(Type.String({ maxLength: 500 })) }), Empty),
  /** The agent moves the call to a stage by hand (e.g. to chat), or hands it back to the network (null). */
  chooseQuality: req(obj({ callId: Id, stage: Type.Union([QualityStage, Type.Null()]) }), Empty),
} as const;

// ---------------------------------------------------------------- notifications: method → data schema
export const NOTIFICATIONS = {
  queueUpdate: obj({ callId: Id, position: Type.Integer({ minimum: 1 }), estimatedWaitSeconds: Type.Integer({ minimum: 0 }) }),
  /** The call has media now (agent accepted, or the call moved to a new router). */
  callStarted: CallSnapshot,
  /** This session's media endpoint moved to another router (its worker died): make transports again (and, in a call, produce again). */
  mediaReset: obj({ routerRtpCapabilities: RtpCapabilities }),
  participantJoined: obj({ callId: Id, participant: ParticipantInfo }),
  participantLeft: obj({ callId: Id, participantId: Id }),
  producerAdded: obj({ callId: Id, producer: ProducerInfo }),
  producerClosed: obj({ callId: Id, producerId: Id }),
  producerPaused: obj({ callId: Id, producerId: Id }),
  producerResumed: obj({ callId: Id, producerId: Id }),
  callEnded: obj({ callId: Id, reason: EndReason }),
  /** Staff: a call is offered to you. */
  callOffered: CallOffer,
  /** Staff: the offer was taken back (resident left, or offered to someone else after a timeout). */
  offerWithdrawn: obj({ callId: Id }),
  /** Staff: your presence changed by itself (a call started or ended, wrap-up ran out). */
  presenceChanged: AgentPresence,
  /** Kiosk: the agent shows this on the screen. */
  kioskPush: obj({ callId: Id, pushId: Id, item: KioskPush }),
  /** Kiosk: print this document now. */
  printRequest: obj({ callId: Id, printId: Id, document: KioskDocument, reference: ReferenceSchema }),
  /** Staff: the resident answered what you showed. */
  pushAnswered: obj({ callId: Id, pushId: Id, answer: PushAnswer }),
  /** Staff: how your print at the kiosk went. */
  printResult: Type.Object({ callId: Id, printId: Id, ...PrintOutcome.properties }),
  /** Staff: you are invited into a call. */
  callInvitation: Invitation,
  /** Staff: the invitation was declined or is void (the call ended). */
  invitationClosed: obj({ callId: Id, userId: Id, reason: Type.Union([Type.Literal('declined'), Type.Literal('call-ended'), Type.Literal('joined')]) }),
  /** Everyone in the call: a chat message (also the sender's own, in the order the server took them). */
  chatMessage: ChatMessage,
  /** Staff: whether the resident chose to keep the chat with their case. */
  chatKept: obj({ callId: Id, keep: Type.Boolean() }),
  /** Kiosk: the agent transferred the call; the resident waits again (same reference, place kept). */
  callTransferred: obj({ callId: Id, position: Type.Integer({ minimum: 1 }), estimatedWaitSeconds: Type.Integer({ minimum: 0 }) }),
  /** Everyone in the call: the call's quality stage changed (a bad network, its recovery, or the agent's choice). */
  callQuality: CallQuality,
} as const;

export type KioskRequests = typeof KIOSK_REQUESTS;
export type StaffRequests = typeof STAFF_REQUESTS;
export type Notifications = typeof NOTIFICATIONS;
export type CommonRequests = typeof COMMON_REQUESTS;
/** A method table: method name → schemas of its data and its result. */
export type MethodTable = Record<string, { data: TSchema; result: TSchema }>;
export type RequestData<M extends Record<string, { data: TSchema }>, K extends keyof M> = Static<M[K]['data']>;
export type RequestResult<M extends Record<string, { result: TSchema }>, K extends keyof M> = Static<M[K]['result']>;
/** What can make typed requests of a method table (the client's SignalClient, or anything standing in for it). */
export interface Requester<M extends MethodTable> {
  request<K extends keyof M & string>(method: K, data: RequestData<M, K>): Promise<RequestResult<M, K>>;
}
export type NotificationData<K extends keyof Notifications> = Static<Notifications[K]>;

// ---------------------------------------------------------------- envelopes
export const RequestEnvelope = Type.Object(
  { type: Type.Literal('request'), id: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), method: Type.String({ maxLength: 64 }), data: Type.Unknown() },
  { additionalProperties: false },
);
export type RequestEnvelope = Static<typeof RequestEnvelope>;

export const SignalError = Type.Object({ code: Type.String(), message: Type.String() });
export type SignalError = Static<typeof SignalError>;

export type ResponseEnvelope = { type: 'response'; id: number; ok: true; data: unknown } | { type: 'response'; id: number | null; ok: false; error: SignalError };
export type NotificationEnvelope = { type: 'notification'; method: keyof Notifications; data: unknown };
export type ServerMessage = ResponseEnvelope | NotificationEnvelope;

/** Signalling error codes. Stable; never reuse a retired one. */
export const SIGNAL_ERRORS = {
  BAD_MESSAGE: 'not a JSON request envelope',
  UNKNOWN_METHOD: 'no such method for this client',
  INVALID_DATA: 'request data does not match the method schema',
  RATE_LIMITED: 'too many messages; slow down',
  NOT_IN_CALL: 'this socket does not belong to that call',
  WRONG_STATE: 'the call is not in a state that allows this',
  STORE_UNAVAILABLE: 'the database is not reachable right now; nothing was changed, try again in a moment',
  LIVE_STATE_UNAVAILABLE: 'the state the site\'s nodes share is not reachable right now; try again in a moment',
  NODE_UNAVAILABLE: 'the node this call lives on did not answer; try again in a moment',
  NOT_FOUND: 'no such transport, producer or consumer in this call',
  HELLO_FIRST: 'send hello before anything else',
  ALREADY_QUEUED: 'this kiosk already has a call',
  NOT_AVAILABLE: 'the agent is not available',
  MEDIA_FAILED: 'the SFU refused the operation',
  FORBIDDEN: 'your role may not do this',
  LIMIT_REACHED: 'a per-participant or per-kiosk limit is reached',
  INTERNAL: 'the server failed to carry out the request; try again',
  NOT_RATEABLE: 'this call cannot be rated (not yours, not ended, or rated already)',
  QUEUE_CLOSED: 'the queue is closed now; a callback or a written inquiry can be left',
} as const;
export type SignalErrorCode = keyof typeof SIGNAL_ERRORS;


