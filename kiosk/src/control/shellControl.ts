/**
 * The control channel and the configuration profile as a shell runs them:
 * the same wiring for the browser-shell host and Electron main. The profile's
 * `settingsChanged` goes out on the hardware service's emitter, which both
 * shells already forward to the renderer event by event (every name in
 * BRIDGE_EVENTS).
 */
import type { LoadedKioskContent } from '@citizen/config/kioskContent';
import type { KioskConfig, KioskHardware } from '../hardware/KioskHardware';
import type { KioskIdentitySource } from '../identity';
import { ControlClient } from './ControlClient';
import { KioskProfile } from './KioskProfile';

export interface ShellControl {
  profile: KioskProfile;
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
  client = new ControlClient({
    serverUrl: deps.serverUrl,
    identity: deps.identity,
    log: deps.log,
    ...(deps.backoff ? { minBackoffMs: deps.backoff.minMs, maxBackoffMs: deps.backoff.maxMs } : {}),
    onMessage: (m) => {
      if (m.type === 'applyProfile') return profile.offer(m);
    },
  });
  client.start();
  return { profile, client, close: () => client.close() };
}
