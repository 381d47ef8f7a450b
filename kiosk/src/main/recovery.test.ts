import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL } from './origins';
import { OUT_OF_ORDER_URL } from './outOfOrder';
import { RendererRecovery, watchRenderer } from './recovery';
import { FakeClock, FakeContents, silentLog } from './testing/fakeElectron';

const MINUTE = 60_000;
const crash = { kind: 'gone', reason: 'crashed', exitCode: 139 } as const;

function setUp() {
  const clock = new FakeClock();
  const loads: string[] = [];
  const warnings: string[] = [];
  let resets = 0;
  const recovery = new RendererRecovery({
    now: clock.now,
    load: (url) => loads.push(url),
    resetSession: () => void resets++,
    log: { ...silentLog, warn: (m) => warnings.push(m) },
  });
  return { clock, loads, warnings, recovery, resets: () => resets };
}

describe('RendererRecovery', () => {
  it('relaunches to the attract screen three times within ten minutes, then shows the out-of-order page', () => {
    const { clock, loads, recovery, resets } = setUp();
    for (let i = 0; i < 3; i++) {
      expect(recovery.failed(crash)).toBe('relaunched');
      clock.advance(3 * MINUTE);
    }
    expect(loads).toEqual([APP_ENTRY_URL, APP_ENTRY_URL, APP_ENTRY_URL]);
    expect(recovery.failed({ kind: 'unresponsive' })).toBe('out-of-order');
    expect(loads.at(-1)).toBe(OUT_OF_ORDER_URL);
    expect(recovery.isOutOfOrder).toBe(true);
    expect(resets()).toBe(4);
  });

  it('counts failures in a sliding ten-minute window', () => {
    const { clock, recovery } = setUp();
    recovery.failed(crash); // t = 0
    clock.advance(4 * MINUTE);
    recovery.failed(crash); // t = 4
    clock.advance(4 * MINUTE);
    recovery.failed(crash); // t = 8
    clock.advance(2 * MINUTE + 1);
    expect(recovery.failed(crash)).toBe('relaunched'); // t = 10:00.001, the first has left the window
    clock.advance(MINUTE);
    expect(recovery.failed(crash)).toBe('out-of-order'); // 4, 8, 10, 11 within ten minutes
  });

  it('reports the crashes and hangs of the last ten minutes for the heartbeat, forgetting older ones', () => {
    const { clock, recovery } = setUp();
    expect(recovery.recentFailures()).toBe(0);
    recovery.failed(crash); // t = 0
    clock.advance(4 * MINUTE);
    recovery.failed({ kind: 'unresponsive' }); // t = 4
    expect(recovery.recentFailures()).toBe(2);
    clock.advance(7 * MINUTE); // t = 11: the first is older than ten minutes
    expect(recovery.recentFailures()).toBe(1);
    clock.advance(4 * MINUTE);
    expect(recovery.recentFailures()).toBe(0);
  });

  it('stays out of order until the shell restarts, however long it has been', () => {
    const { clock, loads, recovery } = setUp();
    for (let i = 0; i < 4; i++) recovery.failed(crash);
    clock.advance(24 * 60 * MINUTE);
    expect(recovery.failed(crash)).toBe('out-of-order');
    expect(loads.at(-1)).toBe(OUT_OF_ORDER_URL);
  });

  it('logs each failure with its reason and count', () => {
    const { recovery, warnings } = setUp();
    recovery.failed(crash);
    expect(warnings[0]).toBe('renderer failed, relaunched [gone, reason:crashed, exitCode:139, relaunch:1/3]');
  });

  it('refuses a policy that could never relaunch sensibly', () => {
    const deps = { now: () => 0, load: () => {}, resetSession: () => {}, log: silentLog };
    expect(() => new RendererRecovery({ ...deps, policy: { maxRelaunches: 3, windowMs: 0 } })).toThrow(TypeError);
    expect(() => new RendererRecovery({ ...deps, policy: { maxRelaunches: Number.NaN, windowMs: 1 } })).toThrow(TypeError);
  });
});

describe('watchRenderer', () => {
  function watched(quitting = false) {
    const s = setUp();
    const contents = new FakeContents();
    watchRenderer(contents, s.recovery, () => quitting);
    return { ...s, contents };
  }

  it('a crashed renderer is relaunched', () => {
    const { contents, loads } = watched();
    contents.emit('render-process-gone', {}, { reason: 'oom', exitCode: -1 });
    expect(loads).toEqual([APP_ENTRY_URL]);
  });

  it('a hung renderer is killed and relaunched, and the kill is not counted again', () => {
    const { contents, loads, recovery } = watched();
    contents.emit('unresponsive');
    expect(contents.crashed).toBe(1);
    contents.emit('render-process-gone', {}, { reason: 'killed', exitCode: 9 });
    expect(loads).toEqual([APP_ENTRY_URL]);
    for (let i = 0; i < 2; i++) contents.emit('render-process-gone', {}, { reason: 'killed', exitCode: 9 });
    expect(loads).toHaveLength(3);
    expect(recovery.isOutOfOrder).toBe(false);
    contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    expect(loads.at(-1)).toBe(OUT_OF_ORDER_URL);
  });

  it('nothing counts while the app quits', () => {
    const { contents, loads } = watched(true);
    contents.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    contents.emit('unresponsive');
    expect(loads).toEqual([]);
    expect(contents.crashed).toBe(0);
  });
});
