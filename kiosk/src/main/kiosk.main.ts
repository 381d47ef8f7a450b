/**
 * Electron main process of the kiosk shell. Follows Electron's security
 * checklist: sandboxed, context-isolated renderer without Node; no application
 * menu, devtools or reload unless KIOSK_DEV=1; navigation, redirects and new
 * windows locked to the booth-server origin for every WebContents
 * (hardening.ts); permissions granted only for camera/microphone on that
 * origin; the kiosk credential is added to requests here, never given to page
 * script, and never sent over plain HTTP to another machine; IPC senders are
 * checked; bridge call arguments are validated against contract.ts before
 * they reach the hardware.
 */
import { app, BrowserWindow, ipcMain, Menu, session, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { loadConfig, resolveFromRoot, type BoothConfig } from '@citizen/config';
import { createBridgeImpl, invokeBridgeCall } from '../bridgeImpl';
import { BRIDGE_CALLS, BRIDGE_EVENTS, IPC_EVENT_CHANNEL, ipcChannel, type BridgeCall, type BridgeEvent, type IpcReply } from '../contract';
import { kioskAuthHeader, readKioskCredential } from '../credential';
import { KioskHardware } from '../hardware/KioskHardware';
import { hardenApp, isSameOrigin, kioskWebPreferences, shellSettings, type ShellSettings } from './hardening';

function fail(err: unknown): never {
  process.stderr.write(`kiosk: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  app.exit(1);
  // app.exit() does not return in Electron; this line only gives fail() its `never` type.
  process.exit(1);
}

app.enableSandbox();

// Settled before `ready`, so the menu is gone and the guards are registered
// before any WebContents (the kiosk window's included) exists.
let config: BoothConfig;
let settings: ShellSettings;
try {
  config = loadConfig();
  settings = shellSettings(config.kiosk.serverUrl, process.env);
} catch (err) {
  fail(err);
}
hardenApp({ app, menu: Menu }, settings);

async function start(): Promise<void> {
  const { origin } = settings;
  const credential = await readKioskCredential(resolveFromRoot(config.kiosk.credentialFile));
  const auth = kioskAuthHeader(credential);
  const hardware = new KioskHardware(config.kiosk, {
    log: { info: (m) => process.stdout.write(`kiosk: ${m}\n`), warn: (m) => process.stderr.write(`kiosk: ${m}\n`) },
  });
  hardware.start();
  app.on('will-quit', () => void hardware.close());
  const bridge = createBridgeImpl({ config: config.kiosk, shell: 'electron', hardware });

  const ses = session.defaultSession;
  ses.webRequest.onBeforeSendHeaders({ urls: settings.credentialUrls }, (details, callback) => {
    callback({ requestHeaders: { ...details.requestHeaders, Authorization: auth } });
  });
  ses.setPermissionRequestHandler((webContents, permission, callback) => {
    callback(permission === 'media' && isSameOrigin(webContents.getURL(), origin));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permission === 'media' && requestingOrigin === origin);

  const isTrusted = (event: IpcMainInvokeEvent): boolean => isSameOrigin(event.senderFrame?.url, origin);
  for (const call of Object.keys(BRIDGE_CALLS) as BridgeCall[]) {
    ipcMain.handle(ipcChannel(call), async (event, args: unknown): Promise<IpcReply> => {
      if (!isTrusted(event)) return { ok: false, error: { code: 'BRIDGE_FORBIDDEN_ORIGIN', message: `bridge call ${call} refused: untrusted sender` } };
      return invokeBridgeCall(bridge, call, args);
    });
  }

  const win = new BrowserWindow({
    kiosk: true,
    fullscreen: true,
    autoHideMenuBar: true,
    backgroundColor: '#0b3d5c',
    webPreferences: kioskWebPreferences(join(__dirname, 'kiosk.preload.cjs'), settings),
  });
  // Shell → renderer events: only the named events of the contract, only to the kiosk window.
  for (const name of Object.keys(BRIDGE_EVENTS) as BridgeEvent[]) {
    hardware.on(name, (payload: unknown) => {
      if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, { event: name, payload });
    });
  }
  await win.loadURL(`${origin}/kiosk/`);
}

app.whenReady().then(start).catch(fail);
app.on('window-all-closed', () => app.quit());
