/**
 * The remote action `restart` in Electron: an orderly quit (the window may
 * close, will-quit closes hardware, control channel and identity, as for any
 * quit) and a start again. Under the kiosk launcher (kiosk/src/shell.ts sets
 * KIOSK_SUPERVISED=1) the launcher starts Electron again when it exits with
 * RESTART_EXIT_CODE: a relaunched Electron would be no child of the launcher,
 * which would take the exit as the kiosk stopping. Elsewhere (a service
 * manager, a packaged app) Electron relaunches itself.
 */

/** EX_TEMPFAIL: "start me again", as the launcher reads it. */
export const RESTART_EXIT_CODE = 75;

/** The part of Electron's `app` a restart uses. */
export interface RestartApp {
  relaunch(): void;
  quit(): void;
  exit(code: number): void;
  once(event: 'quit', listener: () => void): unknown;
}

export function restartApp(app: RestartApp, supervised: boolean): void {
  if (supervised) app.once('quit', () => app.exit(RESTART_EXIT_CODE));
  else app.relaunch();
  app.quit();
}
