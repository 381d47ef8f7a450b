/**
 * Technician mode's lock and the self-test, made once per shell (the
 * browser-shell host or Electron main) from the shell's own parts, so both
 * shells wire them the same way. The self-test is here for remote actions
 * too: a shell that takes a console's "run self-test" calls `selfTest.run()`.
 */
import type { KioskConfig, KioskHardware } from '../hardware/KioskHardware';
import type { MediaReportBox } from '../health/HeartbeatSender';
import type { KioskIdentitySource } from '../identity';
import { RendererMediaProbe } from '../selftest/RendererMediaProbe';
import { SelfTest } from '../selftest/SelfTest';
import { DEMO_TECHNICIAN_PIN, DEMO_TECHNICIAN_PIN_HASH } from './demoPin';
import { TechnicianGate } from './TechnicianGate';

export interface TechnicianServices {
  technician: TechnicianGate;
  selfTest: SelfTest;
  mediaProbe: RendererMediaProbe;
}

export function createTechnicianServices(deps: {
  config: KioskConfig;
  hardware: KioskHardware;
  identity: KioskIdentitySource;
  version: string;
  /** booth-server's origin as this shell reaches it. */
  serverUrl: string;
  log: { info(msg: string): void; warn(msg: string): void };
  /** The heartbeat's media report, told the self-test's camera and microphone results. */
  media?: MediaReportBox;
  /** Electron: lets the page open camera and microphone for the media checks (main/callGate.ts). */
  mediaGate?: { readonly isOn: boolean; open(): void; close(): void };
}): TechnicianServices {
  const { config, hardware, identity } = deps;
  const kioskId = (): string => ((s) => (s.state === 'unprovisioned' ? config.id : s.kioskId))(identity.status());
  const technician = new TechnicianGate({
    pinHash: config.technicianPinHash,
    kioskId,
    log: deps.log,
    // The shell drops whatever a resident left (cards, waiting print jobs) before a technician sees anything.
    onOpen: () => void hardware.endSession(),
  });
  if (config.technicianPinHash === DEMO_TECHNICIAN_PIN_HASH) deps.log.warn(`technician PIN is the published demo PIN ${DEMO_TECHNICIAN_PIN} [kiosk:${config.id}]: set kiosk.technicianPinHash for a site`);
  // The page hears shell events through the hardware service's emitter (both shells forward every BRIDGE_EVENTS name from it).
  const mediaProbe = new RendererMediaProbe({ emit: (ask) => hardware.emit('selfTestMedia', ask), ...(deps.mediaGate ? { gate: deps.mediaGate } : {}) });
  const selfTest = new SelfTest({
    hardware,
    kioskId,
    version: deps.version,
    serverUrl: deps.serverUrl,
    authorization: () => identity.authorization(),
    lineWidth: config.printer.lineWidth,
    media: mediaProbe,
    ...(deps.media ? { mediaReport: deps.media } : {}),
  });
  return { technician, selfTest, mediaProbe };
}
