/**
 * The client end of the signalling protocol: typed requests with ids,
 * notifications as typed events, and reconnection as part of the protocol.
 * When the socket drops, the client reconnects with exponential backoff and
 * says `hello { resumeToken }`; the server gives back the same session (same
 * call, same place in the queue) within its grace period. Requests made while
 * disconnected wait for the reconnect instead of failing.
 */
import type {
  CallSnapshot,
  KioskRequests,
  NotificationData,
  Notifications,
  RequestData,
  RequestResult,
  ServerMessage,
  SignalError,
  StaffRequests,
} from '@citizen/protocol';

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
};

export interface SignalClientOptions {
  connect: () => SocketLike;
  /** Stored resume token (e.g. sessionStorage), so a page reload resumes too. */
  resumeToken?: string | null;
  onResumeToken?: (token: string) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
}

type AnyRequests = KioskRequests & StaffRequests;

export class SignalClient<R extends KioskRequests | StaffRequests> {
  #socket: SocketLike | null = null;
  #state: ConnectionState = 'connecting';
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string; timer: ReturnType<typeof setTimeout> }>();
  #waiting: (() => void)[] = [];
  #resumeToken: string | null;
  #attempt = 0;
  #closed = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one map for every event's listener type
  readonly #listeners = new Map<string, Set<(...args: any[]) => void>>();

  constructor(private readonly opts: SignalClientOptions) {
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
        console.error(`signal listener for ${event} threw`, err);
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
    socket.onerror = () => undefined;
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
      const res = (await this.#send(socket, 'hello', this.#resumeToken ? { resumeToken: this.#resumeToken } : {})) as RequestResult<AnyRequests, 'hello'>;
      this.#resumeToken = res.resumeToken;
      this.opts.onResumeToken?.(res.resumeToken);
      this.#attempt = 0;
      this.#setState('open');
      for (const w of this.#waiting.splice(0)) w();
      this.#emit('session', { resumed: res.resumed, call: res.call });
    } catch {
      socket.close();
    }
  }

  #onMessage(raw: unknown): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(raw)) as ServerMessage;
    } catch {
      return;
    }
    if (msg.type === 'response') {
      const p = msg.id === null ? undefined : this.#pending.get(msg.id);
      if (!p || msg.id === null) return;
      this.#pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.data);
      else p.reject(new SignalRequestError((msg.error as SignalError).code, (msg.error as SignalError).message, p.method));
    } else if (msg.type === 'notification') {
      (this.#emit as (e: string, d: unknown) => void)(msg.method, msg.data);
    }
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

  /** Sends a request once the session is open (waiting through a reconnect). */
  async request<K extends keyof R & string>(method: K, data: RequestData<R & Record<string, never>, K>): Promise<RequestResult<R & Record<string, never>, K>> {
    if (this.#closed) throw new SignalRequestError('CLOSED', 'client closed', method);
    if (this.#state !== 'open' || !this.#socket) await new Promise<void>((r) => this.#waiting.push(r));
    return (await this.#send(this.#socket!, method, data)) as RequestResult<R & Record<string, never>, K>;
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
    this.#socket?.close(1000, 'client closed');
    this.#setState('closed');
  }
}
