/**
 * The browser parts' logger: one line per event in a stable shape,
 * `message [key:value, …]`, to the console, and the last entries kept for
 * the `?debug` diagnostics (a technician can read what went wrong on a kiosk
 * without a devtools console). Never logs personal data: callers pass ids and
 * codes, not names or card numbers.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface LogEntry {
  at: string;
  level: LogLevel;
  part: string;
  message: string;
  context: Record<string, unknown>;
}

export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const RECENT_MAX = 200;
const recent: LogEntry[] = [];
type Sink = (entry: LogEntry, line: string) => void;

/* eslint-disable no-console -- the console is this logger's sink */
let sink: Sink = (entry, line) => {
  if (entry.level === 'error') console.error(line);
  else if (entry.level === 'warn') console.warn(line);
  else if (entry.level === 'info') console.info(line);
  else console.debug(line);
};
/* eslint-enable no-console */

/** Replaces where log lines go (tests). Returns the previous sink. */
export function setLogSink(next: Sink): Sink {
  const prev = sink;
  sink = next;
  return prev;
}

/** The most recent entries, oldest first. */
export function recentLogs(): readonly LogEntry[] {
  return recent;
}

function describe(value: unknown): string {
  if (value instanceof Error) return (value as Error & { code?: unknown }).code ? `${String((value as { code?: unknown }).code)}: ${value.message}` : value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export function formatLine(part: string, message: string, context: Record<string, unknown>): string {
  const ctx = Object.entries(context).map(([k, v]) => `${k}:${describe(v)}`);
  return `${part}: ${message}${ctx.length ? ` [${ctx.join(', ')}]` : ''}`;
}

export function createLogger(part: string): Logger {
  const write = (level: LogLevel, message: string, context: Record<string, unknown> = {}): void => {
    const entry: LogEntry = { at: new Date().toISOString(), level, part, message, context };
    recent.push(entry);
    if (recent.length > RECENT_MAX) recent.shift();
    try {
      sink(entry, formatLine(part, message, context));
    } catch {
      // A failing sink must not break the caller; the entry is still in `recent`.
    }
  };
  return {
    debug: (m, c) => write('debug', m, c),
    info: (m, c) => write('info', m, c),
    warn: (m, c) => write('warn', m, c),
    error: (m, c) => write('error', m, c),
  };
}

/**
 * Fire-and-forget with the failure logged, never swallowed: `void drop(p, log, 'what failed', ctx)`.
 */
export function drop(promise: Promise<unknown>, log: Logger, message: string, context: Record<string, unknown> = {}): void {
  promise.catch((err: unknown) => log.warn(message, { ...context, error: err }));
}
