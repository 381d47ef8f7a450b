/**
 * Real coturn (Debian's turnserver) on loopback with the credentials
 * booth-server hands out: a fresh one gets a relay over UDP, TCP and TLS;
 * an expired one, one made with another secret, or a changed password is
 * refused; the per-user quota holds. Ports 54200-54249.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coturn, CoturnMissingError } from './Coturn';
import { turnCredential } from './credentials';
import { turnAllocate } from './stunClient';

const SECRET = 'coturn-test-secret-0123456789';
const host = '127.0.0.1';
const port = 54200;
const tlsPort = 54201;

describe('coturn with TURN REST API credentials', () => {
  let coturn: Coturn;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coturn-cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    coturn = await Coturn.start({
      secret: SECRET,
      realm: 'test.citizen.local',
      port,
      tlsPort,
      certFile: join(dir, 'cert.pem'),
      keyFile: join(dir, 'key.pem'),
      relayMinPort: 54210,
      relayMaxPort: 54249,
      allowLoopbackPeers: true,
      userQuota: 2,
    });
  });
  afterAll(async () => {
    await coturn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['udp', 'tcp', 'tls'] as const)('grants a relay to a fresh credential over %s', async (transport) => {
    const c = turnCredential(SECRET, 'k-turn-test-1', 600);
    const r = await turnAllocate({ host, port: transport === 'tls' ? tlsPort : port, transport, username: c.username, password: c.credential });
    expect(r).toMatchObject({ ok: true, relayed: { address: '127.0.0.1' } });
    if (r.ok) expect(r.relayed.port).toBeGreaterThanOrEqual(54210);
  });

  it('refuses an expired credential, one made with another secret, and a wrong password', async () => {
    const expired = turnCredential(SECRET, 'k-turn-test-1', 60, Date.now() - 61_000);
    expect(await turnAllocate({ host, port, username: expired.username, password: expired.credential })).toMatchObject({ ok: false, code: 401 });
    const other = turnCredential('some-other-secret-987654', 'k-turn-test-1', 600);
    expect(await turnAllocate({ host, port, username: other.username, password: other.credential })).toMatchObject({ ok: false, code: 401 });
    const fresh = turnCredential(SECRET, 'k-turn-test-1', 600);
    // The expiry is part of what is signed: moving it later breaks the credential.
    const stretched = fresh.username.replace(/^\d+/, (s) => String(Number(s) + 3600));
    expect(await turnAllocate({ host, port, username: stretched, password: fresh.credential })).toMatchObject({ ok: false, code: 401 });
  });

  it('a credential just about to expire still works, and one a second past its expiry does not', async () => {
    const live = turnCredential(SECRET, 'k-turn-test-2', 60, Date.now() - 55_000);
    expect(await turnAllocate({ host, port, username: live.username, password: live.credential })).toMatchObject({ ok: true });
    const dead = turnCredential(SECRET, 'k-turn-test-2', 60, Date.now() - 62_000);
    expect(await turnAllocate({ host, port, username: dead.username, password: dead.credential })).toMatchObject({ ok: false, code: 401 });
  });

  it('holds the per-user allocation quota', async () => {
    const c = turnCredential(SECRET, 'k-turn-quota', 600);
    const kept = [];
    // UDP: the allocation outlives our socket (a TCP one ends with its connection).
    for (let i = 0; i < 2; i++) kept.push(await turnAllocate({ host, port, transport: 'udp', username: c.username, password: c.credential, keep: true }));
    expect(kept.every((r) => r.ok)).toBe(true);
    expect(await turnAllocate({ host, port, username: c.username, password: c.credential })).toMatchObject({ ok: false, code: 486 });
  });

  it('fails with a clear error when turnserver is missing', async () => {
    await expect(Coturn.start({ secret: SECRET, realm: 'x', port: 54202, relayMinPort: 54203, relayMaxPort: 54204, binary: '/nonexistent/turnserver' })).rejects.toThrow(CoturnMissingError);
    await expect(Coturn.start({ secret: SECRET, realm: 'x', port: 54202, relayMinPort: 54203, relayMaxPort: 54204, binary: '/nonexistent/turnserver' })).rejects.toThrow(/apt-get install -y coturn/);
  });
});
