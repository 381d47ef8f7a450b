import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, drop, formatLine, recentLogs, setLogSink } from './log';

let restore: ReturnType<typeof setLogSink> | null = null;
afterEach(() => {
  if (restore) setLogSink(restore);
  restore = null;
});

describe('browser logger', () => {
  it('writes one line in the stable shape and keeps the entry for diagnostics', () => {
    const lines: string[] = [];
    restore = setLogSink((_e, line) => lines.push(line));
    createLogger('kiosk-call').warn('leaveQueue failed', { call: 'c1', error: Object.assign(new Error('gone'), { code: 'DISCONNECTED' }) });
    expect(lines).toEqual(['kiosk-call: leaveQueue failed [call:c1, error:DISCONNECTED: gone]']);
    expect(recentLogs().at(-1)).toMatchObject({ level: 'warn', part: 'kiosk-call', message: 'leaveQueue failed' });
  });

  it('drop() logs a rejection instead of swallowing it', async () => {
    const lines: string[] = [];
    restore = setLogSink((_e, line) => lines.push(line));
    drop(Promise.reject(new Error('nope')), createLogger('t'), 'thing failed', { id: 7 });
    await new Promise((r) => setTimeout(r, 0));
    expect(lines).toEqual(['t: thing failed [id:7, error:nope]']);
  });

  it('formats without context', () => {
    expect(formatLine('p', 'hello', {})).toBe('p: hello');
  });
});
