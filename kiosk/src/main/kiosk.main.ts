/**
 * Electron main process of the kiosk shell. Everything that decides
 * something lives in the modules beside this file, which take Electron's
 * objects as parameters and are unit-tested with stand-ins
 * (testing/fakeElectron.ts); this file only wires them to the real Electron:
 *  - before `ready`: the kiosk: scheme's privileges (protocol.ts), the
 *    single-instance lock (lifecycle.ts), the renderer sandbox, no menu, and
 *    the guards on every WebContents and session (harden.ts);
 *  - at `ready`: the hardware and bridge, the permission lock on the default
 *    session, the kiosk://app handler (renderer files, out-of-order page, the
 *    kiosk API proxy), the IPC bridge (ipc.ts), the display kept awake, and
 *    the kiosk window (window.ts) watched for crashes and hangs (recovery.ts).
 * OS-level lock-down that Electron cannot do is in kiosk/LOCKDOWN.md.
 */
import { app, BrowserWindow, ipcMain, Menu, net, powerSaveBlocker, protocol, safeStorage, session } from 'electron';
import { join } from 'node:path';
import { loadConfig, resolveFromRoot, type BoothConfig } from '@citizen/config';
import { KIOSK_WS_PATH } from '@citizen/protocol';
import { createBridgeImpl, invokeBridgeCall, KIOSK_VERSION } from '../bridgeImpl';
import { createTechnicianServices } from '../technician/services';
import { BRIDGE_EVENTS, IPC_EVENT_CHANNEL, type BridgeEvent, type IpcReply } from '../contract';
import { enrolFromCodeFile, KioskIdentity } from '../identity';
import { KioskHardware } from '../hardware/KioskHardware';
import { HeartbeatSender, MediaReportBox } from '../health/HeartbeatSender';
import { loadKioskContent } from '@citizen/config/kioskContent';
import { startShellControl } from '../control/shellControl';
import { createApiProxy } from './apiProxy';
import { CallGate } from './callGate';
import { securityHeaders } from './csp';
import { hardenApp } from './harden';
import { safeStorageSealer } from './keySealer';
import { registerBridgeIpc } from './ipc';
import { claimSingleInstance, keepDisplayAwake, trackQuitting } from './lifecycle';
import { errorText, stdioLog as log } from './log';
import { APP_ENTRY_URL, APP_SCHEME } from './origins';
import { helpContact, offeredLanguages, outOfOrderPages } from './outOfOrder';
import { lockSessionPermissions } from './permissions';
import { createAppHandler, registerAppScheme } from './protocol';
import { RendererRecovery, watchRenderer } from './recovery';
import { restartApp } from './restart';
import { shellSettings, type ShellSettings } from './settings';
import { bringToFront, kioskWindowOptions, lockWindow } from './window';

function fail(err: unknown): never {
  log.warn(`failed to start: ${errorText(err)}`);
  app.exit(1);
  // app.exit() does not return in Electron; this line only gives fail() its `never` type.
  process.exit(1);
}

/** Fire-and-forget with the failure logged. */
function drop(what: string, promise: Promise<unknown>): void {
  promise.catch((err: unknown) => log.warn(`${what} failed [error:${errorText(err)}]`));
}

/** The same for a bridge call, whose failure is a coded reply rather than a rejection. */
function dropReply(what: string, reply: Promise<IpcReply>): void {
  drop(
    what,
    reply.then((r) => {
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    }),
  );
}

let config: BoothConfig;
let settings: ShellSettings;
try {
  registerAppScheme(protocol, app);
  config = loadConfig();
  settings = shellSettings(config.kiosk.serverUrl, process.env);
} catch (err) {
  fail(err);
}

const gate = new CallGate((on) => log.info(`camera and microphone ${on ? 'allowed: call on' : 'denied: no call'}`));
const isQuitting = trackQuitting(app);
let win: BrowserWindow | null = null;

