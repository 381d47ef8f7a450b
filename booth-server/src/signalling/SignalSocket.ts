/**
 * One client's signalling WebSocket: parses and validates every incoming
 * message against the method's schema, applies the per-socket rate limit,
 * runs requests one at a time in arrival order, and answers each with a
 * result or a coded error. A bad message gets an error response; it never
 * closes the socket or reaches the call service. Results are checked against
 * their schema too (`checkResults`): a server bug shows up as an INTERNAL
 * error and a log line, not as a reply the client cannot read.
 *
 * Liveness: the server pings every `pingIntervalMs`; a socket that has not
 * answered the previous ping by the next one is terminated, so a vanished
 * client (half-open TCP) enters the reconnect grace period instead of
 * holding its call forever.
 */
import type { WebSocket } from 'ws';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { RequestEnvelope, SIGNAL_ERRORS, type MethodTable, type Notifications, type NotificationData, type ServerMessage } from '@citizen/protocol';
import { SignalFailure } from '../calls/errors';

/** Handles a request whose data has passed `M[method].data`. */
export type RequestHandler<M extends MethodTable> = (method: keyof M & string, data: unknown) => Promise<unknown>;

const envelopeCheck = TypeCompiler.Compile(RequestEnvelope);
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
function checkerFor(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c;
}

export interface SignalSocketOptions {
  maxMessagesPerSecond: number;
  /** 0 = no pings (tests of other things). */
  pingIntervalMs: number;
  checkResults: boolean;
  log: (level: 'debug' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>) => void;
}

export class SignalSocket<M extends MethodTable = MethodTable> {
  #handler: RequestHandler<M> | null = null;
  #queue: Promise<void> = Promise.resolve();
  #tokens: number;
  #lastRefill = Date.now();
  #closed = false;
  readonly #onClose: (() => void)[] = [];
  #pingTimer: NodeJS.Timeout | null = null;
  #answeredPing = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly methods: M,
    private readonly opts: SignalSocketOptions,
  ) {
    this.#tokens = opts.maxMessagesPerSecond * 2;
    ws.on('message', (raw, isBinary) => this.#onMessage(raw as Buffer, isBinary));
    ws.on('close', () => this.#handleClose());
    ws.on('error', (err) => {
      this.opts.log('debug', 'socket error', { error: err.message });
      this.#handleClose();
    });
    ws.on('pong', () => (this.#answeredPing = true));
    if (opts.pingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => this.#ping(), opts.pingIntervalMs);
      this.#pingTimer.unref();
    }
  }

  #ping(): void {
    if (!this.#answeredPing) {
      this.opts.log('warn', 'socket did not answer a ping; dropping it', {});
      this.ws.terminate();
      this.#handleClose();
      return;
    }
    this.#answeredPing = false;
    try {
      this.ws.ping();
    } catch (err) {
      this.opts.log('debug', 'ping failed', { error: (err as Error).message });
    }
  }

  /** Sets who handles validated requests (the session, once known). */
  setHandler(handler: RequestHandler<M>): void {
    this.#handler = handler;
  }

  onClose(fn: () => void): void {
    this.#onClose.push(fn);
  }

  get closed(): boolean {
    return this.#closed;
  }

  notify<K extends keyof Notifications>(method: K, data: NotificationData<K>): void {
    this.#send({ type: 'notification', method, data });
  }

  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    this.ws.close(code, reason);
    this.#handleClose();
  }

  #handleClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    for (const fn of this.#onClose.splice(0)) {
      try {
        fn();
      } catch (err) {
        this.opts.log('warn', 'close listener threw', { error: (err as Error).message });
      }
    }
  }

  #send(msg: ServerMessage): void {
    if (this.#closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(msg));
  }

  #fail(id: number | null, code: keyof typeof SIGNAL_ERRORS, message: string = SIGNAL_ERRORS[code]): void {
    this.#send({ type: 'response', id, ok: false, error: { code, message } });
  }

  #takeToken(): boolean {
    const now = Date.now();
    const rate = this.opts.maxMessagesPerSecond;
    this.#tokens = Math.min(rate * 2, this.#tokens + ((now - this.#lastRefill) / 1000) * rate);
    this.#lastRefill = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #onMessage(raw: Buffer, isBinary: boolean): void {
    let msg: unknown;
    try {
      msg = isBinary ? undefined : JSON.parse(raw.toString('utf8'));
    } catch {
      msg = undefined;
    }
    const id = typeof (msg as { id?: unknown })?.id === 'number' && Number.isSafeInteger((msg as { id: number }).id) ? (msg as { id: number }).id : null;
    if (!this.#takeToken()) return this.#fail(id, 'RATE_LIMITED');
    if (!envelopeCheck.Check(msg)) return this.#fail(id, 'BAD_MESSAGE');
    const { method, data } = msg;
    const entry = Object.hasOwn(this.methods, method) ? this.methods[method as keyof M & string] : undefined;
    if (!entry) return this.#fail(msg.id, 'UNKNOWN_METHOD', `unknown method ${JSON.stringify(method.slice(0, 64))}`);
    const check = checkerFor(entry.data);
    if (!check.Check(data)) {
      const first = check.Errors(data).First();
      return this.#fail(msg.id, 'INVALID_DATA', `${method}: ${first ? `${first.path || '(data)'}: ${first.message}` : 'invalid'}`);
    }
    // One request at a time per socket, in arrival order: a client's
    // connectTransport must finish before its produce on that transport runs.
    this.#queue = this.#queue.then(() => this.#run(msg.id, method as keyof M & string, data, entry.result));
  }

  async #run(id: number, method: keyof M & string, data: unknown, resultSchema: TSchema): Promise<void> {
    const handler = this.#handler;
    if (!handler) return this.#fail(id, 'HELLO_FIRST');
    let result: unknown;
    try {
      result = (await handler(method, data)) ?? {};
    } catch (err) {
      if (err instanceof SignalFailure) return this.#fail(id, err.code, err.message);
      // The database or the shared state is away for a moment: say so, as the REST API does (503), not INTERNAL.
      const code = (err as { code?: unknown }).code;
      if (code === 'STORE_UNAVAILABLE' || code === 'LIVE_STATE_UNAVAILABLE') {
        this.opts.log('warn', 'request refused: a backing service is away', { method, code });
        return this.#fail(id, code);
      }
      this.opts.log('error', 'request failed', { method, error: (err as Error).message });
      return this.#fail(id, 'INTERNAL');
    }
    if (this.opts.checkResults) {
      const check = checkerFor(resultSchema);
      if (!check.Check(result)) {
        const first = check.Errors(result).First();
        this.opts.log('error', 'result does not match its schema', { method, path: first?.path, error: first?.message });
        return this.#fail(id, 'INTERNAL');
      }
    }
    this.#send({ type: 'response', id, ok: true, data: result });
  }
}
