/**
 * How media requests find what they act on, and who may have media at all:
 * a kiosk while its resident waits or talks, an agent while available or in
 * a call, a supervisor while in a call. Transport-level requests go to the
 * session's own endpoint; produce and consume go through the room of the
 * call they name, which decides what may be consumed.
 */
import type { CommonRequests, RequestResult } from '@citizen/protocol';
import type { CallBook } from './CallBook';
import type { CallRoom } from './CallRoom';
import type { EndpointRegistry } from './EndpointRegistry';
import type { MediaEndpoint } from './MediaEndpoint';
import type { OfferDispatcher } from './offers';
import type { TurnIssuer } from '../turn/credentials';
import { SignalFailure } from './errors';
import type { Session, SessionRegistry } from './sessions';

export interface MediaAccessDeps {
  calls: CallBook;
  endpoints: EndpointRegistry;
  sessions: SessionRegistry;
  offers: OfferDispatcher;
  maxVideoBitrate: number;
  /** TURN credentials for participants' transports; absent: no TURN (iceServers []). */
  turn?: TurnIssuer;
}

export class MediaAccess {
  constructor(private readonly deps: MediaAccessDeps) {}

  /**
   * Opens (or returns) the session's media endpoint: a kiosk's while its
   * resident waits or talks, an agent's while available or in a call, a
   * supervisor's while in a call. Its transports are made by the client next.
   */
  async openMedia(session: Session): Promise<RequestResult<CommonRequests, 'openMedia'>> {
    if (!this.mayHaveMedia(session)) throw new SignalFailure('WRONG_STATE', 'media opens while waiting for, offering or taking a call');
    const { endpoint, created } = await this.deps.endpoints.open(session.id, () => this.deps.sessions.isOpen(session) && this.mayHaveMedia(session));
    if (created) this.currentRoom(session)?.attachEndpoint(session.id, endpoint);
    return { routerRtpCapabilities: endpoint.router.rtpCapabilities, maxVideoBitrate: this.deps.maxVideoBitrate, ...this.#iceServers(session) };
  }

  /** Fresh TURN credentials for the session's transports (before an ICE restart, a rebuild, or expiry). */
  turnCredentials(session: Session): RequestResult<CommonRequests, 'turnCredentials'> {
    if (!this.mayHaveMedia(session)) throw new SignalFailure('WRONG_STATE', 'TURN credentials are for sessions that may have media');
    return this.#iceServers(session);
  }

  /** Each credential names whose it is (the kiosk, the staff member) in its username, which coturn's log shows with each allocation. */
  #iceServers(session: Session): { iceServers: RequestResult<CommonRequests, 'turnCredentials'>['iceServers']; iceServersExpireAt: string | null } {
    if (!this.deps.turn) return { iceServers: [], iceServersExpireAt: null };
    const { iceServers, expiresAt } = this.deps.turn.iceServersFor(session.kind === 'kiosk' ? session.kiosk.id : session.user.id);
    return { iceServers, iceServersExpireAt: expiresAt };
  }

  /** The session's open media endpoint, for transport-level requests. */
  endpoint(session: Session): MediaEndpoint {
    return this.deps.endpoints.require(session.id);
  }

  /** The room of a call the session takes part in, for produce and consume. */
  room(session: Session, callId: string): { room: CallRoom; participantId: string } {
    const call = this.deps.calls.member(session, callId);
    const room = call.room;
    if (!room) throw new SignalFailure('WRONG_STATE', 'the call has no media yet');
    if (!room.has(session.id)) throw new SignalFailure('NOT_IN_CALL');
    return { room, participantId: session.id };
  }

  /** The room the session is in now (for requests that name a producer or consumer, not a call). */
  currentRoom(session: Session): CallRoom | null {
    return this.deps.calls.roomOf(session);
  }

  /** Pauses or resumes one of the session's producers; the others in its call are told. */
  async setProducerPaused(session: Session, producerId: string, paused: boolean): Promise<void> {
    const room = this.currentRoom(session);
    if (room) return room.setProducerPaused(session.id, producerId, paused);
    const producer = this.endpoint(session).ownProducer(producerId);
    await (paused ? producer.pause() : producer.resume());
  }

  async resumeConsumer(session: Session, consumerId: string): Promise<void> {
    const room = this.currentRoom(session);
    if (!room) throw new SignalFailure('NOT_FOUND', 'no such consumer');
    await room.resumeConsumer(session.id, consumerId);
  }

  /** Records a set-up stage of the session's current call (`<stage>.<role>`). */
  markSetup(session: Session, stage: string): void {
    for (const c of this.deps.calls.all()) {
      if (c.kiosk === session) c.mark(`${stage}.resident`);
      else if (c.agent === session) c.mark(`${stage}.agent`);
    }
  }

  mayHaveMedia(session: Session): boolean {
    if (session.kind === 'kiosk') return this.deps.calls.ofKiosk(session) !== undefined;
    if (session.user.role === 'agent' && (session.presence.chosen === 'available' || this.deps.offers.busy(session))) return true;
    return this.currentRoom(session) !== null;
  }
}
