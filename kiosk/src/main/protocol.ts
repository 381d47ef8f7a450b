/**
 * kiosk://app/: the renderer served by the main process, instead of file://
 * (which would give the page the whole disk's origin) or a loopback port
 * (which any process on the machine, and any web page through DNS
 * rebinding, could reach).
 *
 * The scheme is registered as privileged before `ready` (standard: real
 * origin and relative URLs; secure: a secure context, so getUserMedia works;
 * supportFetchAPI: the page's fetch() of /api/kiosk/). It does not bypass CSP
 * and gets no service workers. The handler then answers
 *  - /_shell/<name>: pages the shell generates (the out-of-order page);
 *  - /api/kiosk/...: the kiosk API, forwarded to booth-server (apiProxy.ts);
 *  - anything else: a file of the built renderer directory, by GET or HEAD,
 *    with its MIME type from a fixed table; a path that leaves the directory
 *    (../, encoded or not, a symlink out), a dot-file, or an unknown file type
 *    is 404.
 * Every response, errors included, carries securityHeaders() (csp.ts).
 */
import { existsSync, realpathSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { API_PATH } from './apiProxy';
import { APP_HOST, APP_SCHEME } from './origins';
import { errorText, type ShellLog } from './log';

/** The privileges of kiosk:, as few as the app needs. */
export const APP_SCHEME_PRIVILEGES = Object.freeze({ standard: true, secure: true, supportFetchAPI: true, codeCache: true });

/** The part of Electron's `protocol` the app uses. */
export interface ProtocolApi {
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges: typeof APP_SCHEME_PRIVILEGES }[]): void;
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void;
}

/** Must run before `ready`: Electron ignores privileges registered later. */
export function registerAppScheme(protocol: ProtocolApi, app: { isReady(): boolean }): void {
  if (app.isReady()) throw new TypeError(`registerAppScheme: the ${APP_SCHEME}: scheme must be registered before the app is ready`);
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
}

/** MIME types of what the renderer build contains. Anything else is not served. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
};

/** A page the shell generates, served at /_shell/<name>. */
export interface ShellPage {
  body: string;
  type: string;
}

export const SHELL_PATH = '/_shell/';

export interface AppHandlerOptions {
  /** The built renderer directory (kiosk/dist/renderer). */
  root: string;
  headers: Readonly<Record<string, string>>;
  /** Generated pages by name (`out-of-order.html` → /_shell/out-of-order.html). */
  pages: Readonly<Record<string, ShellPage>>;
  /** Answers /api/kiosk/...; without it those paths are 404. */
  api?: (request: Request, url: URL) => Promise<Response>;
  log: ShellLog;
}

const inside = (root: string, path: string): boolean => path.startsWith(root + sep);

/**
 * The file under `root` a URL path names, or null. `root` is a real path.
 * The URL parser has already folded plain and %2e dot segments; what is left
 * to refuse is an encoded separator (..%2f..%2f), a backslash, a NUL, a
 * dot-file and a symlink pointing out.
 */
export async function resolveAppFile(root: string, pathname: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  if (relative.split('/').some((segment) => segment.startsWith('.'))) return null;
  const candidate = resolve(root, `.${relative}`);
  if (!inside(root, candidate)) return null;
  try {
    const real = await realpath(candidate);
    if (!inside(root, real) || !(await stat(real)).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

/** Throws (code KIOSK_RENDERER_NOT_BUILT) at start-up when the renderer build is missing, rather than a blank kiosk later. */
export function rendererRoot(dir: string): string {
  if (!existsSync(join(dir, 'index.html'))) {
    throw Object.assign(new Error(`kiosk renderer bundle missing: ${join(dir, 'index.html')} (run \`npm run build\`)`), { code: 'KIOSK_RENDERER_NOT_BUILT' });
  }
  return realpathSync(dir);
}

export function createAppHandler(opts: AppHandlerOptions): (request: Request) => Promise<Response> {
  const root = rendererRoot(opts.root);
  const respond = (status: number, body: BodyInit | null, type: string, extra: Record<string, string> = {}): Response =>
    new Response(body, { status, headers: { ...extra, 'content-type': type, ...opts.headers } });
  const text = (status: number, message: string, extra?: Record<string, string>): Response => respond(status, message, 'text/plain; charset=utf-8', extra);
  const withHeaders = (res: Response): Response => {
    const headers = new Headers(res.headers);
    for (const [name, value] of Object.entries(opts.headers)) headers.set(name, value);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };

  const answer = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return text(404, 'Not found');
    if (url.pathname.startsWith(API_PATH)) return opts.api ? withHeaders(await opts.api(request, url)) : text(404, 'Not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed', { allow: 'GET, HEAD' });
    const head = request.method === 'HEAD';
    if (url.pathname.startsWith(SHELL_PATH)) {
      const page = Object.hasOwn(opts.pages, url.pathname.slice(SHELL_PATH.length)) ? opts.pages[url.pathname.slice(SHELL_PATH.length)] : undefined;
      return page ? respond(200, head ? null : page.body, page.type, { 'cache-control': 'no-store' }) : text(404, 'Not found');
    }
    const file = await resolveAppFile(root, url.pathname);
    const type = file ? MIME_TYPES[extname(file).toLowerCase()] : undefined;
    if (!file || !type) return text(404, 'Not found');
    return respond(200, head ? null : await readFile(file), type);
  };

  return async (request) => {
    try {
      return await answer(request);
    } catch (err) {
      opts.log.warn(`app request failed [url:${request.url}, error:${errorText(err)}]`);
      return text(500, 'Internal error');
    }
  };
}
