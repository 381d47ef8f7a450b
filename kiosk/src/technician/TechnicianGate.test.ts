import { describe, expect, it } from 'vitest';
import { DEMO_TECHNICIAN_PIN, DEMO_TECHNICIAN_PIN_HASH } from './demoPin';
import { hashPin, parsePinHash, verifyPin } from './pin';
import { LOCKOUT_BASE_MS, TECHNICIAN_IDLE_MS, TechnicianGate } from './TechnicianGate';

// The cheapest cost the parser accepts, so the tests stay quick; the shell's own hashes use PIN_SCRYPT.
const CHEAP = { N: 2 ** 14, r: 8, p: 1 };
const PIN = '583920';
const hash = await hashPin(PIN, CHEAP);

function gate(opts: { pinHash?: string | undefined } = {}) {
  let now = 1_000_000;
  const lines: string[] = [];
  let opened = 0;
  const g = new TechnicianGate({
    pinHash: 'pinHash' in opts ? opts.pinHash : hash,
    kioskId: () => 'k-test-1',
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
    now: () => now,
    onOpen: () => opened++,
  });
  return { g, lines, advance: (ms: number) => (now += ms), opened: () => opened };
}

describe('technician PIN hashes', () => {
  it('verifies the right PIN only; every hash is salted', async () => {
    expect(await verifyPin(PIN, parsePinHash(hash))).toBe(true);
    expect(await verifyPin('583921', parsePinHash(hash))).toBe(false);
    expect(await hashPin(PIN, CHEAP)).not.toBe(hash);
  });

  it('the published demo hash is the demo PIN', async () => {
    expect(await verifyPin(DEMO_TECHNICIAN_PIN, parsePinHash(DEMO_TECHNICIAN_PIN_HASH))).toBe(true);
  });

  it('refuses malformed hashes and costs outside the bounds, naming the problem', () => {
    expect(() => parsePinHash('2468')).toThrow(/expected scrypt\$N\$r\$p\$salt\$hash/);
    expect(() => parsePinHash(hash.replace('$16384$', '$1048577$'))).toThrow(/N must be a power of two/);
    expect(() => parsePinHash(hash.replace('$16384$', '$4194304$'))).toThrow(/N must be a power of two from 2\^14 to 2\^20/);
    expect(() => parsePinHash(hash.replace(/\$[^$]+$/, '$AAAA'))).toThrow(/hash must be 32 bytes/);
    expect(() => new TechnicianGate({ pinHash: 'scrypt$1$1$1$x$y', kioskId: () => 'k', log: { info: () => undefined, warn: () => undefined } })).toThrow(TypeError);
  });

  it('will not hash a PIN that is not 4 to 12 digits', async () => {
    await expect(hashPin('12a4', CHEAP)).rejects.toThrow(/4 to 12 digits/);
    await expect(hashPin('123', CHEAP)).rejects.toThrow(/4 to 12 digits/);
  });
});

describe('TechnicianGate', () => {
  it('opens with the right PIN, ends the resident session first, and audits it without the PIN', async () => {
    const { g, lines, opened } = gate();
    expect(g.isOpen).toBe(false);
    expect(() => g.require('selfTest')).toThrow(expect.objectContaining({ code: 'TECHNICIAN_MODE_REQUIRED' }));
    await expect(g.unlock(PIN)).resolves.toEqual({ idleSeconds: 120 });
    expect(g.isOpen).toBe(true);
    expect(opened()).toBe(1);
    expect(() => g.require('selfTest')).not.toThrow();
    g.close('closed');
    expect(g.isOpen).toBe(false);
    expect(lines).toEqual([expect.stringMatching(/^technician PIN accepted, technician mode open \[kiosk:k-test-1\]$/), expect.stringMatching(/^technician mode closed \[kiosk:k-test-1, reason:closed, open_s:0\]$/)]);
    expect(lines.join('\n')).not.toContain(PIN);
  });

  it('counts wrong PINs down, locks out after five with a rising delay, and audits every try', async () => {
    const { g, lines, advance } = gate();
    for (const left of [4, 3, 2, 1]) await expect(g.unlock('1111')).rejects.toMatchObject({ code: 'TECHNICIAN_PIN_WRONG', details: { attemptsLeft: left } });
    await expect(g.unlock('1111')).rejects.toMatchObject({ code: 'TECHNICIAN_LOCKED_OUT', details: { retryAfterSeconds: 30 } });
    // Locked: even the right PIN is not checked.
    await expect(g.unlock(PIN)).rejects.toMatchObject({ code: 'TECHNICIAN_LOCKED_OUT' });
    advance(LOCKOUT_BASE_MS);
    // One more wrong PIN after the lockout: twice as long.
    await expect(g.unlock('2222')).rejects.toMatchObject({ code: 'TECHNICIAN_LOCKED_OUT', details: { retryAfterSeconds: 60 } });
    advance(60_000);
    await expect(g.unlock(PIN)).resolves.toBeDefined();
    g.close('closed');
    // The right PIN reset the count.
    await expect(g.unlock('1111')).rejects.toMatchObject({ code: 'TECHNICIAN_PIN_WRONG', details: { attemptsLeft: 4 } });
    expect(lines.filter((l) => l.startsWith('technician PIN wrong')).length).toBe(7);
    expect(lines).toContain('technician PIN wrong, locked out [kiosk:k-test-1, failures:5, locked_s:30]');
    expect(lines.join('\n')).not.toMatch(/583920|1111|2222/);
  });

  it('tries sent together are checked one after another, so they cannot outrun the count', async () => {
    const { g } = gate();
    const tries = await Promise.allSettled(['1', '2', '3', '4', '5', '6', '7'].map((d) => g.unlock(d.repeat(4))));
    const codes = tries.map((t) => (t.status === 'rejected' ? (t.reason as { code: string }).code : 'opened'));
    expect(codes).toEqual(['TECHNICIAN_PIN_WRONG', 'TECHNICIAN_PIN_WRONG', 'TECHNICIAN_PIN_WRONG', 'TECHNICIAN_PIN_WRONG', 'TECHNICIAN_LOCKED_OUT', 'TECHNICIAN_LOCKED_OUT', 'TECHNICIAN_LOCKED_OUT']);
  });

  it('closes itself after two minutes without a technician call', async () => {
    const { g, lines, advance } = gate();
    await g.unlock(PIN);
    advance(TECHNICIAN_IDLE_MS - 1000);
    g.require('technicianStatus');
    advance(TECHNICIAN_IDLE_MS - 1000);
    expect(g.isOpen).toBe(true);
    advance(1000);
    expect(g.isOpen).toBe(false);
    expect(lines.at(-1)).toMatch(/^technician mode closed \[kiosk:k-test-1, reason:idle, open_s:239\]$/);
  });

  it('without a configured hash it cannot be opened at all', async () => {
    const { g } = gate({ pinHash: undefined });
    expect(g.configured).toBe(false);
    await expect(g.unlock('2468')).rejects.toMatchObject({ code: 'TECHNICIAN_NOT_CONFIGURED' });
  });
});
