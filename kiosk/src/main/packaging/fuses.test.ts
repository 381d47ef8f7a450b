import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { electronBinaryPath, flipKioskFuses, fuseConfig, type FusesModule, type PackContext } from './afterPack';
import { KIOSK_FUSES } from './fuses';

/** @electron/fuses as its FuseV1Options enum compiles: name → index and index → name. */
function fakeFuses(without?: string): FusesModule & { flipFuses: ReturnType<typeof vi.fn> } {
  const all = ['RunAsNode', 'EnableCookieEncryption', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'EnableEmbeddedAsarIntegrityValidation', 'OnlyLoadAppFromAsar', 'LoadBrowserProcessSpecificV8Snapshot', 'GrantFileProtocolExtraPrivileges'];
  const names = all.map((name) => (name === without ? `Retired${name}` : name));
  const options: Record<string, string | number> = {};
  names.forEach((name, i) => {
    options[name] = i;
    options[String(i)] = name;
  });
  return { flipFuses: vi.fn(async () => 0), FuseVersion: { V1: '1' }, FuseV1Options: options };
}

const context = (electronPlatformName: string): PackContext => ({
  appOutDir: '/out/linux-unpacked',
  electronPlatformName,
  packager: { appInfo: { productFilename: 'Citizen Kiosk' }, executableName: 'citizen-kiosk' },
});

describe('KIOSK_FUSES', () => {
  it('no Node runtime, NODE_OPTIONS or inspector; encrypted cookies; app only from an integrity-checked asar; plain file://', () => {
    expect(KIOSK_FUSES).toEqual({
      RunAsNode: false,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableCookieEncryption: true,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      GrantFileProtocolExtraPrivileges: false,
    });
    expect(Object.isFrozen(KIOSK_FUSES)).toBe(true);
  });
});

describe('the afterPack hook', () => {
  it('maps every fuse to its @electron/fuses index', () => {
    expect(fuseConfig(fakeFuses(), 'linux')).toEqual({ version: '1', resetAdHocDarwinSignature: false, 0: false, 1: true, 2: false, 3: false, 4: true, 5: true, 7: false });
    expect(fuseConfig(fakeFuses(), 'darwin')).toMatchObject({ resetAdHocDarwinSignature: true });
  });

  it('fails the package when @electron/fuses does not know a fuse, instead of leaving it at its default', () => {
    expect(() => fuseConfig(fakeFuses('GrantFileProtocolExtraPrivileges'), 'linux')).toThrow(/no fuse GrantFileProtocolExtraPrivileges/);
  });

  it('finds the packaged binary per platform', () => {
    expect(electronBinaryPath(context('linux'))).toBe('/out/linux-unpacked/citizen-kiosk');
    expect(electronBinaryPath(context('win32'))).toBe('/out/linux-unpacked/Citizen Kiosk.exe');
    expect(electronBinaryPath(context('darwin'))).toBe('/out/linux-unpacked/Citizen Kiosk.app');
    expect(() => electronBinaryPath(context('freebsd'))).toThrow(TypeError);
  });

  it('flips the fuses of that binary', async () => {
    const fuses = fakeFuses();
    await flipKioskFuses(context('win32'), fuses);
    expect(fuses.flipFuses).toHaveBeenCalledWith('/out/linux-unpacked/Citizen Kiosk.exe', fuseConfig(fuses, 'win32'));
  });
});

describe('kiosk/electron-builder.json', () => {
  const config = JSON.parse(readFileSync(join(__dirname, '../../../electron-builder.json'), 'utf8')) as Record<string, unknown>;

  it('runs the fuse hook after packing, packs into an asar and publishes nothing (no self-update on a kiosk)', () => {
    expect(config.afterPack).toBe('dist/packaging/afterPack.cjs');
    expect(config.asar).toBe(true);
    expect(config.publish).toBeNull();
    expect(config).not.toHaveProperty('electronFuses');
  });

  it('ships the bundles, not the sources, the hook or the source maps', () => {
    expect(config.files).toEqual(expect.arrayContaining(['dist/main/**', 'dist/renderer/**', '!**/*.map', '!src/**', '!dist/packaging/**']));
    expect(config.extraMetadata).toEqual({ main: 'dist/main/kiosk.main.cjs' });
  });
});
