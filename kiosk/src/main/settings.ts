/**
 * The shell's settings from config and environment, worked out once before
 * `ready`.
 *
 * Devtools and the reload/devtools shortcuts are allowed only with the explicit
 * development switch KIOSK_DEV=1. Not `!app.isPackaged`: the shell may run
 * unpackaged (kiosk/dist/main) on a kiosk, and that test would leave devtools
 * open there.
 */
import { credentialServerUrl } from '../credential';

export interface ShellSettings {
  /** booth-server's origin (https:, or http: on loopback): the kiosk API behind kiosk://app/api/kiosk/. */
  serverOrigin: string;
  /** The same server for the signalling WebSocket (wss:, or ws: on loopback). */
  serverSocketOrigin: string;
  /** KIOSK_DEV=1: devtools and the reload/devtools shortcuts are allowed. */
  devMode: boolean;
  /** webRequest URL filters of the requests (HTTP and WebSocket) that get the kiosk credential header. */
  credentialUrls: string[];
}

/**
 * Throws (code KIOSK_INSECURE_SERVER_URL) when the credential would go over
 * plain HTTP to another machine, so the shell refuses to start rather than send it.
 */
export function shellSettings(serverUrl: string, env: Readonly<Record<string, string | undefined>>): ShellSettings {
  const url = credentialServerUrl(serverUrl);
  const serverOrigin = url.origin;
  const serverSocketOrigin = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
  return { serverOrigin, serverSocketOrigin, devMode: env.KIOSK_DEV === '1', credentialUrls: [`${serverOrigin}/*`, `${serverSocketOrigin}/*`] };
}
