/**
 * A child process's output, line by line, each line under the part's name in
 * its colour (`npm start` and `npm run cluster` both print their parts so).
 * `onLine` sees every line (readiness checks), `hide` keeps some off the
 * terminal (a proxy's health checks).
 */
export function prefixLines(
  name: string,
  color: number,
  stream: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  onLine?: (line: string) => void,
  hide?: (line: string) => boolean,
): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      onLine?.(line);
      if (!hide?.(line)) out.write(`\x1b[${color}m[${name}]\x1b[0m ${line}\n`);
    }
  });
}
