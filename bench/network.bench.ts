/**
 * A call on a bad network, measured (issue #13): the demo (real server, SFU,
 * coturn) with a relay-only kiosk whose TURN traffic goes through an impaired
 * link on loopback (tests/support/impairedLink.ts; this kernel has no netem),
 * an agent in the console, both in Chromium with fake camera and microphone.
 * The config's own quality thresholds (2-s periods, 3 bad periods to step down).
 *
 *  1. A network drop: everything blocked for 5 s, then back. Time from the
 *     drop to the kiosk's first ICE restart, and from the network's return to
 *     video decoding again at the kiosk; against the same call's first
 *     connection (offer accepted → first frame at the kiosk) as the baseline.
 *  2. Sustained 10 % loss: time until the call steps down; against the
 *     floor the thresholds allow (3 periods of 2 s).
 *  3. Each stage, chosen by the agent: what the agent receives of the
 *     resident (bitrate, decoded frames per second, resolution) over 6 s;
 *     ratios against full video.
 *
 * Usage: npm run bench:network  (about 3 minutes; run it on an idle machine)
 */
import type { Page } from 'playwright-core';
import { launchBrowser } from '../tests/support/browser';
import { localTurn, startDemo } from '../tests/support/demo';
import { ImpairedLink } from '../tests/support/impairedLink';
import { deskStats, kioskStats, openConsole, openKiosk, tapTalk, type Stats } from '../tests/support/pages';

const LINK_PORT = 41950;
const TURN_PORT = 41960;
const link = await ImpairedLink.open({ udpPort: LINK_PORT, tcpPort: LINK_PORT, targetHost: '127.0.0.1', targetUdpPort: TURN_PORT, targetTcpPort: TURN_PORT, seed: 7 });
const demo = await startDemo(41800, {
  turn: localTurn({ port: TURN_PORT, clientPort: LINK_PORT, relayPorts: [41970, 41999], secret: 'network-bench-turn-secret-0123456789' }),
  kiosk: { iceTransportPolicy: 'relay' },
});
const browser = await launchBrowser();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** What the agent receives of the resident's video now (raw WebRTC stats of the receive transport). */
type Inbound = { at: number; bytes: number; frames: number; width: number; height: number };
const agentInbound = (agent: Page): Promise<Inbound> =>
  agent.evaluate(async () => {
    const desk = (window as unknown as { __desk: { active: { value: { view: { media: { endpoint: { recv: { getStats(): Promise<Map<string, Record<string, unknown>>> } | null } } } } | null } } }).__desk;
    const recv = desk.active.value?.view.media.endpoint.recv;
    const out = { at: performance.now(), bytes: 0, frames: 0, width: 0, height: 0 };
    if (!recv) return out;
    for (const s of (await recv.getStats()).values()) {
      if (s.type !== 'inbound-rtp') continue;
      out.bytes += Number(s.bytesReceived ?? 0);
      if (s.kind === 'video') {
        out.frames += Number(s.framesDecoded ?? 0);
        out.width = Number(s.frameWidth ?? 0);
        out.height = Number(s.frameHeight ?? 0);
      }
    }
    return out;
  });

const agentStage = (agent: Page): Promise<string | null> => agent.getByTestId('quality-stage').getAttribute('data-stage');