async function start(): Promise<void> {
  const identity = await KioskIdentity.open({ file: resolveFromRoot(config.kiosk.identityFile), serverUrl: settings.serverOrigin, sealer: safeStorageSealer(safeStorage), log });
  app.on('will-quit', () => identity.close());
  // Demo only: the seed leaves a code there; a site's kiosk is enrolled on its provisioning screen.
  await enrolFromCodeFile(identity, resolveFromRoot(config.kiosk.enrolmentCodeFile), log);
  const hardware = new KioskHardware(config.kiosk, { log });
  hardware.start();
  app.on('will-quit', () => void hardware.close());
  const content = loadKioskContent();
  // The self-test's media checks open camera and microphone for the page while they run (a resident's session is over by then).
  // Camera, microphone and speaker as the page last reported them, for the heartbeat.
  const media = new MediaReportBox();
  const technician = createTechnicianServices({ config: config.kiosk, hardware, identity, version: KIOSK_VERSION, serverUrl: settings.serverOrigin, log, mediaGate: gate, media });
  const control = startShellControl({
    serverUrl: settings.serverOrigin,
    identity,
    config: config.kiosk,
    content,
    hardware,
    log,
    selfTest: technician.selfTest,
    // Called only once the bridge below exists (an action runs after start-up).
    endSession: async () => {
      gate.close();
      return invokeBridgeCall(bridge, 'endSession', null);
    },
    reload: async () => {
      if (!win || win.isDestroyed()) throw new Error('the kiosk window is not open');
      win.webContents.reload();
    },
    restart: async () => restartApp(app, process.env.KIOSK_SUPERVISED === '1'),
  });
  app.on('will-quit', () => control.close());
  const bridge = createBridgeImpl({ config: config.kiosk, shell: 'electron', hardware, media, identity, content, profile: control.profile, actions: control.actions, technician, signallingUrl: `${settings.serverSocketOrigin}${KIOSK_WS_PATH}` });

  const ses = session.defaultSession;
  lockSessionPermissions(ses, gate);
  // The signalling WebSocket goes straight to booth-server; the credential (the current token) is added
  // here, out of page script's reach, and whatever Authorization the page set is dropped.
  ses.webRequest.onBeforeSendHeaders({ urls: settings.credentialUrls }, (details, callback) => {
    const { Authorization: _page, authorization: _pageLower, ...requestHeaders } = details.requestHeaders;
    const auth = identity.authorization();
    callback({ requestHeaders: auth ? { ...requestHeaders, Authorization: auth } : requestHeaders });
  });

  protocol.handle(
    APP_SCHEME,
    createAppHandler({
      root: join(__dirname, '../renderer'),
      headers: securityHeaders(settings),
      pages: outOfOrderPages(helpContact(config.kiosk), offeredLanguages(await invokeBridgeCall(bridge, 'content', null))),
      api: createApiProxy({ serverOrigin: settings.serverOrigin, authorization: () => identity.authorization(), fetch: (url, init) => net.fetch(url, init), log }),
      log,
    }),
  );
  registerBridgeIpc({
    ipcMain,
    invoke: (call, args) => invokeBridgeCall(bridge, call, args),
    gate,
    log,
    // The resident's session ends: nothing the page stored survives it.
    wipeSession: async () => {
      await ses.clearStorageData({ storages: ['cookies', 'filesystem', 'indexdb', 'localstorage', 'shadercache', 'serviceworkers', 'cachestorage'] });
      await ses.clearCache();
    },
  });
  keepDisplayAwake(powerSaveBlocker, app);

  const window = new BrowserWindow(kioskWindowOptions(join(__dirname, 'kiosk.preload.cjs'), settings));
  win = window;
  lockWindow(window, isQuitting);
  const recovery = new RendererRecovery({
    now: Date.now,
    load: (url) => drop(`loading ${url}`, window.loadURL(url)),
    resetSession: () => {
      gate.close();
      dropReply('endSession after a renderer failure', invokeBridgeCall(bridge, 'endSession', null));
    },
    log,
  });
  watchRenderer(window.webContents, recovery, isQuitting);
  // Fleet health: the heartbeat, with the crashes and hangs recovered from in the last 10 minutes.
  const heartbeat = new HeartbeatSender({
    serverUrl: settings.serverOrigin,
    authorization: () => identity.authorization() ?? '',
    appVersion: KIOSK_VERSION,
    sources: { hardware: () => hardware.status(), media: () => media.get(), rendererCrashes: () => recovery.recentFailures() },
    log,
  });
  const soon = (): void => heartbeat.sendSoon();
  media.onChange = soon;
  hardware.on('printerStatus', soon);
  hardware.on('cardReaderStatus', soon);
  heartbeat.start();
  app.on('will-quit', () => void heartbeat.close());
  // Shell → renderer events: only the named events of the contract, only to the kiosk window.
  for (const name of Object.keys(BRIDGE_EVENTS) as BridgeEvent[]) {
    hardware.on(name, (payload: unknown) => {
      if (!window.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, { event: name, payload });
    });
  }
  await window.loadURL(APP_ENTRY_URL);
}

if (claimSingleInstance(app, () => win && bringToFront(win))) {
  hardenApp({ app, menu: Menu }, settings, gate);
  app.whenReady().then(start).catch(fail);
  app.on('window-all-closed', () => app.quit());
  // A service manager's stop: quit in order (the window may close only while quitting).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => app.quit());
}
