/**
 * One kiosk shell per machine, a screen that never sleeps, and an orderly
 * quit: the window refuses to close (window.ts) until the app is quitting.
 */

/** The part of Electron's `app` the lifecycle uses. */
export interface LifecycleApp {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'before-quit', listener: () => void): unknown;
  on(event: 'will-quit', listener: () => void): unknown;
}

/** Electron's powerSaveBlocker. */
export interface PowerSaveBlockerApi {
  start(type: 'prevent-display-sleep'): number;
  stop(id: number): void;
}

/**
 * Takes the single-instance lock. A second shell (a double start by the OS
 * session, a technician's click) quits at once; the first brings its window
 * to the front. Returns whether this process is the one to run.
 */
export function claimSingleInstance(app: LifecycleApp, bringToFront: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', bringToFront);
  return true;
}

/** Keeps the display on for as long as the shell runs (an attract screen must stay visible). */
export function keepDisplayAwake(blocker: PowerSaveBlockerApi, app: LifecycleApp): number {
  const id = blocker.start('prevent-display-sleep');
  app.on('will-quit', () => blocker.stop(id));
  return id;
}

/** Whether the app has begun to quit: the one time the kiosk window may close. */
export function trackQuitting(app: LifecycleApp): () => boolean {
  let quitting = false;
  app.on('before-quit', () => {
    quitting = true;
  });
  return () => quitting;
}
