/**
 * One client's signalling WebSocket: parses and validates every incoming
 * message against the method's schema, applies the per-socket rate limit,
 * runs requests one at a time in arrival order, and answers each with a
 * result or a coded error. A bad message gets an error response; it never
 * closes the socket or reaches the call service.
 */
import type { WebSocket } from 'ws';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { RequestEnvelope, SIGNAL_ERRORS, type Notifications, type NotificationData, type ServerMessage } from '@citizen/protocol';
import { SignalFailure } from '../calls/errors';

export type MethodTable = Record<string, { data: TSchema; result: TSchema }>;
export type RequestHandler = (method: string, data: unknown) => Promise<unknown>;

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
  log: (level: 'debug' | 'warn', msg: string, ctx?: Record<string, unknown>) => void;
}

export class SignalSocket {
  #handler: RequestHandler | null = null;
  #queue: Promise<void> = Promise.resolve();
  #tokens: number;
  #lastRefill = Date.now();
  #closed = false;
  readonly #onClose: (() => void)[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly methods: MethodTable,
    private readonly opts: SignalSocketOptions,
  ) {
    this.#tokens = opts.maxMessagesPerSecond * 2;
    ws.on('message', (raw, isBinary) => this.#onMessage(raw as Buffer, isBinary));
    ws.on('close', () => this.#handleClose());
    ws.on('error', () => this.#handleClose());
  }

  /** Sets who handles validated requests (the session, once known). */
  setHandler(handler: RequestHandler): void {
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
    const entry = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
    if (!entry) return this.#fail(msg.id, 'UNKNOWN_METHOD', `unknown method ${JSON.stringify(method.slice(0, 64))}`);
    const check = checkerFor(entry.data);
    if (!check.Check(data)) {
      const first = check.Errors(data).First();
      return this.#fail(msg.id, 'INVALID_DATA', `${method}: ${first ? `${first.path || '(data)'}: ${first.message}` : 'invalid'}`);
    }
    // One request at a time per socket, in arrival order: a client's
    // connectTransport must finish before its produce on that transport runs.
    this.#queue = this.#queue.then(() => this.#run(msg.id, method, data));
  }

  async #run(id: number, method: string, data: unknown): Promise<void> {
    const handler = this.#handler;
    if (!handler) return this.#fail(id, 'HELLO_FIRST');
    try {
      const result = await handler(method, data);
      this.#send({ type: 'response', id, ok: true, data: result ?? {} });
    } catch (err) {
      if (err instanceof SignalFailure) return this.#fail(id, err.code, err.message);
      this.opts.log('warn', 'request failed', { method, error: (err as Error).message });
      this.#fail(id, 'MEDIA_FAILED', 'internal error');
    }
  }
}
