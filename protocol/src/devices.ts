/**
 * A kiosk's devices as fleet health reports them (./fleet.ts). Their own
 * module because the kiosk page's bridge contract needs these two schemas and
 * nothing else of fleet health: a bundler keeps a used module's schemas whole.
 */
import { Type, type Static } from '@sinclair/typebox';

/** The receipt printer as the shell sees it; `offline` covers unplugged and not answering. */
export const PrinterHealth = Type.Union([
  Type.Literal('ok'),
  Type.Literal('paper-near-end'),
  Type.Literal('paper-out'),
  Type.Literal('cover-open'),
  Type.Literal('offline'),
]);
export type PrinterHealth = Static<typeof PrinterHealth>;

/**
 * A camera, microphone or speaker: `unknown` until the renderer has looked
 * (only the page can enumerate media devices), `absent` when none is there,
 * `failing` when one is there but could not be opened the last time it was
 * needed, `working` otherwise.
 */
export const MediaDeviceHealth = Type.Union([Type.Literal('unknown'), Type.Literal('absent'), Type.Literal('failing'), Type.Literal('working')]);
export type MediaDeviceHealth = Static<typeof MediaDeviceHealth>;
