/**
 * The page's half of the kiosk self-test (shell: kiosk/src/selftest): camera,
 * microphone and speaker, which only a page can open. Loaded when the shell
 * first asks (bridge event `selfTestMedia`), never at start-up. Each device is
 * opened briefly and every track and audio context is closed after, whatever
 * the outcome. The actual devices are used: the defaults the call uses.
 *
 *  - camera: a video frame must arrive;
 *  - microphone: the sound level, through a WebAudio analyser, must rise above
 *    zero (any real microphone hears some noise; a dead one gives zeros);
 *  - speaker: an output device must be there, and a short tone is played on
 *    it (whether it is heard is for the technician standing there to say).
 */
import type { MediaSelfTestAnswer, MediaSelfTestAsk, MediaSelfTestCheckName } from '@citizen/protocol';

type Result = MediaSelfTestAnswer['results'][number];
type Outcome = Pick<Result, 'result' | 'detail'>;

const FRAME_WAIT_MS = 4000;
const LISTEN_MS = 3000;
const TONE_MS = 300;

export async function runMediaSelfTest(ask: MediaSelfTestAsk): Promise<Result[]> {
  const md = navigator.mediaDevices;
  const devices = md ? await md.enumerateDevices().catch(() => [] as MediaDeviceInfo[]) : [];
  const tests: Record<MediaSelfTestCheckName, () => Promise<Outcome>> = {
    camera: () => camera(devices),
    microphone: () => microphone(devices),
    speaker: () => speaker(devices),
  };
  return Promise.all(ask.checks.map((name) => timed(name, tests[name], ask.timeoutMs)));
}

async function timed(name: MediaSelfTestCheckName, fn: () => Promise<Outcome>, budgetMs: number): Promise<Result> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ result: 'failed', detail: `did not finish within ${Math.round(budgetMs / 1000)} s` }), budgetMs)));
  let outcome: Outcome;
  try {
    outcome = await Promise.race([fn(), late]);
  } catch (err) {
    outcome = { result: 'failed', detail: describeError(err) };
  } finally {
    clearTimeout(timer);
  }
  return { name, ...outcome, detail: outcome.detail.slice(0, 300), durationMs: Math.round(performance.now() - started) };
}

function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  if (e?.name === 'NotAllowedError') return 'the kiosk shell did not allow the device to be opened';
  if (e?.name === 'NotFoundError') return 'no such device';
  if (e?.name === 'NotReadableError') return 'the device is there but cannot be read (in use, or broken)';
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
}

const labelOf = (track: MediaStreamTrack | undefined): string => (track?.label ? ` from "${track.label}"` : '');

async function camera(devices: MediaDeviceInfo[]): Promise<Outcome> {
  if (!devices.some((d) => d.kind === 'videoinput')) return { result: 'failed', detail: 'no camera found' };
  const started = performance.now();
  const stream = await navigator.mediaDevices.getUserMedia({ video: true });
  const video = document.createElement('video');
  try {
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play();
    const frame = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), FRAME_WAIT_MS);
      video.requestVideoFrameCallback(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    const track = stream.getVideoTracks()[0];
    if (!frame || video.videoWidth === 0) return { result: 'failed', detail: `opened${labelOf(track)}, but no video frame arrived within ${FRAME_WAIT_MS / 1000} s` };
    return { result: 'ok', detail: `a ${video.videoWidth}×${video.videoHeight} frame arrived in ${Math.round(performance.now() - started)} ms${labelOf(track)}` };
  } finally {
    for (const t of stream.getTracks()) t.stop();
    video.srcObject = null;
  }
}

async function microphone(devices: MediaDeviceInfo[]): Promise<Outcome> {
  if (!devices.some((d) => d.kind === 'audioinput')) return { result: 'failed', detail: 'no microphone found' };
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const ctx = new AudioContext();
  try {
    await ctx.resume();
    const track = stream.getAudioTracks()[0];
    if (ctx.state !== 'running') return { result: 'skipped', detail: `opened${labelOf(track)}, but the page may not process audio yet (autoplay policy): tap the screen and test again` };
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let peak = 0;
    const until = performance.now() + LISTEN_MS;
    while (performance.now() < until && peak < 1e-4) {
      await new Promise((r) => setTimeout(r, 100));
      analyser.getFloatTimeDomainData(samples);
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
    }
    if (peak < 1e-4) return { result: 'failed', detail: `opened${labelOf(track)}, but it heard nothing at all in ${LISTEN_MS / 1000} s (level 0)` };
    return { result: 'ok', detail: `sound level ${Math.round(20 * Math.log10(peak))} dBFS${labelOf(track)}` };
  } finally {
    for (const t of stream.getTracks()) t.stop();
    await ctx.close().catch(() => undefined);
  }
}

async function speaker(devices: MediaDeviceInfo[]): Promise<Outcome> {
  const outputs = devices.filter((d) => d.kind === 'audiooutput');
  if (outputs.length === 0) return { result: 'failed', detail: 'no audio output device found' };
  const ctx = new AudioContext();
  try {
    await ctx.resume();
    if (ctx.state !== 'running') return { result: 'skipped', detail: 'an output device is there, but the page may not play sound yet (autoplay policy): tap the screen and test again' };
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    gain.gain.value = 0.2;
    osc.frequency.value = 660;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + TONE_MS / 1000);
    await new Promise((r) => (osc.onended = r));
    const name = outputs.find((d) => d.deviceId === 'default')?.label || outputs[0]!.label || 'the default output';
    return { result: 'ok', detail: `played a ${TONE_MS} ms tone on ${name} (${outputs.length} output ${outputs.length === 1 ? 'device' : 'devices'}); listen for it` };
  } finally {
    await ctx.close().catch(() => undefined);
  }
}
