import { describe, expect, it } from 'vitest';
import { invokeBridgeCall, type BridgeImpl } from '../bridgeImpl';
import { BRIDGE_CALLS, ipcChannel, type BridgeCall, type IpcReply } from '../contract';
import { CallGate } from './callGate';
import { registerBridgeIpc, type InvokeBridge } from './ipc';
import { FakeIpcMain, ipcEvent, silentLog } from './testing/fakeElectron';

/** A bridge implementation that records what reaches it; `fail` makes a call throw an internal error. */
function recordingBridge(fail: ReadonlySet<string> = new Set()): { impl: BridgeImpl; calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  const impl = new Proxy({} as BridgeImpl, {
    get: (_target, name) => async (args: unknown) => {
      calls.push([String(name), args]);
      if (fail.has(String(name))) throw new Error(`ENOENT: /etc/citizen/secret.json (${String(name)})`);
      return { called: name };
    },
  });
  return { impl, calls };
}

function setUp(opts: { fail?: ReadonlySet<string>; gateCalls?: Record<string, 'open' | 'close'>; invoke?: InvokeBridge; wipeSession?: () => Promise<void> } = {}) {
  const ipcMain = new FakeIpcMain();
  const gate = new CallGate();
  const bridge = recordingBridge(opts.fail);
  const warnings: string[] = [];
  registerBridgeIpc({
    ipcMain,
    gate,
    invoke: opts.invoke ?? ((call, args) => invokeBridgeCall(bridge.impl, call, args)),
    log: { ...silentLog, warn: (m) => warnings.push(m) },
    ...(opts.gateCalls ? { gateCalls: opts.gateCalls } : {}),
    ...(opts.wipeSession ? { wipeSession: opts.wipeSession } : {}),
  });
  const call = (name: BridgeCall, event: unknown, ...args: unknown[]) => ipcMain.invoke(ipcChannel(name), event, ...args) as Promise<IpcReply>;
  return { ipcMain, gate, bridge, warnings, call };
}

const APP = ipcEvent('kiosk://app/');
const RECEIPT = { reference: 'not-a-reference', language: 'da', nextSteps: [] };

describe('registerBridgeIpc', () => {
  it('wipes the session partition after every endSession, also a failed one, and after nothing else', async () => {
    let wipes = 0;
    const ok = setUp({ wipeSession: async () => void wipes++ });
    await ok.call('info', APP);
    expect(wipes).toBe(0);
    expect((await ok.call('endSession', APP)).ok).toBe(true);
    expect(wipes).toBe(1);
    const failing = setUp({ fail: new Set(['endSession']), wipeSession: async () => void wipes++ });
    expect((await failing.call('endSession', APP)).ok).toBe(false);
    expect(wipes).toBe(2);
    // A wipe that fails is logged; the page still gets endSession's answer.
    const broken = setUp({ wipeSession: async () => Promise.reject(new Error('disk')) });
    expect((await broken.call('endSession', APP)).ok).toBe(true);
    expect(broken.warnings.some((w) => w.includes('wiping the session partition failed'))).toBe(true);
  });

  it('handles exactly the calls of the contract', () => {
    const { ipcMain } = setUp();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(Object.keys(BRIDGE_CALLS).map((c) => ipcChannel(c as BridgeCall)).sort());
  });

  it('passes a call from the app main frame to the bridge', async () => {
    const { call, bridge } = setUp();
    expect(await call('info', APP)).toEqual({ ok: true, value: { called: 'info' } });
    expect(bridge.calls).toEqual([['info', null]]);
  });

  it('refuses other origins, subframes and vanished frames before the bridge sees anything', async () => {
    const { call, bridge, warnings } = setUp();
    const senders = [
      ipcEvent('https://booth.example/kiosk/'),
      ipcEvent('http://127.0.0.1:8080/kiosk/'),
      ipcEvent('kiosk://evil/'),
      ipcEvent('kiosk://app.evil/'),
      ipcEvent('kiosk://app@evil/'),
      ipcEvent('file:///home/kiosk/index.html'),
      ipcEvent('about:blank'),
      ipcEvent('kiosk://app/', 'sub'),
      ipcEvent('kiosk://app/', 'gone'),
      // A frame that says it is top-level but is not its contents' main frame.
      { senderFrame: { url: 'kiosk://app/', parent: null }, sender: { mainFrame: { url: 'kiosk://app/', parent: null } } },
    ];
    for (const event of senders) {
      const reply = await call('info', event);
      expect(reply, JSON.stringify(event.senderFrame)).toMatchObject({ ok: false, error: { code: 'BRIDGE_FORBIDDEN_ORIGIN' } });
    }
    expect(bridge.calls).toEqual([]);
    expect(warnings).toHaveLength(senders.length);
    expect(warnings[0]).toMatch(/^bridge call refused \[call:info, reason:sender origin https:\/\/booth\.example is not kiosk:\/\/app\]$/);
  });

  it('validates the payload against the contract before the bridge sees it', async () => {
    const { call, bridge } = setUp();
    for (const args of [undefined, null, {}, RECEIPT, { ...RECEIPT, reference: 'BS-2026-000042', extra: 1 }, 'BS-2026-000042', [RECEIPT]]) {
      const reply = await call('printReceipt', APP, args);
      expect(reply, JSON.stringify(args)).toMatchObject({ ok: false, error: { code: 'BRIDGE_INVALID_ARGUMENTS' } });
    }
    expect(await call('info', APP, { unexpected: true })).toMatchObject({ ok: false, error: { code: 'BRIDGE_INVALID_ARGUMENTS' } });
    expect(await call('info', APP, null, 'second')).toMatchObject({ ok: false, error: { code: 'BRIDGE_INVALID_ARGUMENTS' } });
    expect(bridge.calls).toEqual([]);
  });

  it('answers a failure inside the shell with a coded error, never its internals, and never throws', async () => {
    const viaBridge = setUp({ fail: new Set(['hardwareStatus']) });
    const reply = await viaBridge.call('hardwareStatus', APP);
    expect(reply).toMatchObject({ ok: false, error: { code: 'BRIDGE_INTERNAL' } });
    expect(JSON.stringify(reply)).not.toContain('secret');

    const viaInvoke = setUp({
      invoke: async () => {
        throw new Error('ENOENT: /etc/citizen/secret.json');
      },
    });
    const thrown = await viaInvoke.call('info', APP);
    expect(thrown).toMatchObject({ ok: false, error: { code: 'BRIDGE_INTERNAL' } });
    expect(JSON.stringify(thrown)).not.toContain('secret');
    expect(viaInvoke.warnings[0]).toContain('secret.json');
  });

  it('moves the call gate on the gate calls: opens only on success from the app, closes whatever the outcome', async () => {
    const { call, gate } = setUp({ gateCalls: { info: 'open', endSession: 'close' }, fail: new Set(['endSession']) });
    await call('info', ipcEvent('https://evil.example/'));
    expect(gate.isOn).toBe(false);
    await call('info', APP, { bad: 1 });
    expect(gate.isOn).toBe(false);
    await call('info', APP);
    expect(gate.isOn).toBe(true);
    expect(await call('endSession', APP)).toMatchObject({ ok: false });
    expect(gate.isOn).toBe(false);
  });

  it('by default endSession from the app closes the gate', async () => {
    const { call, gate } = setUp();
    gate.open();
    await call('endSession', APP);
    expect(gate.isOn).toBe(false);
  });
});
