/** The card reader driver over the mock binding and a real pty: the same suite for both. */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockLink, createPtyLink, type DeviceLink } from '../testing/DeviceLink';
import { em4100Frame, frameFor, DEMO_CARDS } from '../virtual/cardFrames';
import { CardReader } from './CardReader';
import type { CardRead } from './CardNumber';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe.each([
  ['mock binding', async () => createMockLink()],
  ['real pty', () => createPtyLink()],
] as [string, () => Promise<DeviceLink>][])('CardReader (%s)', (_name, makeLink) => {
  async function setup(protocol: CardRead['kind']): Promise<{ link: DeviceLink; reader: CardReader }> {
    const link = await makeLink();
    cleanup.push(() => link.close());
    const reader = new CardReader({ protocol, serial: { port: { path: link.path }, binding: link.binding, backoff: { initialMs: 5, maxMs: 40 }, presenceCheckMs: 20, baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } });
    cleanup.push(() => reader.close());
    const opened = once(reader.device, 'open');
    reader.start();
    await opened;
    return { link, reader };
  }

  it('a swipe of each protocol becomes one typed card event', async () => {
    for (const kind of ['magstripe', 'rfid-em4100', 'barcode-line'] as const) {
      const { link, reader } = await setup(kind);
      const card = once(reader, 'card') as Promise<[CardRead]>;
      await link.send(frameFor(kind));
      const [read] = await card;
      expect(read).toMatchObject({ kind, masked: expect.stringMatching(/^[• ]+\S{4}$/) });
      expect(read.id.reveal()).toBe(DEMO_CARDS[kind]);
    }
  });

  it('a frame cut by an unplug is dropped, and reads work again after the replug', async () => {
    const { link, reader } = await setup('rfid-em4100');
    const cards: string[] = [];
    const rejects: string[] = [];
    reader.on('card', (r) => cards.push(r.id.reveal()));
    reader.on('reject', (code) => rejects.push(code));
    const half = em4100Frame('0A0B0C0D0E');
    const arrived = once(reader.device, 'data');
    await link.send(half.subarray(0, 7));
    await arrived; // the first half is in the parser
    const gone = once(reader.device, 'disconnect');
    await link.unplug();
    await gone;
    const back = once(reader.device, 'open');
    await link.replug();
    await back;
    const card = once(reader, 'card');
    await link.send(Buffer.concat([half.subarray(7), em4100Frame('0F00A1B2C3')]));
    await card;
    // The rest of the cut frame is not glued to the first half: only the whole frame after the replug counts.
    expect(cards).toEqual(['0F00A1B2C3']);
  });
});
