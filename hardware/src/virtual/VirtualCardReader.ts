/**
 * A virtual card reader on the device end of a pty pair: whatever frame it is
 * told to send arrives at the kiosk's serial port as if a card was presented.
 * Frame encoders for each reader protocol come with the hardware issue (#5).
 */
import { VirtualSerialDevice, type VirtualDeviceOptions } from './VirtualSerialDevice';

export class VirtualCardReader extends VirtualSerialDevice {
  constructor(opts: VirtualDeviceOptions) {
    super(opts);
  }

  /** Sends raw frame bytes to the kiosk side. */
  send(frame: Uint8Array): Promise<void> {
    return this.write(frame);
  }

  protected onData(): void {
    // Readers of these kinds are send-only; bytes from the host are ignored.
  }
}
