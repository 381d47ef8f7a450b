/** The types a call's media speaks in: what it needs of signalling, what it reports. */
import type { CallSnapshot, CommonRequests, ProducerInfo, Requester } from '@citizen/protocol';
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
};


export interface CallMediaOptions {
  /** Produce local media only once the far side's video is wired, or after this many ms (0: at once). */
  receiveFirstMs: number;
}
