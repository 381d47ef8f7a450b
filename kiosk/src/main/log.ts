/** Where the shell's log lines go: one line each, context in `[key:value, …]` form. */
export interface ShellLog {
  info(message: string): void;
  warn(message: string): void;
}

export const stdioLog: ShellLog = {
  info: (message) => void process.stdout.write(`kiosk: ${message}\n`),
  warn: (message) => void process.stderr.write(`kiosk: ${message}\n`),
};

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
