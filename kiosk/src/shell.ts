/**
 * Starts the kiosk shell: Electron when its binary is installed; otherwise the
 * browser-shell host plus Chromium in kiosk mode when there is a display;
 * otherwise (a headless machine) the host alone, printing the URL to open.
 * `tsx kiosk/src/shell.ts`. Stops its children on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig, resolveFromRoot, REPO_ROOT } from '@citizen/config';
import type { FastifyInstance } from 'fastify';
import { buildKioskHost } from './host/KioskHost';
import { RESTART_EXIT_CODE } from './main/restart';
import { enrolFromCodeFile, KioskIdentity, UNSEALED } from './identity';

/** Path of the Electron binary if `npm install` could download it, else null. */
export function electronBinary(): string | null {
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathTxt = join(pkgDir, 'path.txt');
    if (!existsSync(pathTxt)) return null;
    const bin = join(pkgDir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

export function chromiumBinary(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (p && existsSync(p)) return p;
  }
  return null;
}

const hasDisplay = (): boolean => Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

async function main(): Promise<void> {
  const config = loadConfig();
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    for (const fn of cleanups.reverse()) await fn();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  const electron = process.env.KIOSK_SHELL === 'browser' ? null : electronBinary();
  if (electron) {
    // A remote restart exits Electron with RESTART_EXIT_CODE (main/restart.ts): start it again.
    const launch = (): void => {
      const child = spawn(electron, [join(REPO_ROOT, 'kiosk/dist/main/kiosk.main.cjs')], { stdio: 'inherit', env: { ...process.env, CITIZEN_ROOT: REPO_ROOT, KIOSK_SUPERVISED: '1' } });
      children.push(child);
      child.once('exit', (code) => {
        children.splice(children.indexOf(child), 1);
        if (code === RESTART_EXIT_CODE && !stopping) {
          process.stdout.write('kiosk: Electron shell restarting (remote action)\n');
          launch();
        } else void stop(code ?? 0);
      });
    };
    launch();
    process.stdout.write('kiosk: Electron shell started\n');
    return;
  }

  const log = { info: (m: string) => process.stdout.write(`kiosk: ${m}\n`), warn: (m: string) => process.stderr.write(`kiosk: ${m}\n`) };
  // The browser shell has no OS key store to hand: the key file's mode (0600) is its protection.
  const identity = await KioskIdentity.open({ file: resolveFromRoot(config.kiosk.identityFile), serverUrl: config.kiosk.serverUrl, sealer: UNSEALED, log });
  cleanups.push(() => identity.close());
  // Demo only (the seed leaves a code there). KIOSK_AUTO_ENROL=0 leaves it for the technician's screen (tests of it).
  if (process.env.KIOSK_AUTO_ENROL !== '0') await enrolFromCodeFile(identity, resolveFromRoot(config.kiosk.enrolmentCodeFile), log);
  /*
   * A remote restart: this host (hardware, control channel, heartbeat, bridge)
   * is closed and built again in this process, on the same port, with the
   * same identity; the open Chromium window's event stream reconnects to the
   * new host, which tells the page to reload. Put off a moment so the
   * action's `running` goes out on the control channel before it closes.
   */
  let restarting = false;
  const restart = async (): Promise<void> => {
    if (restarting) return;
    restarting = true;
    setTimeout(() => {
      void (async () => {
        log.info('restarting the kiosk host (remote action)');
        await host.close();
        if (stopping) return;
        host = await startHost(true);
        restarting = false;
        log.info('kiosk host restarted');
      })().catch((err: unknown) => {
        log.warn(`restart failed [error:${(err as Error).message}]`);
        void stop(1);
      });
    }, 200);
  };
  const startHost = async (afterRestart: boolean): Promise<FastifyInstance> => {
    const h = await buildKioskHost({ kiosk: config.kiosk, identity, heartbeat: true, control: true, restart, reloadPage: afterRestart });
    await h.listen({ host: '127.0.0.1', port: config.kiosk.hostPort });
    return h;
  };
  let host = await startHost(false);
  cleanups.push(() => host.close());
  const url = `http://127.0.0.1:${config.kiosk.hostPort}/kiosk/`;

  const chromium = chromiumBinary();
  if (chromium && hasDisplay() && process.env.KIOSK_NO_BROWSER !== '1') {
    // A throwaway profile: nothing the resident did survives the shell.
    const profile = mkdtempSync(join(tmpdir(), 'kiosk-profile-'));
    cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
    const child = spawn(
      chromium,
      [`--kiosk`, `--app=${url}`, `--user-data-dir=${profile}`, '--no-first-run', '--disable-translate', '--disable-pinch', '--overscroll-history-navigation=0', '--use-fake-ui-for-media-stream', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
      { stdio: 'ignore' },
    );
    children.push(child);
    child.once('exit', (code) => void stop(code ?? 0));
    process.stdout.write(`kiosk: Electron is not installed; Chromium kiosk window opened on ${url}\n`);
  } else {
    process.stdout.write(`kiosk: no Electron binary and no display; open the kiosk UI at ${url}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`kiosk: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
