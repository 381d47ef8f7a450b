import { SIGNAL_ERRORS, type SignalErrorCode } from '@citizen/protocol';

/** A signalling request that failed for a reason the client can act on; answered as an error response. */
export class SignalFailure extends Error {
  constructor(
    readonly code: SignalErrorCode,
    message: string = SIGNAL_ERRORS[code],
  ) {
    super(message);
    this.name = 'SignalFailure';
  }
}
