/**
 * The Electron fuses of every packaged kiosk build, by their @electron/fuses
 * FuseV1Options name. Flipped in the binary at package time (afterPack.ts),
 * before signing, so they cannot be turned back without breaking the
 * signature:
 *  - no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect: the signed binary
 *    cannot be used as a general Node.js runtime or debugged into;
 *  - cookies encrypted at rest with the OS key store;
 *  - the app is loaded only from app.asar, and that archive's integrity is
 *    checked (macOS and Windows), so swapping the app's files is noticed;
 *  - file:// gets no extra privileges: the app is served from kiosk://app.
 */
export const KIOSK_FUSES = Object.freeze({
  RunAsNode: false,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableCookieEncryption: true,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false,
} as const satisfies Record<string, boolean>);
