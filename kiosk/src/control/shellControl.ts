/**
 * The control channel, the configuration profile and remote actions as a
 * shell runs them: the same wiring for the browser-shell host and Electron
 * main. The profile's `settingsChanged` and the actions' `maintenanceNotice`
 * go out on the hardware service's emitter, which both shells already forward
 * to the renderer event by event (every name in BRIDGE_EVENTS). What differs
 * between the shells (how to reload the screen, how to restart) comes in as
 * functions.
 */
import type { LoadedKioskContent } from '@citizen/config/kioskContent';
import type { KioskConfig, KioskHardware } from '../hardware/KioskHardware';
import type { KioskIdentitySource } from '../identity';
import type { SelfTest } from '../selftest/SelfTest';
import { ActionExecutor } from './ActionExecutor';
import { ControlClient } from './ControlClient';
import { KioskProfile } from './KioskProfile';

export interface ShellControl {
  profile: KioskProfile;
  actions: ActionExecutor;
  client: ControlClient;
  close(): void;
}

export function startShellControl(deps: {
  serverUrl: string;
  identity: Pick<KioskIdentitySource, 'authorization' | 'recheck'>;
  config: KioskConfig;
  content: Pick<LoadedKioskContent, 'flows' | 'languages'>;
  hardware: KioskHardware;
  log: { info(msg: string): void; warn(msg: string): void };
  backoff?: { minMs: number; maxMs: number };
  selfTest: Pick<SelfTest, 'run'>;
  /** The shell's end of a resident's session (the bridge's endSession). */
  endSession: () => Promise<unknown>;
  reload: () => Promise<void>;
  /** Absent where the shell cannot restart itself: a restart action then fails, saying so. */
  restart?: () => Promise<void>;
  /** Seconds a resident is told before a forced action, and how long after it the shell waits for the page to end the session (tests shorten them). */
  noticeSeconds?: number;
  graceMs?: number;
}): ShellControl {
  let client: ControlClient | null = null;
  const profile = new KioskProfile({
    local: deps.config,
    content: { flows: deps.content.flows.map((f) => f.id), languages: deps.content.languages.map((l) => l.code) },
    devices: deps.hardware,
    ack: (ack) => client?.send(ack) ?? false,
    onChange: (s) => {
      if (s.profile) deps.hardware.emit('settingsChanged', { profile: s.profile.name, version: s.profile.version });
    },
    log: deps.log,
  });
  const actions = new ActionExecutor({
    send: (m) => client?.send(m) ?? false,
    selfTest: deps.selfTest,
    notify: (notice) => deps.hardware.emit('maintenanceNotice', notice),
    endSession: deps.endSession,
    reload: deps.reload,
    ...(deps.restart ? { restart: deps.restart } : {}),
    ...(deps.noticeSeconds !== undefined ? { noticeSeconds: deps.noticeSeconds } : {}),
    ...(deps.graceMs !== undefined ? { graceMs: deps.graceMs } : {}),
    log: deps.log,
  });
  client = new ControlClient({
    serverUrl: deps.serverUrl,
    identity: deps.identity,
    log: deps.log,
    ...(deps.backoff ? { minBackoffMs: deps.backoff.minMs, maxBackoffMs: deps.backoff.maxMs } : {}),
    onMessage: (m) => {
      if (m.type === 'applyProfile') return profile.offer(m);
      if (m.type === 'runAction') return actions.offer(m);
    },
  });
  client.start();
  return {
    profile,
    actions,
    client,
    close: () => {
      actions.close();
      client.close();
    },
  };
}
