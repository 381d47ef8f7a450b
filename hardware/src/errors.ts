/**
 * The hardware part's error codes, all in one place. Codes are stable: the
 * kiosk shows them, logs carry them, and the bridge passes them to the
 * renderer. Never reuse a retired code.
 */

export const HARDWARE_ERRORS = {
  PORT_NOT_FOUND: { message: 'no serial port matches the configured device', fix: 'Check the cable and the `path` or `usb` ids in kiosk config; `ls -l /dev/serial/by-id` lists connected devices.' },
  PORT_OPEN_FAILED: { message: 'the serial port exists but could not be opened', fix: 'Another program may hold the port, or the kiosk user lacks permission (add it to the `dialout` group).' },
  DEVICE_DISCONNECTED: { message: 'the device is not connected', fix: 'Reconnect the cable; the kiosk reconnects by itself when the device comes back.' },
  DEVICE_CLOSED: { message: 'the device was closed by the kiosk', fix: 'Nothing to fix: the kiosk is shutting down or restarting the device.' },
  WRITE_FAILED: { message: 'writing to the serial port failed', fix: 'Check the cable; the kiosk retries after it reconnects.' },
  PRINTER_PAPER_OUT: { message: 'the receipt printer is out of paper', fix: 'Load a new paper roll and close the cover.' },
  PRINTER_COVER_OPEN: { message: 'the receipt printer cover is open', fix: 'Close the printer cover.' },
  PRINTER_OFFLINE: { message: 'the receipt printer is offline', fix: 'Check the printer for a blinking error light; switch it off and on.' },
  PRINTER_NOT_RESPONDING: { message: 'the receipt printer does not answer status requests', fix: 'Check the baud rate in kiosk config matches the printer (its self-test page shows it).' },
  PRINT_CANCELLED: { message: 'the print job was cancelled', fix: 'Nothing to fix: the resident session ended or the kiosk is shutting down.' },
  RECEIPT_INVALID: { message: 'the receipt request is not valid', fix: 'A programming error in the caller: see the message for the field.' },
} as const;

export type HardwareErrorCode = keyof typeof HARDWARE_ERRORS;

export class HardwareError extends Error {
  readonly fix: string;

  constructor(
    readonly code: HardwareErrorCode,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    const base = HARDWARE_ERRORS[code];
    super(detail ? `${base.message}: ${detail}` : base.message, options);
    this.name = 'HardwareError';
    this.fix = base.fix;
  }
}

export function isHardwareError(err: unknown, code?: HardwareErrorCode): err is HardwareError {
  return err instanceof HardwareError && (code === undefined || err.code === code);
}
