/**
 * The client end of the signalling protocol: typed requests with ids,
 * notifications as typed events, and reconnection as part of the protocol.
 * When the socket drops, the client reconnects with exponential backoff and
 * says `hello { resumeToken }`; the server gives back the same session (same
 * call, same place in the queue) within its grace period. Requests made while
 * disconnected wait for the reconnect, up to the request timeout.
 *
 * Requests are typed from the method table the client is made with (the
 * protocol's KIOSK_REQUESTS or STAFF_REQUESTS): the data a method takes and
 * the result it resolves with both come from its schemas. With `checkResults`
 * (development builds and tests) every result is checked against its schema
 * too, so a server and client that drifted apart fail loudly and early.
 */
import { Value } from '@sinclair/typebox/value';
import type { CallSnapshot, MethodTable, NotificationData, Notifications, RequestData, RequestResult, Requester, ServerMessage } from '@citizen/protocol';
import { createLogger } from './log';

const log = createLogger('signal');

/** The subset of the WebSocket API we use (browser WebSocket and `ws` both fit). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export class SignalRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly method: string,
  ) {
    super(`${method}: ${message}`);
    this.name = 'SignalRequestError';
  }
}

type Listener<T extends unknown[]> = (...args: T) => void;
export type SignalClientEvents = {
  [K in keyof Notifications]: [NotificationData<K>];
} & {
  state: [ConnectionState];
  /** After every successful hello: whether the session was resumed, and the call as the server sees it. */
  session: [{ resumed: boolean; call: CallSnapshot | null }];
  /** The server closed the connection for good (4000 resumed elsewhere, 4003 revoked); no reconnect follows. */
  ended: [{ code: number; reason: string }];
};

export interface SignalClientOptions<R extends MethodTable> {
  /** The method table this client speaks (KIOSK_REQUESTS, STAFF_REQUESTS). */
  methods: R;
  connect: () => SocketLike;
  /** Check every result against its schema (development builds, tests). */
  checkResults?: boolean;
  /** Stored resume token (e.g. sessionStorage), so a page reload resumes too. */
  resumeToken?: string | null;
  onResumeToken?: (token: string) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
}

type Waiter = { resolve: () => void; reject: (e: Error) => void };

