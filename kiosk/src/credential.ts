/**
 * Where the kiosk's credential (its token, ./identity.ts) may be sent.
 */
/** Hosts the credential may reach over plain HTTP: this machine, where no network carries it. */
const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The booth-server URL the kiosk credential is sent to, checked before any
 * shell (Electron main or the browser-shell host) starts sending it: https://
 * anywhere, plain http:// only to this machine. Anywhere else the credential
 * would cross the network readable by anyone on the path.
 */
export function credentialServerUrl(serverUrl: string): URL {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw Object.assign(new Error(`kiosk.serverUrl ${JSON.stringify(serverUrl)} is not a URL`), { code: 'KIOSK_SERVER_URL_INVALID' });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK_HOSTNAMES.has(url.hostname)) return url;
  throw Object.assign(
    new Error(
      `kiosk.serverUrl ${url.protocol}//${url.host}: the kiosk credential would be sent unencrypted to another machine. ` +
        'Fix: use an https:// URL for booth-server (plain http:// is allowed only to 127.0.0.1, localhost or [::1]).',
    ),
    { code: 'KIOSK_INSECURE_SERVER_URL' },
  );
}
