/**
 * Whether a video call is on: the only time the renderer may have the camera
 * and microphone (permissions.ts reads it). Opened and closed by the bridge
 * calls named in CALL_GATE_CALLS (ipc.ts), closed when the resident's session
 * ends and whenever the renderer is relaunched (recovery.ts), so a crash in a
 * call never leaves it open for the next resident.
 */
export class CallGate {
  #on = false;
  readonly #onChange: ((on: boolean) => void) | undefined;

  constructor(onChange?: (on: boolean) => void) {
    this.#onChange = onChange;
  }

  get isOn(): boolean {
    return this.#on;
  }

  open(): void {
    this.#set(true);
  }

  close(): void {
    this.#set(false);
  }

  #set(on: boolean): void {
    if (this.#on === on) return;
    this.#on = on;
    this.#onChange?.(on);
  }
}

/**
 * Bridge calls that move the gate once they succeed. `callStart` and
 * `callEnd` are the renderer's word that a call begins and ends; while the
 * contract does not have them, the gate only ever closes and Electron keeps
 * the camera off (see kiosk/LOCKDOWN.md, "Hooks outside the shell").
 */
export const CALL_GATE_CALLS: Readonly<Record<string, 'open' | 'close'>> = {
  callStart: 'open',
  callEnd: 'close',
  endSession: 'close',
};
