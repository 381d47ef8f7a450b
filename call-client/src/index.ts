export { SignalClient, SignalRequestError, type SocketLike, type ConnectionState, type SignalClientEvents, type SignalClientOptions } from './SignalClient';
export { CallMedia, type CallSignal, type CallMediaEvents, type MediaHealth, type RemoteMedia } from './media/CallMedia.dom';
export { describeQuality, readStats, type CallStats } from './media/stats';
export { startMediaCall, type MediaCallView } from './MediaCall';
export { VideoView, AudioSink } from './VideoView.dom';
export { createLogger, drop, recentLogs, type Logger } from './log';
export { DEV } from './dev';
export { CallStage, type CallStageLabels, type CallStageProps } from './CallStage.dom';
