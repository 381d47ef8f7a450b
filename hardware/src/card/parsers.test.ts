import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { luhnDigit } from './CardNumber';
import { createCardParser, type CardFrameParser, type ParseEvent } from './parsers';
import { barcodeFrame, em4100Frame, magstripeFrame, CARD_KINDS } from '../virtual/cardFrames';
import type { CardKind } from './CardNumber';

/** Comparable form of parse events (the clear id is revealed only inside the test). */
const plain = (evs: ParseEvent[]): unknown[] =>
  evs.map((e) => (e.type === 'card' ? { card: e.read.kind, id: e.read.id.reveal(), masked: e.read.masked } : { reject: e.code }));

function feed(p: CardFrameParser, chunks: Uint8Array[]): ParseEvent[] {
  const out: ParseEvent[] = [];
  for (const c of chunks) {
    out.push(...p.push(c));
    expect(p.buffered).toBeLessThanOrEqual(p.maxFrameBytes);
  }
  return out;
}

const digits = (min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** A valid frame of `kind` with the identifier it must decode to. */
const validFrame = (kind: CardKind): fc.Arbitrary<{ bytes: Buffer; id: string }> => {
  switch (kind) {
    case 'magstripe':
      return fc
        .tuple(digits(11, 18), fc.constantFrom<1 | 2 | 'both'>(1, 2, 'both'), fc.stringMatching(/^[A-Z]{1,10}\/[A-Z]{1,10}$/))
        .map(([body, tracks, name]) => {
          const pan = body + luhnDigit(body);
          return { bytes: magstripeFrame({ pan, tracks, name }), id: pan };
        });
    case 'rfid-em4100':
      return fc.stringMatching(/^[0-9A-F]{10}$/).map((id) => ({ bytes: em4100Frame(id), id }));
    case 'barcode-line':
      return digits(5, 20).map((body) => {
        const code = body + luhnDigit(body);
        return { bytes: barcodeFrame(code), id: code };
      });
  }
};

describe.each(CARD_KINDS)('%s parser (property-based)', (kind) => {
  it('never throws and never buffers past its limit on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const p = createCardParser(kind);
        expect(() => feed(p, chunks)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('decodes a frame split at every byte boundary the same as whole', () => {
    fc.assert(
      fc.property(validFrame(kind), ({ bytes, id }) => {
        const whole = plain(feed(createCardParser(kind), [bytes]));
        expect(whole).toEqual([{ card: kind, id, masked: expect.any(String) }]);
        for (let i = 1; i < bytes.length; i++) {
          expect(plain(feed(createCardParser(kind), [bytes.subarray(0, i), bytes.subarray(i)]))).toEqual(whole);
        }
        // and one byte at a time
        expect(plain(feed(createCardParser(kind), [...bytes].map((b) => Uint8Array.of(b))))).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  it('finds a valid frame after garbage', () => {
    // Line protocols can only resynchronise at a line break or a control byte:
    // printable garbage right before a code is indistinguishable from the code.
    const separator = kind === 'barcode-line' ? fc.constantFrom(0x0d, 0x0a, 0x00, 0x1b, 0xff) : fc.constant(null);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), separator, validFrame(kind), (garbage, sep, { bytes, id }) => {
        const stream = Buffer.concat([garbage, sep === null ? Buffer.alloc(0) : Buffer.of(sep), bytes]);
        const cards = plain(feed(createCardParser(kind), [stream])).filter((e) => (e as { card?: string }).card);
        expect(cards.at(-1)).toEqual({ card: kind, id, masked: expect.any(String) });
      }),
      { numRuns: 300 },
    );
  });
});

describe('card parsers (examples)', () => {
  it('magstripe: one read per swipe with both tracks, Luhn failures rejected', () => {
    const p = createCardParser('magstripe');
    const pan = `499999000000000${luhnDigit('499999000000000')}`;
    expect(plain(p.push(magstripeFrame({ pan })))).toEqual([{ card: 'magstripe', id: pan, masked: '•••• •••• •••• 0000'.slice(0, -4) + pan.slice(-4) }]);
    const bad = pan.slice(0, -1) + String((Number(pan.at(-1)) + 1) % 10);
    expect(plain(p.push(magstripeFrame({ pan: bad, tracks: 2 })))).toEqual([{ reject: 'CARD_CHECKSUM' }]);
    // Swiping the same card again is a new read.
    expect(plain(p.push(magstripeFrame({ pan })))).toHaveLength(1);
  });

  it('magstripe: an overlong track is rejected and the parser recovers', () => {
    const p = createCardParser('magstripe');
    const evs = p.push(Buffer.from(`;${'1'.repeat(60)}`));
    expect(plain(evs)).toEqual([{ reject: 'CARD_FRAME_TOO_LONG' }]);
    expect(p.buffered).toBe(0);
  });

  it('EM4100: checksum checked', () => {
    const good = em4100Frame('0F00A1B2C3');
    const bad = Buffer.from(good);
    bad[11] = bad[11] === 0x30 ? 0x31 : 0x30;
    const p = createCardParser('rfid-em4100');
    expect(plain(p.push(Buffer.concat([bad, good])))).toEqual([{ reject: 'CARD_CHECKSUM' }, { card: 'rfid-em4100', id: '0F00A1B2C3', masked: '•••• •• B2C3' }]);
  });

  it('line: mod-10 check digit, length limit, CRLF as one terminator', () => {
    const p = createCardParser('barcode-line');
    expect(plain(p.push(Buffer.from('29000123456785\r\n')))).toEqual([{ reject: 'CARD_CHECKSUM' }]);
    expect(plain(p.push(Buffer.from(`${'9'.repeat(80)}\r\n`)))).toEqual([{ reject: 'CARD_FRAME_TOO_LONG' }]);
  });

  it('the clear number never shows in strings, JSON or inspect', () => {
    const [ev] = createCardParser('rfid-em4100').push(em4100Frame('0F00A1B2C3'));
    if (ev?.type !== 'card') throw new Error('expected a card');
    const shown = [String(ev.read.id), JSON.stringify(ev), inspect(ev, { depth: 5 }), `${ev.read.id}`];
    for (const s of shown) expect(s).not.toContain('0F00A1');
    expect(ev.read.id.reveal()).toBe('0F00A1B2C3');
  });
});