export class SignalClient<R extends MethodTable> implements Requester<R> {
  #socket: SocketLike | null = null;
  #state: ConnectionState = 'connecting';
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string; timer: ReturnType<typeof setTimeout> }>();
  #waiting = new Set<Waiter>();
  #resumeToken: string | null;
  #attempt = 0;
  #closed = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one map for every event's listener type
  readonly #listeners = new Map<string, Set<(...args: any[]) => void>>();

  constructor(private readonly opts: SignalClientOptions<R>) {
    this.#resumeToken = opts.resumeToken ?? null;
    this.#open();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  on<K extends keyof SignalClientEvents>(event: K, fn: Listener<SignalClientEvents[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  #emit<K extends keyof SignalClientEvents>(event: K, ...args: SignalClientEvents[K]): void {
    for (const fn of [...(this.#listeners.get(event) ?? [])]) {
      try {
        fn(...args);
      } catch (err) {
        // A throwing listener must not break signalling for the others.
        log.error('listener threw', { event, error: err });
      }
    }
  }

  #setState(s: ConnectionState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.#emit('state', s);
  }

  #open(): void {
    const socket = this.opts.connect();
    this.#socket = socket;
    socket.onopen = () => void this.#hello(socket);
    socket.onmessage = (ev) => this.#onMessage(ev.data);
    // The close event that follows an error carries what the reconnect needs.
    socket.onerror = () => log.debug('socket error');
    socket.onclose = (ev) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      for (const [id, p] of this.#pending) {
        // Requests already sent may or may not have run; the caller decides (media setup restarts from a snapshot).
        clearTimeout(p.timer);
        p.reject(new SignalRequestError('DISCONNECTED', 'connection lost before the answer', p.method));
        this.#pending.delete(id);
      }
      if (this.#closed) return this.#setState('closed');
      // 4000: another connection resumed this session; 4003: the sign-in or
      // credential behind it was revoked. Reconnecting would fight the other
      // connection or be refused: stop, and say why.
      if (ev.code === 4000 || ev.code === 4003) {
        this.#closed = true;
        this.#rejectWaiting(ev.code === 4000 ? 'SUPERSEDED' : 'REVOKED', ev.reason);
        this.#emit('ended', { code: ev.code, reason: ev.reason });
        return this.#setState('closed');
      }
      // 4001: the server ended our session (grace period over, or superseded). Start afresh.
      if (ev.code === 4001) this.#resumeToken = null;
      this.#setState('reconnecting');
      this.#scheduleReconnect();
    };
  }

  #scheduleReconnect(): void {
    const min = this.opts.minBackoffMs ?? 250;
    const max = this.opts.maxBackoffMs ?? 5000;
    const delay = Math.min(max, min * 2 ** this.#attempt) * (0.75 + Math.random() * 0.5);
    this.#attempt++;
    this.#reconnectTimer = setTimeout(() => this.#open(), delay);
  }

  async #hello(socket: SocketLike): Promise<void> {
    try {
      const res = (await this.#send(socket, 'hello', this.#resumeToken ? { resumeToken: this.#resumeToken } : {})) as {
        resumeToken: string;
        resumed: boolean;
        call: CallSnapshot | null;
      };
      this.#resumeToken = res.resumeToken;
      this.opts.onResumeToken?.(res.resumeToken);
      this.#attempt = 0;
      this.#setState('open');
      for (const w of [...this.#waiting]) w.resolve();
      this.#waiting.clear();
      this.#emit('session', { resumed: res.resumed, call: res.call });
    } catch (err) {
      log.warn('hello failed; reconnecting', { error: err });
      socket.close();
    }
  }

  #onMessage(raw: unknown): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(raw)) as ServerMessage;
    } catch {
      log.warn('dropped a message that is not JSON');
      return;
    }
    if (msg.type === 'response') {
      const p = msg.id === null ? undefined : this.#pending.get(msg.id);
      if (!p || msg.id === null) {
        if (!msg.ok) log.warn('error answer to no pending request', { code: msg.error.code, message: msg.error.message });
        return;
      }
      this.#pending.delete(msg.id);
      clearTimeout(p.timer);
      if (!msg.ok) return p.reject(new SignalRequestError(msg.error.code, msg.error.message, p.method));
      const problem = this.opts.checkResults ? this.#resultProblem(p.method, msg.data) : null;
      if (problem) {
        log.error('result does not match its schema', { method: p.method, problem });
        return p.reject(new SignalRequestError('BAD_RESULT', `result does not match its schema: ${problem}`, p.method));
      }
      p.resolve(msg.data);
    } else if (msg.type === 'notification') {
      (this.#emit as (e: string, d: unknown) => void)(msg.method, msg.data);
    }
  }

  #resultProblem(method: string, data: unknown): string | null {
    const entry = Object.hasOwn(this.opts.methods, method) ? this.opts.methods[method] : undefined;
    if (!entry) return 'unknown method';
    if (Value.Check(entry.result, data)) return null;
    const first = Value.Errors(entry.result, data).First();
    return first ? `${first.path || '(result)'}: ${first.message}` : null;
  }

  #send(socket: SocketLike, method: string, data: unknown): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SignalRequestError('TIMEOUT', 'no answer in time', method));
      }, this.opts.requestTimeoutMs ?? 15_000);
      this.#pending.set(id, { resolve, reject, method, timer });
      socket.send(JSON.stringify({ type: 'request', id, method, data }));
    });
  }

  /**
   * Sends a request once the session is open, waiting through a reconnect;
   * rejects with TIMEOUT when the session is not back within the request
   * timeout, and with CLOSED when the client is closed meanwhile.
   */
  async request<K extends keyof R & string>(method: K, data: RequestData<R, K>): Promise<RequestResult<R, K>> {
    if (this.#closed) throw new SignalRequestError('CLOSED', 'client closed', method);
    if (this.#state !== 'open' || !this.#socket) await this.#waitForOpen(method);
    const socket = this.#socket;
    if (!socket) throw new SignalRequestError('DISCONNECTED', 'connection lost before the request was sent', method);
    return (await this.#send(socket, method, data)) as RequestResult<R, K>;
  }

  #waitForOpen(method: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiting.delete(waiter);
        reject(new SignalRequestError('TIMEOUT', 'not connected in time', method));
      }, this.opts.requestTimeoutMs ?? 15_000);
      this.#waiting.add(waiter);
    });
  }

  #rejectWaiting(code: string, message: string): void {
    for (const w of [...this.#waiting]) w.reject(new SignalRequestError(code, message, 'request'));
    this.#waiting.clear();
  }

  /** Drops the socket without ending the session, as a network blip would (tests, diagnostics). */
  dropConnection(): void {
    this.#socket?.close(4100, 'dropped by client');
  }

  /** Ends for good; the server keeps the session until its grace period ends. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#rejectWaiting('CLOSED', 'client closed');
    this.#socket?.close(1000, 'client closed');
    this.#setState('closed');
  }
}