try {
  const agent = await openConsole(browser, demo.serverUrl, 'anna', 'demo-agent');
  await agent.getByTestId('available').check();
  const kiosk = await openKiosk(browser, demo.kioskUrl);
  await tapTalk(kiosk);
  await until(() => agent.getByTestId('offer').isVisible(), Boolean, 15_000, 'the offer');
  await agent.getByRole('button', { name: 'Accept' }).click();
  const accepted = performance.now();
  const kStats = async (): Promise<Stats> => (await kioskStats(kiosk)) ?? { framesDecoded: 0, audioPacketsReceived: 0, videoPacketsReceived: 0, iceRestarts: 0, mediaResets: 0 };
  await until(kStats, (s) => s.framesDecoded > 0, 20_000, 'the first frame at the kiosk');
  const firstConnect = performance.now() - accepted;
  await until(() => deskStats(agent), (s) => (s?.framesDecoded ?? 0) > 30, 20_000, 'video at the agent');
  await sleep(3000);

  // 1. A network drop.
  const restartsBefore = (await kStats()).iceRestarts;
  const dropAt = performance.now();
  link.set({ blockUdp: true, blockTcp: true });
  await until(kStats, (s) => s.iceRestarts > restartsBefore, 30_000, 'an ICE restart');
  const detected = performance.now() - dropAt;
  await sleep(Math.max(0, 5000 - (performance.now() - dropAt)));
  const framesAtReturn = (await kStats()).framesDecoded;
  const backAt = performance.now();
  link.clear();
  await until(kStats, (s) => s.framesDecoded > framesAtReturn + 5, 60_000, 'video after the drop');
  const recovered = performance.now() - backAt;
  await until(() => agentStage(agent), (s) => s === 'video', 60_000, 'full video again');
  await sleep(3000);

  // 2. Sustained 10 % loss.
  const lossAt = performance.now();
  link.set({ loss: 0.1 });
  const stepped = await until(() => agentStage(agent), (s) => s !== 'video', 60_000, 'a step down');
  const stepDown = performance.now() - lossAt;
  link.clear();
  await agent.getByTestId('choose-network').click();
  await until(() => agentStage(agent), (s) => s === 'video', 90_000, 'full video after the loss');
  await sleep(4000);

  // 3. Each stage, chosen by hand.
  const stages: { stage: string; kbps: number; fps: number; res: string }[] = [];
  for (const [stage, button] of [['video', 'choose-network'], ['low-video', 'choose-low-video'], ['audio', 'choose-audio'], ['text', 'choose-text']] as const) {
    await agent.getByTestId(button).click();
    await until(() => agentStage(agent), (s) => s === stage, 10_000, stage);
    // The encoder settles on the new settings.
    await sleep(3000);
    const a = await agentInbound(agent);
    await sleep(6000);
    const b = await agentInbound(agent);
    const secs = (b.at - a.at) / 1000;
    stages.push({ stage, kbps: ((b.bytes - a.bytes) * 8) / 1000 / secs, fps: (b.frames - a.frames) / secs, res: b.frames > a.frames ? `${b.width}x${b.height}` : '–' });
  }

  const ms = (v: number) => `${Math.round(v)} ms`.padStart(9);
  console.log('Call on a bad network: relay-only kiosk through coturn behind an impaired link, default thresholds (2-s periods, 3 to step down)');
  console.log(`  first connection (accepted → first frame at the kiosk)   ${ms(firstConnect)}   baseline`);
  console.log(`  network drop → first ICE restart                        ${ms(detected)}`);
  console.log(`  network back → video decoding again at the kiosk        ${ms(recovered)}   ratio ${(recovered / firstConnect).toFixed(2)} of the first connection`);
  console.log(`  10 % loss → step down (to ${stepped})                     ${ms(stepDown)}   ratio ${(stepDown / 6000).toFixed(2)} of the thresholds' 3 periods of 2 s`);
  console.log('What the agent receives of the resident at each stage (6 s), ratio to full video');
  const full = stages[0]!;
  for (const s of stages)
    console.log(
      `  ${s.stage.padEnd(10)} ${s.kbps.toFixed(0).padStart(6)} kbit/s  ${s.fps.toFixed(1).padStart(5)} fps  ${s.res.padEnd(9)}  bitrate ${(s.kbps / full.kbps).toFixed(2)}  fps ${(full.fps > 0 ? s.fps / full.fps : 0).toFixed(2)}`,
    );
} finally {
  await browser.close();
  await demo.dispose();
  await link.close();
}
