/**
 * The kiosk app's own origin and the one URL test every guard uses.
 *
 * The renderer is served at kiosk://app/ by protocol.ts: a scheme registered
 * as standard and secure, so Chromium gives it an origin of its own, a secure
 * context (camera and microphone work) and no open port or file:// access.
 */
export const APP_SCHEME = 'kiosk';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The attract screen: where the window starts and where a relaunched renderer goes back to. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/`;

/**
 * `scheme://host[:port]` of `url`, or null when it is unparsable or has no
 * host (data:, javascript:, about:, blob:, file:). WHATWG URL gives every
 * scheme it does not know (our kiosk:) the opaque origin "null", while
 * Chromium treats a scheme registered as standard like http:, so the origin is
 * rebuilt from the parsed parts. The host is the parsed one: in
 * `kiosk://app@evil/` it is `evil`.
 */
export function urlOrigin(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.origin !== 'null') return parsed.origin;
  if (parsed.host === '') return null;
  return `${parsed.protocol}//${parsed.host}`;
}

/**
 * Whether `url` is on `origin`. Parsed, never prefix-matched: a prefix test
 * passes `kiosk://app.evil/` and `kiosk://app@evil/`. Anything unparsable is not.
 */
export function isSameOrigin(url: unknown, origin: string): boolean {
  return urlOrigin(url) === origin;
}
