/**
 * The bridge over IPC: one ipcMain.handle per call of the contract
 * (kiosk/src/contract.ts), each of which
 *  1. checks the sender: the app's own origin (kiosk://app), main frame only,
 *     a frame that still exists; anything else gets BRIDGE_FORBIDDEN_ORIGIN;
 *  2. checks the payload against the call's TypeBox schema before the bridge
 *     implementation sees it (invokeBridgeCall); a bad one gets
 *     BRIDGE_INVALID_ARGUMENTS;
 *  3. answers every failure as a coded error in the reply, never as a thrown
 *     Error whose text (paths, stack) would cross to the page.
 * A call named in the gate table moves the CallGate (permissions).
 */
import { BRIDGE_CALLS, ipcChannel, type BridgeCall, type IpcReply } from '../contract';
import { CALL_GATE_CALLS, type CallGate } from './callGate';
import { errorText, type ShellLog } from './log';
import { APP_ORIGIN, isSameOrigin, urlOrigin } from './origins';

/** The fields of Electron's WebFrameMain the sender check reads. */
export interface SenderFrame {
  readonly url: string;
  readonly parent: unknown;
}

/** The fields of Electron's IpcMainInvokeEvent the sender check reads. */
export interface BridgeInvokeEvent {
  readonly senderFrame: SenderFrame | null;
  readonly sender: { readonly mainFrame: unknown };
}

/** The part of Electron's ipcMain the bridge uses. */
export interface IpcMainApi {
  handle(channel: string, listener: (event: BridgeInvokeEvent, ...args: unknown[]) => Promise<IpcReply>): void;
}

/** Runs one call: in the shell, invokeBridgeCall over the bridge implementation. */
export type InvokeBridge = (call: BridgeCall, args: unknown) => Promise<IpcReply>;

/** Why `event` may not use the bridge, or null if it may. */
export function untrustedSenderReason(event: BridgeInvokeEvent): string | null {
  const frame = event.senderFrame;
  // Null when the frame navigated away or was destroyed after sending.
  if (!frame) return 'sender frame is gone';
  if (!isSameOrigin(frame.url, APP_ORIGIN)) return `sender origin ${urlOrigin(frame.url) ?? '(none)'} is not ${APP_ORIGIN}`;
  if (frame.parent !== null || frame !== event.sender.mainFrame) return 'sender is not the main frame';
  return null;
}

const internalError = (call: string): IpcReply => ({
  ok: false,
  error: { code: 'BRIDGE_INTERNAL', message: `bridge call ${call} failed in the kiosk shell`, fix: 'See the kiosk shell log.' },
});

export function registerBridgeIpc(deps: {
  ipcMain: IpcMainApi;
  invoke: InvokeBridge;
  gate: CallGate;
  log: ShellLog;
  /** Which calls move the gate; CALL_GATE_CALLS unless a test says otherwise. */
  gateCalls?: Readonly<Record<string, 'open' | 'close'>>;
  /**
   * After every endSession, whether it succeeded or not: wipe what the page
   * may have kept in the session partition (storage, cache), so nothing of
   * one resident is there for the next.
   */
  wipeSession?: () => Promise<void>;
}): void {
  const gateCalls = deps.gateCalls ?? CALL_GATE_CALLS;
  for (const call of Object.keys(BRIDGE_CALLS) as BridgeCall[]) {
    const move = Object.hasOwn(gateCalls, call) ? gateCalls[call] : undefined;
    deps.ipcMain.handle(ipcChannel(call), async (event, ...args): Promise<IpcReply> => {
      const reason = untrustedSenderReason(event);
      if (reason !== null) {
        deps.log.warn(`bridge call refused [call:${call}, reason:${reason}]`);
        return { ok: false, error: { code: 'BRIDGE_FORBIDDEN_ORIGIN', message: `bridge call ${call} refused: ${reason}` } };
      }
      // The preload sends one argument object at most; more is not our preload.
      if (args.length > 1) {
        return { ok: false, error: { code: 'BRIDGE_INVALID_ARGUMENTS', message: `${call}: expected one argument object, got ${args.length} arguments` } };
      }
      let reply: IpcReply;
      try {
        reply = await deps.invoke(call, args[0]);
      } catch (err) {
        deps.log.warn(`bridge call failed [call:${call}, error:${errorText(err)}]`);
        reply = internalError(call);
      }
      // Closing never waits for success: a failed endSession still ends the call's camera.
      if (move === 'close') deps.gate.close();
      else if (move === 'open' && reply.ok) deps.gate.open();
      if (call === 'endSession' && deps.wipeSession) {
        try {
          await deps.wipeSession();
        } catch (err) {
          deps.log.warn(`wiping the session partition failed [error:${errorText(err)}]`);
        }
      }
      return reply;
    });
  }
}
