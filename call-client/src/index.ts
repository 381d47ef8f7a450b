export { SignalClient, SignalRequestError, type SocketLike, type ConnectionState, type SignalClientEvents, type SignalClientOptions } from './SignalClient';
export { CallMedia, type CallSignal, type CallMediaEvents, type MediaHealth, type RemoteMedia } from './media/CallMedia.dom';
export { MediaEndpoint } from './media/MediaEndpoint.dom';
export { describeQuality, readStats, type CallStats } from './media/stats';
export { startMediaCall, type MediaCallView } from './MediaCall';
export { VideoView, AudioSink } from './VideoView.dom';
export { createLogger, drop, recentLogs, type Logger } from './log';
export { DEV } from './dev';
export { CallStage, type CallStageLabels, type CallStageProps } from './CallStage.dom';
export { Timeline, wallClock } from './timeline';
export { connectChat, createChat, type Chat, type ChatClient, type ChatLink, type ChatProblem } from './chat';
/** The kiosk's signalling methods, loaded with this library rather than at the kiosk page's start-up. */
export { KIOSK_REQUESTS, STAFF_REQUESTS } from '@citizen/protocol';
export { DEFAULT_QUALITY, QualityLadder, type QualitySample, type StageChange } from './media/quality';
