/**
 * Call set-up time as a resident sees it: tap "talk to a person" → first
 * decoded frame of the agent's video on the kiosk, with the agent's console
 * accepting offers automatically. Real Chromium (fake camera/mic), the whole
 * demo (kiosk shell host, booth-server, SFU).
 *
 * Baseline in the same run and the same page: a bare RTCPeerConnection
 * loopback call (getUserMedia → two peer connections → first decoded frame).
 * Calls and loopbacks are interleaved so both see the same machine load.
 * Target: median ratio ≤ 1.3.
 *
 *   npx tsx bench/call-setup.bench.ts [calls]   (default 20)
 */
import { launchBrowser } from '../tests/support/browser';
import { startDemo } from '../tests/support/demo';

const N = Number(process.argv[2] ?? 20);

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

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
  // Auto-accept every offer.
  await agent.evaluate(() => {
    const desk = (window as unknown as { __desk: { offer: { subscribe(fn: (o: unknown) => void): void }; accept(): Promise<void> } }).__desk;
    desk.offer.subscribe((o) => {
      if (o) void desk.accept();
    });
  });

  const kioskCtx = await browser.newContext();
  const kiosk = await kioskCtx.newPage();
  await kiosk.goto(`${demo.kioskUrl}?debug`);
  await kiosk.getByTestId('kiosk-place').waitFor();

  const firstFrame = `(video) => new Promise((resolve) => {
      if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(() => resolve());
      else video.addEventListener('loadeddata', () => resolve(), { once: true });
    })`;

  const calls: number[] = [];
  const loops: number[] = [];
  for (let i = 0; i < N; i++) {
    const callMs = await kiosk.evaluate(async (firstFrameSrc: string) => {
      const firstFrame = eval(firstFrameSrc) as (v: HTMLVideoElement) => Promise<void>;
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.includes('Tal med en medarbejder'))!;
      const t0 = performance.now();
      button.click();
      let video: HTMLVideoElement | null = null;
      while (!(video = document.querySelector('[data-testid=remote-video]'))) await new Promise((r) => setTimeout(r, 5));
      await firstFrame(video);
      return performance.now() - t0;
    }, firstFrame);
    calls.push(callMs);
    await kiosk.getByRole('button', { name: 'Afslut samtale' }).click();
    await kiosk.getByRole('button', { name: /Tilbage til start/ }).click();
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
    process.stdout.write(`call ${i + 1}/${N}: ${callMs.toFixed(0)} ms   loopback: ${loopMs.toFixed(0)} ms\n`);
  }

  const cm = quantile(calls, 0.5);
  const lm = quantile(loops, 0.5);
  console.log(`\nCall set-up, tap → first decoded agent frame at the kiosk (${N} calls, Chromium, fake devices, one SFU worker)`);
  console.log(`  kiosk call   median ${cm.toFixed(0)} ms   p90 ${quantile(calls, 0.9).toFixed(0)} ms`);
  console.log(`  loopback     median ${lm.toFixed(0)} ms   p90 ${quantile(loops, 0.9).toFixed(0)} ms   (bare RTCPeerConnection pair, same page)`);
  console.log(`  ratio (median call / median loopback): ${(cm / lm).toFixed(2)}   target ≤ 1.3`);
} finally {
  await browser.close();
  await demo.dispose();
}
