/**
 * Call set-up time as a resident sees it: tap "talk to a person" → first
 * decoded frame of the agent's video on the kiosk, with the agent's console
 * accepting offers automatically. Real Chromium (fake camera/mic), the whole
 * demo (kiosk shell host, booth-server, SFU). Each call is a fresh call: new
 * inquiry, new offer, the agent's and the resident's camera opened for it.
 *
 * Baseline in the same run and the same page: a bare RTCPeerConnection
 * loopback call (getUserMedia → two peer connections → first decoded frame).
 * Calls and loopbacks are interleaved so both see the same machine load.
 * Target: median ratio ≤ 1.3, p90 ratio ≤ 1.5.
 *
 * For every call it also prints where the time went, stage by stage, from
 * the timestamps both clients and the server take (one machine, one clock):
 * tap → request acknowledged → offer at the agent → accept → agent's camera
 * producing → kiosk consumer created → consumer resumed → first RTP at the
 * kiosk → first decoded frame.
 *
 *   npx tsx bench/call-setup.bench.ts [calls]   (default 20)
 */
import { launchBrowser } from '../tests/support/browser';
import { METRICS_TOKEN, startDemo } from '../tests/support/demo';

const N = Number(process.argv[2] ?? 20);

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

type Marks = Record<string, number>;
/** Stages in order: label, and where its time is read (kiosk, agent or server marks). */
const STAGES: [string, string, (k: Marks, a: Marks, s: Marks) => number | undefined][] = [
  ['ack', 'request acknowledged (inquiry stored, queued)', (k) => k.requestAck],
  ['offer', 'offer reaches the agent (may come before the ack)', (_k, a) => a.offer],
  ['accept', 'agent accepts (auto)', (_k, a) => a.accept],
  ['started', 'call started (room ready, both told)', (_k, _a, s) => s.started],
  ['agentCam', "agent's transports and camera producer ready", (_k, a, s) => s['producer.agent.camera'] ?? a['media.produce.camera']],
  ['consumer', 'kiosk consumer created (server)', (_k, _a, s) => s['consumer.resident.video']],
  ['wired', 'kiosk consumer wired (SDP applied)', (k) => k['media.consumer.video']],
  ['resumed', 'kiosk consumer resumed', (k) => k['media.resume.video']],
  ['rtp', 'first RTP of the agent video at the kiosk', (k) => k['media.firstRtp.video']],
  ['frame', 'first decoded frame shown', (k) => k.firstFrame],
];

