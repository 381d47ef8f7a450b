/**
 * Keyboard shortcuts a resident must not reach: devtools, reload, print,
 * zoom, close/quit, new windows, full-screen toggle and history. The
 * application menu that binds most of them in Electron is removed
 * (hardenApp); this catches the rest in before-input-event, and any that a
 * future Electron binds without a menu. System shortcuts the OS takes before
 * Electron sees them (Ctrl+Alt+Del, Win+L, Alt+Tab, edge swipes) are the OS
 * lock-down's job: see kiosk/LOCKDOWN.md.
 */

/** Electron's `Input` of before-input-event, the fields the check reads. */
export interface KeyInput {
  type: string;
  key: string;
  code: string;
  control: boolean;
  shift: boolean;
  alt: boolean;
  meta: boolean;
}

/** Keys blocked whatever the modifiers: reload, full screen, devtools, and the browser keys of some keyboards. */
const ALWAYS_BLOCKED = new Set(['F5', 'F11', 'F12', 'BrowserRefresh', 'BrowserBack', 'BrowserForward', 'BrowserHome', 'BrowserSearch', 'BrowserStop', 'BrowserFavorites']);
/** Ctrl/Cmd + letter: reload, print, close, quit, new window, new tab, open, save, view source. Editing (A, C, V, X, Z, Y) stays. */
const COMMAND_LETTERS = ['r', 'p', 'w', 'q', 'n', 't', 'o', 's', 'u'];
/**
 * Ctrl/Cmd + these: zoom in, out and reset, by character and by physical key
 * of the main block. The numeric keypad gives the same characters ('+', '-',
 * '0'); matching its codes too would block Ctrl+Insert (copy), which is
 * Numpad0 with NumLock off.
 */
const ZOOM_KEYS = new Set(['=', '+', '-', '_', '0']);
const ZOOM_CODES = new Set(['Equal', 'Minus', 'Digit0']);
const INSPECTOR_LETTERS = ['i', 'j', 'c'];

/**
 * Whether before-input-event should swallow `input`. Letters are matched by
 * character and by physical key, so a keyboard layout cannot route around it.
 * Ctrl+Alt counts as AltGr, which is typing on many layouts (AltGr+Q is "@"
 * on a German keyboard), not as a Ctrl shortcut.
 */
export function isBlockedShortcut(input: KeyInput): boolean {
  const key = input.key.toLowerCase();
  const is = (letter: string): boolean => key === letter || input.code === `Key${letter.toUpperCase()}`;
  const isKey = (name: string): boolean => key === name.toLowerCase() || input.code === name;
  if ([...ALWAYS_BLOCKED].some(isKey)) return true;
  // Alt+F4 closes the window, Ctrl+F4 the tab.
  if ((input.alt || input.control) && isKey('F4')) return true;
  // Alt+Left/Right/Home: history.
  if (input.alt && !input.control && (isKey('ArrowLeft') || isKey('ArrowRight') || isKey('Home'))) return true;
  // macOS: Cmd+Alt+I/J/C devtools, Cmd+Ctrl+F full screen, Cmd+[ and Cmd+] history.
  if (input.meta && input.alt && INSPECTOR_LETTERS.some(is)) return true;
  if (input.meta && input.control && is('f')) return true;
  if (input.meta && (key === '[' || key === ']')) return true;

  const command = (input.control || input.meta) && !input.alt;
  if (!command) return false;
  if (input.shift && INSPECTOR_LETTERS.some(is)) return true;
  if (COMMAND_LETTERS.some(is)) return true;
  return ZOOM_KEYS.has(key) || ZOOM_CODES.has(input.code);
}

export interface PreventableEvent {
  preventDefault(): void;
}

/** The part of Electron's WebContents the input guard uses. */
export interface InputGuardableContents {
  on(event: 'before-input-event', listener: (event: PreventableEvent, input: KeyInput) => void): unknown;
  on(event: 'devtools-opened', listener: () => void): unknown;
  closeDevTools(): void;
}

/** Blocks the shortcuts and closes devtools that open anyway, unless KIOSK_DEV=1. */
export function guardInput(contents: InputGuardableContents, settings: { devMode: boolean }): void {
  if (settings.devMode) return;
  contents.on('before-input-event', (event, input) => {
    if (isBlockedShortcut(input)) event.preventDefault();
  });
  // devTools: false in webPreferences already keeps them shut; this covers any contents created without those preferences.
  contents.on('devtools-opened', () => contents.closeDevTools());
}
