/**
 * Electron main process of the kiosk shell. Follows Electron's security
 * checklist: sandboxed, context-isolated renderer without Node; navigation and
 * new windows locked to the booth-server origin; permissions granted only for
 * camera/microphone on that origin; the kiosk credential is added to requests
 * here and never given to page script; IPC senders are checked; bridge call
 * arguments are validated against contract.ts before they reach the hardware.
 */
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { loadConfig } from '@citizen/config';
import { resolveFromRoot } from '@citizen/config';
import { createBridgeImpl, invokeBridgeCall } from '../bridgeImpl';
import { BRIDGE_CALLS, BRIDGE_EVENTS, IPC_EVENT_CHANNEL, ipcChannel, type BridgeCall, type BridgeEvent, type IpcReply } from '../contract';
import { kioskAuthHeader, readKioskCredential } from '../credential';
import { KioskHardware } from '../hardware/KioskHardware';

app.enableSandbox();

async function start(): Promise<void> {
  const config = loadConfig();
  const origin = new URL(config.kiosk.serverUrl).origin;
  const credential = await readKioskCredential(resolveFromRoot(config.kiosk.credentialFile));
  const auth = kioskAuthHeader(credential);
  const hardware = new KioskHardware(config.kiosk, {
    log: { info: (m) => process.stdout.write(`kiosk: ${m}\n`), warn: (m) => process.stderr.write(`kiosk: ${m}\n`) },
  });
  hardware.start();
  app.on('will-quit', () => void hardware.close());
  const bridge = createBridgeImpl({ config: config.kiosk, shell: 'electron', hardware });

  const ses = session.defaultSession;
  ses.webRequest.onBeforeSendHeaders({ urls: [`${origin}/*`, `${origin.replace(/^http/, 'ws')}/*`] }, (details, callback) => {
    callback({ requestHeaders: { ...details.requestHeaders, Authorization: auth } });
  });
  ses.setPermissionRequestHandler((webContents, permission, callback) => {
    callback(permission === 'media' && new URL(webContents.getURL()).origin === origin);
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permission === 'media' && requestingOrigin === origin);

  const isTrusted = (event: IpcMainInvokeEvent): boolean => {
    const url = event.senderFrame?.url;
    return url !== undefined && new URL(url).origin === origin;
  };
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
    webPreferences: {
      preload: join(__dirname, 'kiosk.preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  // Shell → renderer events: only the named events of the contract, only to the kiosk window.
  for (const name of Object.keys(BRIDGE_EVENTS) as BridgeEvent[]) {
    hardware.on(name, (payload: unknown) => {
      if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, { event: name, payload });
    });
  }
  win.webContents.on('will-navigate', (event, url) => {
    if (new URL(url).origin !== origin) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  await win.loadURL(`${origin}/kiosk/`);
}

app.whenReady().then(start, (err: unknown) => {
  process.stderr.write(`kiosk: failed to start: ${String(err)}\n`);
  app.exit(1);
});
app.on('window-all-closed', () => app.quit());
