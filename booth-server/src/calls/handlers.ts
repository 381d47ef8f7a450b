/**
 * What each signalling request does, as one table per kind of client. The
 * tables are typed from the protocol's method tables: a handler receives the
 * data type of its method's schema and must return its result type, so a
 * method added to the protocol without a handler (or with the wrong result)
 * does not compile. `hello` is not here: it makes the session these handlers
 * receive (plugin.ts).
 */
import type { types as ms } from 'mediasoup';
import type { Static, TSchema } from '@sinclair/typebox';
import type { CommonRequests, KioskRequests, MethodTable, StaffRequests } from '@citizen/protocol';
import type { CallService, KioskSession, Session, StaffSession } from './CallService';

type Handler<E extends { data: TSchema; result: TSchema }, S> = (session: S, data: Static<E['data']>) => Promise<Static<E['result']>> | Static<E['result']>;
export type HandlerTable<M extends MethodTable, S> = { [K in Exclude<keyof M, 'hello'>]: Handler<M[K], S> };

const empty = {} as const;

/**
 * Media requests, the same for every participant. Transport-level requests go
 * to the session's own endpoint; produce and consume name their call, whose
 * room decides what may be consumed.
 */
function mediaHandlers(service: CallService): HandlerTable<CommonRequests, Session> {
  return {
    openMedia: (s) => service.media.openMedia(s),
    turnCredentials: (s) => service.media.turnCredentials(s),
    createTransport: (s, { direction, sctp }) => service.media.endpoint(s).createTransport(direction, sctp ?? false),
    connectTransport: async (s, { transportId, dtlsParameters }) => {
      const direction = await service.media.endpoint(s).connectTransport(transportId, dtlsParameters as ms.DtlsParameters);
      service.media.markSetup(s, `dtls.${direction}`);
      return empty;
    },
    produceData: async (s, { transportId, sctpStreamParameters, label, protocol }) => ({
      dataProducerId: await service.media.endpoint(s).produceData(transportId, sctpStreamParameters, label, protocol),
    }),
    consumeData: (s, { transportId }) => service.media.endpoint(s).consumeData(transportId),
    produce: async (s, { callId, transportId, kind, source, rtpParameters, paused }) => {
      const { room, participantId } = service.media.room(s, callId);
      return { producerId: await room.produce(participantId, transportId, kind, source, rtpParameters as ms.RtpParameters, paused ?? false) };
    },
    closeProducer: (s, { producerId }) => {
      service.media.endpoint(s).ownProducer(producerId).close();
      return empty;
    },
    pauseProducer: async (s, { producerId }) => {
      await service.media.setProducerPaused(s, producerId, true);
      return empty;
    },
    resumeProducer: async (s, { producerId }) => {
      await service.media.setProducerPaused(s, producerId, false);
      return empty;
    },
    consume: (s, { callId, transportId, producerId, rtpCapabilities }) => {
      const { room, participantId } = service.media.room(s, callId);
      return room.consume(participantId, transportId, producerId, rtpCapabilities as ms.RtpCapabilities);
    },
    resumeConsumer: async (s, { consumerId }) => {
      await service.media.resumeConsumer(s, consumerId);
      return empty;
    },
    restartIce: async (s, { transportId }) => ({ iceParameters: await service.media.endpoint(s).restartIce(transportId) }),
    getTransportStats: (s, { transportId }) => service.media.endpoint(s).transportStats(transportId),
    endCall: (s, { callId }) => {
      service.endCall(s, callId);
      return empty;
    },
    sendChat: (s, { callId, text }) => service.chat.send(s, callId, text),
    reportQuality: (s, { callId, stage, reason }) => {
      service.quality.report(s, callId, stage, reason);
      return empty;
    },
  };
}

