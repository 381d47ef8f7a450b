import { describe, expect, it } from 'vitest';
import { guardInput, isBlockedShortcut, type KeyInput } from './shortcuts';
import { FakeContents, key, preventable } from './testing/fakeElectron';

const BLOCKED: [string, KeyInput][] = [
  ['devtools Ctrl+Shift+I', key('I', { control: true, shift: true })],
  ['devtools Ctrl+Shift+J', key('J', { control: true, shift: true })],
  ['devtools Ctrl+Shift+C', key('C', { control: true, shift: true })],
  ['devtools F12', key('F12')],
  ['devtools Cmd+Alt+I', key('i', { meta: true, alt: true })],
  ['reload Ctrl+R', key('r', { control: true })],
  ['reload Ctrl+Shift+R', key('R', { control: true, shift: true })],
  ['reload Cmd+R', key('r', { meta: true })],
  ['reload F5', key('F5')],
  ['reload Ctrl+F5', key('F5', { control: true })],
  ['reload browser key', key('BrowserRefresh')],
  ['print Ctrl+P', key('p', { control: true })],
  ['print Cmd+P', key('p', { meta: true })],
  ['zoom in Ctrl+=', { ...key('=', { control: true }), code: 'Equal' }],
  ['zoom in Ctrl++', { ...key('+', { control: true, shift: true }), code: 'Equal' }],
  ['zoom in numpad', { ...key('+', { control: true }), code: 'NumpadAdd' }],
  ['zoom out Ctrl+-', { ...key('-', { control: true }), code: 'Minus' }],
  ['zoom out numpad', { ...key('-', { control: true }), code: 'NumpadSubtract' }],
  ['zoom out, German layout', { ...key('ß', { control: true }), code: 'Minus' }],
  ['zoom reset Ctrl+0', key('0', { control: true })],
  ['zoom Cmd+=', { ...key('=', { meta: true }), code: 'Equal' }],
  ['close Ctrl+W', key('w', { control: true })],
  ['close Ctrl+Shift+W', key('W', { control: true, shift: true })],
  ['close Ctrl+F4', key('F4', { control: true })],
  ['close Alt+F4', key('F4', { alt: true })],
  ['quit Ctrl+Q', key('q', { control: true })],
  ['quit Cmd+Q', key('q', { meta: true })],
  ['new window Ctrl+N', key('n', { control: true })],
  ['new tab Ctrl+T', key('t', { control: true })],
  ['open Ctrl+O', key('o', { control: true })],
  ['save Ctrl+S', key('s', { control: true })],
  ['view source Ctrl+U', key('u', { control: true })],
  ['full screen F11', key('F11')],
  ['full screen Cmd+Ctrl+F', key('f', { meta: true, control: true })],
  ['back Alt+Left', key('ArrowLeft', { alt: true })],
  ['forward Alt+Right', key('ArrowRight', { alt: true })],
  ['back Cmd+[', key('[', { meta: true })],
  ['back browser key', key('BrowserBack')],
  // A layout whose character differs: the physical key still counts.
  ['devtools, other layout', { ...key('I', { control: true, shift: true }), key: 'Ï' }],
  ['reload, other layout', { ...key('r', { control: true }), key: 'к' }],
];

const ALLOWED: [string, KeyInput][] = [
  ['letters', key('a')],
  ['digits', key('7')],
  ['Enter', key('Enter')],
  ['Backspace', key('Backspace')],
  ['Tab', key('Tab')],
  ['arrows', key('ArrowLeft')],
  ['capital I', key('I', { shift: true })],
  ['copy', key('c', { control: true })],
  ['paste', key('v', { control: true })],
  ['cut', key('x', { control: true })],
  ['select all', key('a', { control: true })],
  ['undo', key('z', { control: true })],
  // AltGr is Ctrl+Alt on Windows: "@" on a German keyboard, "}" and "€" likewise.
  ['AltGr+Q = @', { ...key('@', { control: true, alt: true }), code: 'KeyQ' }],
  ['AltGr+0 = }', { ...key('}', { control: true, alt: true }), code: 'Digit0' }],
  ['AltGr+E = €', { ...key('€', { control: true, alt: true }), code: 'KeyE' }],
  ['Alt alone', key('Alt', { alt: true })],
  ['copy Ctrl+Insert (Numpad0 without NumLock)', { ...key('Insert', { control: true }), code: 'Numpad0' }],
  ['paste Shift+Insert', key('Insert', { shift: true })],
];

describe('isBlockedShortcut', () => {
  it.each(BLOCKED)('blocks %s', (_name, input) => expect(isBlockedShortcut(input)).toBe(true));
  it.each(ALLOWED)('lets typing through: %s', (_name, input) => expect(isBlockedShortcut(input)).toBe(false));
  it('plain typing is never blocked', () => {
    for (const k of 'abcijnopqrstuwz0123456789=-') expect(isBlockedShortcut(key(k)), k).toBe(false);
  });
});

describe('guardInput', () => {
  it('swallows blocked shortcuts in before-input-event and closes devtools that open anyway', () => {
    const contents = new FakeContents();
    guardInput(contents, { devMode: false });
    for (const [name, input] of BLOCKED) {
      const ev = preventable();
      contents.emit('before-input-event', ev, input);
      expect(ev.prevented, name).toBe(true);
    }
    for (const [name, input] of ALLOWED) {
      const ev = preventable();
      contents.emit('before-input-event', ev, input);
      expect(ev.prevented, name).toBe(false);
    }
    contents.emit('devtools-opened');
    expect(contents.devToolsClosed).toBe(1);
  });

  it('with KIOSK_DEV=1 installs nothing', () => {
    const contents = new FakeContents();
    guardInput(contents, { devMode: true });
    expect(contents.listenerCount('before-input-event')).toBe(0);
    expect(contents.listenerCount('devtools-opened')).toBe(0);
  });
});
