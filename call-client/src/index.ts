export { SignalClient, SignalRequestError, type SocketLike, type ConnectionState, type SignalClientEvents, type SignalClientOptions } from './SignalClient';
export { CallMedia, type CallMediaEvents, type CallStats, type MediaHealth, type RemoteMedia } from './CallMedia.dom';
export { startMediaCall, describeQuality, type MediaCallView } from './MediaCall';
export { VideoView, AudioSink } from './VideoView.dom';
