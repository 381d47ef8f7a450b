/**
 * electron-builder's afterPack hook: flips KIOSK_FUSES in the packaged
 * Electron binary with @electron/fuses. kiosk/scripts/package.mjs bundles
 * this file to kiosk/dist/packaging/afterPack.cjs, which
 * kiosk/electron-builder.json5 names as its afterPack.
 *
 * @electron/fuses is loaded when the hook runs, not imported: it is a
 * packaging-time dependency only, and this file is type-checked and tested
 * without it.
 */
import { join } from 'node:path';
import { KIOSK_FUSES } from './fuses';

/** The part of @electron/fuses the hook uses. */
export interface FusesModule {
  flipFuses(pathToElectron: string, config: Record<string, unknown>): Promise<unknown>;
  FuseVersion: { V1: string };
  FuseV1Options: Readonly<Record<string, string | number>>;
}

/** The fields of electron-builder's AfterPackContext the hook reads. */
export interface PackContext {
  appOutDir: string;
  electronPlatformName: string;
  packager: { appInfo: { productFilename: string }; executableName?: string };
}

/** The packaged Electron binary (for macOS, the .app bundle @electron/fuses expects). */
export function electronBinaryPath(context: PackContext): string {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    case 'linux':
      return join(appOutDir, packager.executableName ?? packager.appInfo.productFilename);
    default:
      throw new TypeError(`afterPack: no Electron binary path known for platform ${electronPlatformName}`);
  }
}

/**
 * The @electron/fuses config for `fuses`: each named fuse mapped to its
 * index. A name the installed @electron/fuses does not know fails the
 * package, rather than shipping a binary with that fuse at its default.
 */
export function fuseConfig(fuses: FusesModule, platform: string, wanted: Readonly<Record<string, boolean>> = KIOSK_FUSES): Record<string, unknown> {
  // Flipping a fuse breaks the ad-hoc signature of an arm64 macOS binary; electron-builder signs properly afterwards when configured to.
  const config: Record<string, unknown> = { version: fuses.FuseVersion.V1, resetAdHocDarwinSignature: platform === 'darwin' || platform === 'mas' };
  for (const [name, value] of Object.entries(wanted)) {
    const index = Object.hasOwn(fuses.FuseV1Options, name) ? fuses.FuseV1Options[name] : undefined;
    if (typeof index !== 'number') throw new TypeError(`afterPack: @electron/fuses has no fuse ${name}; update @electron/fuses or KIOSK_FUSES`);
    config[String(index)] = value;
  }
  return config;
}

export async function flipKioskFuses(context: PackContext, fuses: FusesModule): Promise<void> {
  await fuses.flipFuses(electronBinaryPath(context), fuseConfig(fuses, context.electronPlatformName));
}

async function loadFuses(): Promise<FusesModule> {
  const specifier = '@electron/fuses';
  try {
    return (await import(specifier)) as FusesModule;
  } catch (err) {
    throw new Error(`afterPack: ${specifier} is not installed (${err instanceof Error ? err.message : String(err)}); it is a devDependency of packaging, see kiosk/LOCKDOWN.md`);
  }
}

export default async function afterPack(context: PackContext): Promise<void> {
  await flipKioskFuses(context, await loadFuses());
}
