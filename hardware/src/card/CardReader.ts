/**
 * A card reader on a serial port: its SerialDevice plus the frame parser of
 * its protocol, turning bytes into typed `card` events.
 *
 * Contract: a frame split across an unplug is dropped (the parser is reset on
 * disconnect), never glued to bytes of the next connection. Card numbers leave
 * this class only inside CardNumber, whose string and JSON forms are masked.
 */
import type { CardKind, CardRead } from './CardNumber';
import { createCardParser, type CardFrameParser, type CardRejectCode, type LineParserOptions } from './parsers';
import { SerialDevice, type SerialDeviceOptions, type SerialDeviceState } from '../serial/SerialDevice';
import { SafeEmitter } from '../SafeEmitter';

export type CardReaderEvents = {
  card: [read: CardRead];
  reject: [code: CardRejectCode, detail: string];
  connection: [state: SerialDeviceState];
};

export interface CardReaderOptions {
  protocol: CardKind;
  serial: Omit<SerialDeviceOptions, 'label'> & { label?: string };
  line?: LineParserOptions;
}

export class CardReader extends SafeEmitter<CardReaderEvents> {
  readonly device: SerialDevice;
  readonly protocol: CardKind;
  readonly #parser: CardFrameParser;

  constructor(opts: CardReaderOptions) {
    super();
    this.protocol = opts.protocol;
    this.#parser = createCardParser(opts.protocol, opts.line);
    this.device = new SerialDevice({ label: 'card-reader', ...opts.serial });
    this.device.on('data', (chunk) => {
      for (const ev of this.#parser.push(chunk)) {
        if (ev.type === 'card') this.safeEmit('card', ev.read);
        else this.safeEmit('reject', ev.code, ev.detail);
      }
    });
    this.device.on('disconnect', () => this.#parser.reset());
    this.device.on('statechange', (s) => this.safeEmit('connection', s));
  }

  get state(): SerialDeviceState {
    return this.device.state;
  }

  start(): void {
    this.device.start();
  }

  close(): Promise<void> {
    return this.device.close();
  }
}
