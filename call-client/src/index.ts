export { SignalClient, SignalRequestError, type SocketLike, type ConnectionState, type SignalClientEvents, type SignalClientOptions } from './SignalClient';
