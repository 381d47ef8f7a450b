/**
 * A virtual card reader on the device end of a pty pair: presenting a card
 * sends the frame its protocol's reader would send, so it arrives at the
 * kiosk's serial port as if a card was swiped, tapped or scanned.
 */
import type { CardKind } from '../card/CardNumber';
import { frameFor } from './cardFrames';
import { VirtualSerialDevice, type VirtualDeviceOptions } from './VirtualSerialDevice';

export class VirtualCardReader extends VirtualSerialDevice {
  constructor(opts: VirtualDeviceOptions) {
    super(opts);
  }

  /** Sends raw frame bytes to the kiosk side. */
  send(frame: Uint8Array): Promise<void> {
    return this.write(frame);
  }

  /** Presents a card of `kind` (the demo card when no id is given). */
  present(kind: CardKind, id?: string): Promise<void> {
    return this.write(frameFor(kind, id));
  }

  protected onData(): void {
    // Readers of these kinds are send-only; bytes from the host are ignored.
  }
}
