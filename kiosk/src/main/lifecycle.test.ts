import { describe, expect, it, vi } from 'vitest';
import { claimSingleInstance, keepDisplayAwake, trackQuitting } from './lifecycle';
import { FakeApp } from './testing/fakeElectron';

describe('claimSingleInstance', () => {
  it('the first instance keeps running and brings its window to the front when a second starts', () => {
    const app = new FakeApp();
    const toFront = vi.fn();
    expect(claimSingleInstance(app, toFront)).toBe(true);
    expect(app.quits).toBe(0);
    app.emit('second-instance', {}, ['kiosk'], '/');
    expect(toFront).toHaveBeenCalledTimes(1);
  });

  it('a second instance quits at once', () => {
    const app = new FakeApp();
    app.hasLock = false;
    const toFront = vi.fn();
    expect(claimSingleInstance(app, toFront)).toBe(false);
    expect(app.quits).toBe(1);
    expect(app.listenerCount('second-instance')).toBe(0);
  });
});

describe('keepDisplayAwake', () => {
  it('blocks display sleep for as long as the app runs', () => {
    const app = new FakeApp();
    const blocker = { start: vi.fn(() => 7), stop: vi.fn() };
    expect(keepDisplayAwake(blocker, app)).toBe(7);
    expect(blocker.start).toHaveBeenCalledWith('prevent-display-sleep');
    expect(blocker.stop).not.toHaveBeenCalled();
    app.emit('will-quit');
    expect(blocker.stop).toHaveBeenCalledWith(7);
  });
});

describe('trackQuitting', () => {
  it('says quitting from before-quit on', () => {
    const app = new FakeApp();
    const isQuitting = trackQuitting(app);
    expect(isQuitting()).toBe(false);
    app.emit('before-quit');
    expect(isQuitting()).toBe(true);
  });
});
