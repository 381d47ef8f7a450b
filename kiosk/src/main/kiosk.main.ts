/**
 * Electron main process of the kiosk shell. Follows Electron's security
 * checklist: sandboxed, context-isolated renderer without Node; navigation and
 * new windows locked to the booth-server origin; permissions granted only for
 * camera/microphone on that origin; the kiosk credential is added to requests
 * here and never given to page script; IPC senders are checked.
 */
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { loadConfig } from '@citizen/config';
import { resolveFromRoot } from '@citizen/config';
import { createBridgeImpl } from '../bridgeImpl';
import { BRIDGE_CALLS, ipcChannel, type BridgeCall } from '../contract';
import { kioskAuthHeader, readKioskCredential } from '../credential';

app.enableSandbox();

async function start(): Promise<void> {
  const config = loadConfig();
  const origin = new URL(config.kiosk.serverUrl).origin;
  const credential = await readKioskCredential(resolveFromRoot(config.kiosk.credentialFile));
  const auth = kioskAuthHeader(credential);
  const bridge = createBridgeImpl(config.kiosk, 'electron');

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
    ipcMain.handle(ipcChannel(call), async (event) => {
      if (!isTrusted(event)) throw new Error(`bridge call ${call} refused: untrusted sender`);
      return bridge[call]();
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
