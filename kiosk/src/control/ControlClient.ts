/**
 * The kiosk shell's end of the control channel (protocol/src/control.ts):
 * one WebSocket to booth-server's `/ws/kiosk/control`, opened by the shell
 * (Electron main or the browser-shell host) with the kiosk's current token,
 * never by page script. booth-server sends what the kiosk should do between
 * residents (a profile version today); the kiosk answers on it.
 *
 * Lifecycle: `start()` connects and keeps connecting: a dropped or refused
 * connection is retried with backoff (1 s doubling to 30 s, reset once a
 * connection has stayed open a minute). A refusal (HTTP 401/403 on the
 * upgrade) or a close for a revoked credential (4003) asks the identity for a
 * new token (`recheck`) before the next try; while the kiosk has no token
 * (not enrolled, or refused) it waits without connecting. A close for being
 * replaced (4009) is retried like any other: the newer socket may be this
 * shell's own from a moment ago. `close()` is idempotent.
 *
 * Every message from the server is checked against its schema; one that
 * fails is logged and answered with nothing (the server's are ours, a
 * failure is a version mismatch to fix, not to guess at). A handler that
 * throws is logged and does not break the channel.
 */
import WebSocket from 'ws';
import { CONTROL_CLOSE, CONTROL_WS_PATH, SERVER_CONTROL_MESSAGES, parseControlMessage, type KioskControlMessage, type ServerControlMessage } from '@citizen/protocol';
import type { KioskIdentitySource } from '../identity';

export interface ControlClientOptions {
  serverUrl: string;
  identity: Pick<KioskIdentitySource, 'authorization' | 'recheck'>;
  onMessage: (message: ServerControlMessage) => void | Promise<void>;
  log: { info(msg: string): void; warn(msg: string): void };
  /** Backoff bounds (tests shorten them). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called when the channel opens (after each reconnect). */
  onOpen?: () => void;
}

const STABLE_MS = 60_000;

export class ControlClient {
  readonly #o: ControlClientOptions;
  readonly #url: string;
  #ws: WebSocket | null = null;
  #timer: NodeJS.Timeout | undefined;
  #backoffMs: number;
  #openedAt = 0;
  #closed = false;
  #started = false;

  constructor(opts: ControlClientOptions) {
    if (!opts.serverUrl) throw new TypeError('ControlClient: serverUrl is required');
    this.#o = opts;
    this.#url = new URL(CONTROL_WS_PATH, opts.serverUrl.replace(/^http/, 'ws')).toString();
    this.#backoffMs = opts.minBackoffMs ?? 1000;
  }

  get connected(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#connect();
  }

  /** Sends a message if the channel is open; false otherwise (the server asks again on the next connect). */
  send(message: KioskControlMessage): boolean {
    if (!this.connected) return false;
    this.#ws!.send(JSON.stringify(message));
    return true;
  }

  #connect(): void {
    if (this.#closed) return;
    const auth = this.#o.identity.authorization();
    if (!auth) {
      // Not enrolled yet, refused, or renewing: look again shortly without knocking on the server.
      this.#retry(false);
      return;
    }
    const ws = new WebSocket(this.#url, { headers: { authorization: auth }, handshakeTimeout: 10_000 });
    this.#ws = ws;
    let refused = false;
    ws.on('unexpected-response', (_req, res) => {
      refused = res.statusCode === 401 || res.statusCode === 403;
      this.#o.log.warn(`control channel refused [url:${this.#url}, status:${res.statusCode}]`);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      this.#openedAt = Date.now();
      this.#o.log.info(`control channel open [url:${this.#url}]`);
      this.#o.onOpen?.();
    });
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return this.#o.log.warn('control message dropped [reason:binary frame]');
      const parsed = parseControlMessage(SERVER_CONTROL_MESSAGES, String(raw));
      if (!parsed.ok) return this.#o.log.warn(`control message dropped [reason:${parsed.problem}]`);
      if (parsed.message.type === 'error') return this.#o.log.warn(`control channel: the server refused a message [code:${parsed.message.code}] ${parsed.message.message}`);
      Promise.resolve()
        .then(() => this.#o.onMessage(parsed.message))
        .catch((err: unknown) => this.#o.log.warn(`control message handler failed [type:${parsed.message.type}, error:${err instanceof Error ? err.message : String(err)}]`));
    });
    ws.on('error', (err) => {
      if (!refused) this.#o.log.warn(`control channel error [url:${this.#url}, error:${err.message}]`);
    });
    ws.on('close', (code) => {
      if (this.#ws === ws) this.#ws = null;
      if (this.#closed) return;
      if (this.#openedAt && Date.now() - this.#openedAt >= STABLE_MS) this.#backoffMs = this.#o.minBackoffMs ?? 1000;
      this.#openedAt = 0;
      const renew = refused || code === CONTROL_CLOSE.REVOKED;
      if (code !== 1006 || !refused) this.#o.log.info(`control channel closed [code:${code}]`);
      this.#retry(renew);
    });
  }

  #retry(renew: boolean): void {
    if (this.#closed) return;
    if (renew) this.#o.identity.recheck?.();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#connect(), this.#backoffMs);
    this.#timer.unref();
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#o.maxBackoffMs ?? 30_000);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const ws = this.#ws;
    this.#ws = null;
    if (!ws) return;
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, 'kiosk shell stopping');
  }
}
