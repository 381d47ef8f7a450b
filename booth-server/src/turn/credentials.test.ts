import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TurnIssuer, turnCredential } from './credentials';

describe('TURN REST API credentials', () => {
  it('matches a vector computed with openssl (HMAC-SHA1 of the username, base64)', () => {
    // printf '1700000600:k-demo-central-1' | openssl dgst -sha1 -hmac 'demo-turn-secret' -binary | base64
    const c = turnCredential('demo-turn-secret', 'k-demo-central-1', 600, 1_700_000_000_000);
    expect(c.username).toBe('1700000600:k-demo-central-1');
    expect(c.credential).toBe('WrPYjqlYKwbNm27ijB3RXYsItc4=');
    expect(c.expiresAt).toBe(1_700_000_600_000);
  });

  it('puts now + TTL in the username, whole seconds', () => {
    const now = 1_800_000_123_456;
    const c = turnCredential('s'.repeat(20), 'u-0123456789abcdef', 90, now);
    const [expiry, who] = c.username.split(':');
    expect(Number(expiry)).toBe(Math.floor(now / 1000) + 90);
    expect(who).toBe('u-0123456789abcdef');
    expect(c.credential).toBe(createHmac('sha1', 's'.repeat(20)).update(c.username).digest('base64'));
  });

  it('differs per participant and per secret', () => {
    const a = turnCredential('secret-one-123456', 'k-a1', 600, 0);
    expect(turnCredential('secret-one-123456', 'k-b1', 600, 0).credential).not.toBe(a.credential);
    expect(turnCredential('secret-two-123456', 'k-a1', 600, 0).credential).not.toBe(a.credential);
  });

  it('refuses names coturn would split or a log would mangle, and bad TTLs', () => {
    expect(() => turnCredential('x'.repeat(16), 'a:b', 600)).toThrow(TypeError);
    expect(() => turnCredential('x'.repeat(16), 'a b', 600)).toThrow(TypeError);
    expect(() => turnCredential('x'.repeat(16), 'ok', 0)).toThrow(TypeError);
    expect(() => turnCredential('', 'ok', 60)).toThrow(TypeError);
  });

  it('the issuer hands the configured URIs with a fresh credential and never the secret', () => {
    let now = 1_700_000_000_000;
    const secret = 'issuer-secret-0123456789';
    const issuer = new TurnIssuer({ enabled: true, urls: ['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'], secret, credentialTtlSeconds: 600 }, () => now);
    const first = issuer.iceServersFor('k-demo-central-1');
    expect(first.expiresAt).toBe(new Date(now + 600_000).toISOString());
    expect(first.iceServers).toEqual([{ urls: ['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'], username: '1700000600:k-demo-central-1', credential: expect.any(String) }]);
    expect(JSON.stringify(first)).not.toContain(secret);
    now += 300_000;
    const later = issuer.iceServersFor('k-demo-central-1');
    expect(later.iceServers[0]!.username).toBe('1700000900:k-demo-central-1');
    expect(later.iceServers[0]!.credential).not.toBe(first.iceServers[0]!.credential);
  });

  it('hands nothing when TURN is off, and refuses to be on without a secret', () => {
    expect(new TurnIssuer({ enabled: false, urls: [], secret: '', credentialTtlSeconds: 600 }).iceServersFor('k-a1')).toEqual({ iceServers: [], expiresAt: null });
    expect(() => new TurnIssuer({ enabled: true, urls: ['turn:x:3478'], secret: '', credentialTtlSeconds: 600 })).toThrow(TypeError);
  });
});