export function kioskHandlers(service: CallService): HandlerTable<KioskRequests, KioskSession> {
  return {
    ...mediaHandlers(service),
    requestCall: (s, request) => service.requestCall(s, request),
    leaveQueue: (s, { callId }) => {
      service.leaveQueue(s, callId);
      return empty;
    },
    rateCall: async (s, { callId, rating }) => {
      await service.rateCall(s, callId, rating);
      return empty;
    },
    queueStatus: (_s, request) => service.callbacks.queueStatus(request),
    requestCallback: (s, data) => service.callbacks.requestCallback(s, data),
    submitWrittenInquiry: (s, data) => service.callbacks.submitWrittenInquiry(s, data),
    keepChat: (s, { callId, keep }) => {
      service.chat.keep(s, callId, keep);
      return empty;
    },
    answerPush: (s, { callId, pushId, answer }) => {
      service.tools.answerPush(s, callId, pushId, answer);
      return empty;
    },
    reportPrint: (s, { callId, printId, ...outcome }) => {
      service.tools.reportPrint(s, callId, printId, outcome);
      return empty;
    },
  };
}

export function staffHandlers(service: CallService): HandlerTable<StaffRequests, StaffSession> {
  return {
    ...mediaHandlers(service),
    setAvailability: (s, { available }) => service.agents.setAvailability(s, available),
    endWrapUp: (s) => service.agents.endWrapUp(s),
    acceptCall: (s, { callId }) => service.acceptCall(s, callId),
    declineCall: (s, { callId }) => {
      service.declineCall(s, callId);
      return empty;
    },
    listCalls: (s) => service.tools.listCalls(s),
    joinCall: (s, { callId, as }) => service.joinCall(s, callId, as),
    leaveCall: (s, { callId }) => {
      service.tools.leave(s, callId);
      service.quality.refreshCall(callId);
      return empty;
    },
    listCallbacks: (s) => ({ callbacks: service.callbacks.list(s) }),
    acceptCallback: (s, { callbackId }) => service.callbacks.accept(s, callbackId),
    completeCallback: async (s, { callbackId, reached }) => {
      await service.callbacks.complete(s, callbackId, reached);
      return empty;
    },
    pushToKiosk: (s, { callId, item }) => service.tools.push(s, callId, item),
    printAtKiosk: (s, { callId, document }) => service.tools.print(s, callId, document),
    listStaff: () => service.tools.listStaff(),
    inviteToCall: (s, { callId, userId, as }) => {
      service.tools.invite(s, callId, userId, as);
      return empty;
    },
    declineInvitation: (s, { callId }) => {
      service.tools.declineInvitation(s, callId);
      return empty;
    },
    transferCall: (s, { callId, to, note }) => {
      service.tools.transfer(s, callId, to, note);
      return empty;
    },
    chooseQuality: (s, { callId, stage }) => {
      service.quality.choose(s, callId, stage);
      return empty;
    },
  };
}

/**
 * An agent's requests that act on their call or its media: while the agent
 * takes part in a call another node holds, their node runs these there
 * (cluster/CallCluster.ts); every other request stays on the agent's node.
 */
export const FORWARDED_STAFF_REQUESTS: ReadonlySet<string> = new Set([
  'openMedia', 'turnCredentials', 'createTransport', 'connectTransport', 'produceData', 'consumeData', 'produce', 'closeProducer',
  'pauseProducer', 'resumeProducer', 'consume', 'resumeConsumer', 'restartIce', 'getTransportStats', 'endCall', 'sendChat', 'reportQuality',
  'pushToKiosk', 'printAtKiosk', 'chooseQuality', 'leaveCall', 'transferCall', 'inviteToCall',
]);

/**
 * Runs the handler of `method`. The one place where a method name and its
 * data meet without a static link: SignalSocket has checked `data` against
 * `M[method].data` before this is called.
 */
export function invoke<M extends MethodTable, S>(table: HandlerTable<M, S>, method: Exclude<keyof M, 'hello'>, session: S, data: unknown): Promise<unknown> | unknown {
  const handler = table[method] as (session: S, data: unknown) => unknown;
  return handler(session, data);
}