const demo = await startDemo(45500);
const browser = await launchBrowser();
try {
  const agentCtx = await browser.newContext();
  const agent = await agentCtx.newPage();
  await agent.goto(`${demo.serverUrl}/console/?debug`);
  await agent.getByLabel('Username').fill('anna');
  await agent.getByLabel('Password').fill('demo-agent');
  await agent.getByRole('button', { name: 'Sign in' }).click();
  await agent.waitForFunction(() => (window as unknown as { __desk?: { connection: { value: string } } }).__desk?.connection.value === 'open');
  await agent.getByTestId('available').check();
  // Auto-accept every offer, and be ready again right after each call (a wrap-up with nothing to write).
  await agent.evaluate(() => {
    type Desk = {
      offer: { subscribe(fn: (o: unknown) => void): void };
      presence: { subscribe(fn: (p: { state: string } | null) => void): void };
      accept(): Promise<void>;
      endWrapUp(): Promise<void>;
    };
    const desk = (window as unknown as { __desk: Desk }).__desk;
    desk.offer.subscribe((o) => {
      if (o) void desk.accept();
    });
    desk.presence.subscribe((p) => {
      if (p?.state === 'wrap-up') void desk.endWrapUp();
    });
  });

  const kioskCtx = await browser.newContext();
  const kiosk = await kioskCtx.newPage();
  if (process.env.BENCH_DEBUG) kiosk.on('console', (m) => process.stderr.write(`[kiosk] ${m.text()}\n`));
  if (process.env.BENCH_DEBUG) agent.on('console', (m) => process.stderr.write(`[agent] ${m.text()}\n`));
  await kiosk.goto(`${demo.kioskUrl}?debug`);
  await kiosk.getByTestId('kiosk-place').waitFor();
  // From the attract screen to the services, in Danish; the tap on "talk to a person" starts each measured call.
  await kiosk.getByTestId('attract').locator('[data-lang="da"]').click();

  const firstFrame = `(video) => new Promise((resolve) => {
      if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(() => resolve());
      else video.addEventListener('loadeddata', () => resolve(), { once: true });
    })`;

  const calls: number[] = [];
  const loops: number[] = [];
  const steps: Record<string, number[]> = Object.fromEntries(STAGES.map(([k]) => [k, []]));
  for (let i = 0; i < N; i++) {
    const call = await kiosk.evaluate(async (firstFrameSrc: string) => {
      const firstFrame = eval(firstFrameSrc) as (v: HTMLVideoElement) => Promise<void>;
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.includes('Tal med en medarbejder'))!;
      const t0 = performance.now();
      button.click();
      let video: HTMLVideoElement | null = null;
      while (!(video = document.querySelector('[data-testid=remote-video]'))) await new Promise((r) => setTimeout(r, 5));
      await firstFrame(video);
      return { ms: performance.now() - t0, tap: performance.timeOrigin + t0 };
    }, firstFrame);
    calls.push(call.ms);
    // Marks land a moment after the frame (resume acks, stats): give them a beat.
    await new Promise((r) => setTimeout(r, 150));
    const k = await kiosk.evaluate(() => (window as unknown as { __kiosk: { timeline(): Record<string, number> } }).__kiosk.timeline());
    const a = await agent.evaluate(() => {
      const desk = (window as unknown as { __desk: { active: { value: { view: { timeline: { toJSON(): Record<string, number> } } } | null } } }).__desk;
      return desk.active.value?.view.timeline.toJSON() ?? {};
    });
    const diag = (await (await fetch(`${demo.serverUrl}/api/diagnostics/call-setup`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).json()) as {
      calls: { marks: Marks }[];
    };
    const s = diag.calls.at(-1)?.marks ?? {};
    const row: string[] = [];
    let prev = call.tap;
    for (const [key, , read] of STAGES) {
      const at = read(k, a, s);
      if (at === undefined) {
        row.push(`${key} ?`);
        continue;
      }
      steps[key]!.push(at - prev);
      row.push(`${key} +${Math.round(at - prev)}`);
      prev = at;
    }
    await kiosk.getByRole('button', { name: 'Afslut samtale' }).click();
    await kiosk.getByRole('button', { name: /Tilbage til start/ }).click();
    await kiosk.getByTestId('attract').locator('[data-lang="da"]').click();
    await kiosk.getByRole('button', { name: /Tal med en medarbejder/ }).waitFor();

    const loopMs = await kiosk.evaluate(async (firstFrameSrc: string) => {
      const firstFrame = eval(firstFrameSrc) as (v: HTMLVideoElement) => Promise<void>;
      const t0 = performance.now();
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 1280 }, height: { ideal: 720 } } });
      const a = new RTCPeerConnection();
      const b = new RTCPeerConnection();
      a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
      b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
      const got = new Promise<MediaStreamTrack>((r) => (b.ontrack = (e) => e.track.kind === 'video' && r(e.track)));
      for (const t of stream.getTracks()) a.addTrack(t, stream);
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      const video = document.createElement('video');
      video.muted = true;
      video.autoplay = true;
      document.body.append(video);
      video.srcObject = new MediaStream([await got]);
      await firstFrame(video);
      const ms = performance.now() - t0;
      video.remove();
      a.close();
      b.close();
      for (const t of stream.getTracks()) t.stop();
      return ms;
    }, firstFrame);
    loops.push(loopMs);
    process.stdout.write(`call ${String(i + 1).padStart(2)}/${N}: ${call.ms.toFixed(0).padStart(4)} ms  loopback ${loopMs.toFixed(0).padStart(4)} ms  | ${row.join('  ')}\n`);
  }

  const cm = quantile(calls, 0.5);
  const lm = quantile(loops, 0.5);
  const c90 = quantile(calls, 0.9);
  console.log(`\nWhere the time goes (median ms per stage over ${N} calls; each stage from the end of the one before):`);
  for (const [key, label] of STAGES) {
    const xs = steps[key]!;
    console.log(`  ${key.padEnd(9)} ${(xs.length ? quantile(xs, 0.5).toFixed(0) : '?').padStart(5)} ms   ${label}`);
  }
  console.log(`\nCall set-up, tap → first decoded agent frame at the kiosk (${N} calls, Chromium, fake devices, one SFU worker)`);
  console.log(`  kiosk call   median ${cm.toFixed(0)} ms   p90 ${c90.toFixed(0)} ms`);
  console.log(`  loopback     median ${lm.toFixed(0)} ms   p90 ${quantile(loops, 0.9).toFixed(0)} ms   (bare RTCPeerConnection pair, same page)`);
  console.log(`  ratio median ${(cm / lm).toFixed(2)} (target ≤ 1.3)   p90 call / median loopback ${(c90 / lm).toFixed(2)} (target ≤ 1.5)`);
} finally {
  await browser.close();
  await demo.dispose();
}
