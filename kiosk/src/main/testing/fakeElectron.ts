/**
 * Stand-ins for the parts of Electron's API the main-process modules use,
 * for unit tests: the Electron binary cannot be installed here, and the
 * modules take these objects as parameters. Events are emitted by the test;
 * handlers the code installs are kept to be called.
 */
import { EventEmitter } from 'node:events';
import type { KeyInput } from '../shortcuts';

/** An Electron event: `prevented` says whether the code called preventDefault(). */
export interface FakeEvent {
  prevented: boolean;
  preventDefault(): void;
  readonly [field: string]: unknown;
}

export function preventable(fields: Record<string, unknown> = {}): FakeEvent {
  return {
    ...fields,
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
}

export function key(k: string, mods: Partial<KeyInput> = {}): KeyInput {
  const code = /^[a-z]$/i.test(k) ? `Key${k.toUpperCase()}` : /^[0-9]$/.test(k) ? `Digit${k}` : k;
  return { type: 'keyDown', key: k, code, control: false, shift: false, alt: false, meta: false, ...mods };
}

export class FakeContents extends EventEmitter {
  openHandler: (() => { action: string }) | undefined;
  devToolsClosed = 0;
  crashed = 0;
  visualZoomLimits: [number, number] | undefined;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  closeDevTools(): void {
    this.devToolsClosed++;
  }
  forcefullyCrashRenderer(): void {
    this.crashed++;
  }
  setVisualZoomLevelLimits(min: number, max: number): void {
    this.visualZoomLimits = [min, max];
  }
}

type RequestHandler = (webContents: unknown, permission: string, callback: (granted: boolean) => void, details: Record<string, unknown>) => void;
type CheckHandler = (webContents: unknown, permission: string, requestingOrigin: string, details: Record<string, unknown>) => boolean;

export class FakeSession extends EventEmitter {
  requestHandler: RequestHandler | undefined;
  checkHandler: CheckHandler | undefined;
  deviceHandler: ((details: unknown) => boolean) | undefined;
  setPermissionRequestHandler(handler: RequestHandler): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: CheckHandler): void {
    this.checkHandler = handler;
  }
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void {
    this.deviceHandler = handler;
  }
  /** What the request handler answers, synchronously or not; throws if it never answers. */
  async request(permission: string, details: Record<string, unknown>): Promise<boolean> {
    if (!this.requestHandler) throw new Error('no permission request handler');
    const handler = this.requestHandler;
    return new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`permission request ${permission} never answered`)), 50);
      handler({}, permission, (granted) => {
        clearTimeout(timer);
        resolve(granted);
      }, details);
    });
  }
  check(permission: string, requestingOrigin: string, details: Record<string, unknown>): boolean {
    if (!this.checkHandler) throw new Error('no permission check handler');
    return this.checkHandler({}, permission, requestingOrigin, details);
  }
}

export class FakeApp extends EventEmitter {
  ready = false;
  hasLock = true;
  quits = 0;
  sandboxEnabled = false;
  isReady(): boolean {
    return this.ready;
  }
  enableSandbox(): void {
    this.sandboxEnabled = true;
  }
  requestSingleInstanceLock(): boolean {
    return this.hasLock;
  }
  quit(): void {
    this.quits++;
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: never, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: never, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  /** Calls the channel's handler as a renderer's ipcRenderer.invoke would. */
  invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event as never, ...args);
  }
}

/** An IPC sender: a WebContents whose main frame is at `url`, or one of its subframes. */
export function ipcEvent(url: string, frame: 'main' | 'sub' | 'gone' = 'main'): { senderFrame: { url: string; parent: unknown } | null; sender: { mainFrame: unknown } } {
  const mainFrame = { url, parent: null };
  if (frame === 'gone') return { senderFrame: null, sender: { mainFrame } };
  if (frame === 'sub') return { senderFrame: { url, parent: mainFrame }, sender: { mainFrame } };
  return { senderFrame: mainFrame, sender: { mainFrame } };
}

/** A clock the test moves by hand. */
export class FakeClock {
  t = 1_700_000_000_000;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export const silentLog = { info: (): void => {}, warn: (): void => {} };
