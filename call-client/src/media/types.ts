/** The types a call's media speaks in: what it needs of signalling, what it reports. */
import type { CallQuality, CallSnapshot, CommonRequests, ProducerInfo, Requester } from '@citizen/protocol';
import type { ConnectionState, SignalClient } from '../SignalClient';

/**
 * What media needs of signalling: the requests every participant may make
 * (typed from the protocol), the notifications, and the connection state.
 * A kiosk's and a console's SignalClient both are one.
 */
export type CallSignal = Requester<CommonRequests> & Pick<SignalClient<CommonRequests>, 'on'> & { readonly state: ConnectionState };

export type InCall = Extract<CallSnapshot, { step: 'in-call' }>;
export type MediaHealth = 'connecting' | 'connected' | 'reconnecting';

export interface RemoteMedia {
  producerId: string;
  participantId: string;
  kind: 'audio' | 'video';
  source: ProducerInfo['source'];
  track: MediaStreamTrack;
  paused: boolean;
}

export type CallMediaEvents = {
  remote: [RemoteMedia[]];
  health: [MediaHealth];
  local: [{ stream: MediaStream; micMuted: boolean; cameraOn: boolean }];
  /** The call's quality stage changed (a bad network, its recovery, or the agent's choice). */
  quality: [CallQuality];
};


export interface CallMediaOptions {
  /** Produce local media only once the far side's video is wired, or after this many ms (0: at once). */
  receiveFirstMs: number;
  /** This side's own cap on its camera encoding (bps), e.g. a kiosk profile's for a weak uplink; the server's cap applies too. */
  maxVideoBitrate?: number | null;
  /** relay: this side's transports use TURN relay candidates only (a kiosk's or console's setting); applies when the call makes its own endpoint. */
  iceTransportPolicy?: 'all' | 'relay';
}

/** The camera encoding's cap: the server's, lowered by this side's own when it has one. */
export function videoBitrateCap(serverCap: number, ownCap: number | null | undefined): number {
  return ownCap && ownCap > 0 ? Math.min(serverCap, ownCap) : serverCap;
}
