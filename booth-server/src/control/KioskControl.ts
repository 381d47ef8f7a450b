/**
 * The connected kiosks' control channels (protocol/src/control.ts), behind a
 * small interface: a site with several booth-server nodes will route `send`
 * through Redis to the node that holds the kiosk's socket; one node keeps
 * them in memory.
 *
 * Contract:
 *  - one channel per kiosk: `attach` of a kiosk that has one closes the older
 *    (4009, replaced) before the newer is used;
 *  - `send` resolves to false when the kiosk has no channel here (offline: it
 *    catches up when it connects, the server sends its desired state then);
 *  - `close(kioskId)` closes the kiosk's channel at once (revocation,
 *    re-enrolment: 4003) and resolves to how many it closed;
 *  - a channel that goes away is forgotten; a close of a replaced channel
 *    never removes its successor.
 */
import type { WebSocket } from 'ws';
import { CONTROL_CLOSE, type KioskId, type ServerControlMessage } from '@citizen/protocol';

export interface KioskControlRegistry {
  send(kioskId: KioskId, message: ServerControlMessage): boolean;
  isConnected(kioskId: KioskId): boolean;
  close(kioskId: KioskId, code?: number, reason?: string): number;
}

/** Most a kiosk may leave unread before its channel is cut (it reconnects and gets its state again). */
const MAX_BUFFERED = 256 * 1024;

export interface ControlChannel {
  readonly kioskId: KioskId;
  /** The key fingerprint the channel was opened with (re-checked against the store). */
  readonly credentialHash: string;
  readonly ws: WebSocket;
  answeredPing: boolean;
}

export class MemoryKioskControl implements KioskControlRegistry {
  readonly #channels = new Map<KioskId, ControlChannel>();
  readonly #log: (msg: string) => void;

  constructor(log: (msg: string) => void) {
    this.#log = log;
  }

  attach(channel: ControlChannel): void {
    const older = this.#channels.get(channel.kioskId);
    this.#channels.set(channel.kioskId, channel);
    if (older) older.ws.close(CONTROL_CLOSE.REPLACED, 'replaced by a newer control connection');
    const forget = (): void => {
      if (this.#channels.get(channel.kioskId) === channel) this.#channels.delete(channel.kioskId);
    };
    channel.ws.once('close', forget);
    channel.ws.once('error', forget);
  }

  send(kioskId: KioskId, message: ServerControlMessage): boolean {
    const c = this.#channels.get(kioskId);
    if (!c) return false;
    if (c.ws.bufferedAmount > MAX_BUFFERED) {
      this.#log(`control channel dropped, kiosk not reading [kiosk:${kioskId}]`);
      this.#channels.delete(kioskId);
      c.ws.terminate();
      return false;
    }
    c.ws.send(JSON.stringify(message));
    return true;
  }

  isConnected(kioskId: KioskId): boolean {
    return this.#channels.has(kioskId);
  }

  close(kioskId: KioskId, code: number = CONTROL_CLOSE.REVOKED, reason = 'kiosk credential revoked'): number {
    const c = this.#channels.get(kioskId);
    if (!c) return 0;
    this.#channels.delete(kioskId);
    c.ws.close(code, reason);
    return 1;
  }

  all(): ControlChannel[] {
    return [...this.#channels.values()];
  }

  closeAll(code: number, reason: string): void {
    for (const c of this.all()) this.close(c.kioskId, code, reason);
  }
}
