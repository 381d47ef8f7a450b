/**
 * OWASP ASVS 5.0 17.1.1 against real coturn (Debian's turnserver): which peer
 * addresses a TURN client may relay to. A coturn started as a site runs it
 * (no `allow-loopback-peers`, the README's sample `denied-peer-ip` ranges and
 * the SFU as `allowed-peer-ip`) refuses permissions and channels (403) to
 * loopback, multicast and the private ranges, and grants them to the SFU and
 * to public addresses; the special ranges the sample does not list are refused
 * once listed. The demo's coturn (loopback peers allowed) does relay to a
 * peer on 127.0.0.1, which shows what the default refusal protects.
 * Ports 55200-55299.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coturn, coturnArgs } from './Coturn';
import { turnCredential } from './credentials';
import { turnPeers } from './stunClient';
import { createSocket } from 'node:dgram';

const SECRET = 'coturn-peers-secret-0123456789';
const host = '127.0.0.1';
const SFU = '10.1.2.3'; // the SFU's private address at a site
/** The README's sample turnserver.conf (a site's coturn). */
const SAMPLE_DENIED = ['10.0.0.0-10.255.255.255', '172.16.0.0-172.31.255.255', '192.168.0.0-192.168.255.255'];
/** Special-purpose ranges (RFC 6890) the sample does not list. */
const MORE_SPECIAL = ['0.0.0.0-0.255.255.255', '100.64.0.0-100.127.255.255', '169.254.0.0-169.254.255.255', '192.0.0.0-192.0.0.255',
  '198.18.0.0-198.19.255.255', '240.0.0.0-255.255.255.255'];

const cred = () => turnCredential(SECRET, 'k-turn-peers', 600);
const ask = async (port: number, peers: string[], send?: Buffer) => {
  const c = cred();
  const r = await turnPeers({ host, port, username: c.username, password: c.credential, peers, ...(send ? { send } : {}) });
  expect(r.allocation.ok).toBe(true);
  return new Map(r.answers.map((a) => [a.peer, a]));
};

describe('17.1.1 a site\'s coturn relays to no reserved addresses', () => {
  let site: Coturn;
  let hardened: Coturn;
  beforeAll(async () => {
    [site, hardened] = await Promise.all([
      Coturn.start({ secret: SECRET, realm: 'peers.test', port: 55200, relayMinPort: 55210, relayMaxPort: 55229, deniedPeerIps: SAMPLE_DENIED, allowedPeerIps: [SFU] }),
      Coturn.start({ secret: SECRET, realm: 'peers.test', port: 55230, relayMinPort: 55240, relayMaxPort: 55249, deniedPeerIps: [...SAMPLE_DENIED, ...MORE_SPECIAL], allowedPeerIps: [SFU] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([site?.stop(), hardened?.stop()]);
  });

  it('is started without allow-loopback-peers unless asked', () => {
    const args = coturnArgs({ secret: 's', realm: 'r', port: 1, relayMinPort: 2, relayMaxPort: 3 }, '/tmp/x');
    expect(args).not.toContain('--allow-loopback-peers');
    expect(args).toContain('--no-multicast-peers');
  });

  it('refuses loopback, multicast and the private ranges (403), grants the SFU and public addresses', async () => {
    const refused = ['127.0.0.1:22', '127.0.0.1:6379', '127.1.2.3:80', '224.0.0.1:5004', '239.255.255.250:1900', '10.0.0.1:80', '10.255.0.9:443',
      '172.16.5.4:80', '172.31.255.254:80', '192.168.1.1:80'];
    const granted = [`${SFU}:40000`, '198.51.100.7:3478', '203.0.113.9:5000'];
    const answers = await ask(55200, [...refused, ...granted]);
    for (const peer of refused) {
      expect(answers.get(peer)?.permission, peer).toMatchObject({ ok: false, code: 403 });
      expect(answers.get(peer)?.channel, peer).toMatchObject({ ok: false, code: 403 });
    }
    for (const peer of granted) {
      expect(answers.get(peer)?.permission, peer).toEqual({ ok: true });
      expect(answers.get(peer)?.channel, peer).toEqual({ ok: true });
    }
  });

  it('with the special-purpose ranges listed too, refuses link-local (cloud metadata), shared, benchmarking and reserved addresses', async () => {
    const refused = ['169.254.169.254:80', '0.0.0.0:80', '0.1.2.3:80', '100.64.0.1:80', '192.0.0.8:80', '198.18.0.1:80', '240.0.0.1:80', '255.255.255.255:9'];
    const answers = await ask(55230, [...refused, `${SFU}:40000`, '198.51.100.7:3478']);
    for (const peer of refused) expect(answers.get(peer)?.permission, peer).toMatchObject({ ok: false, code: 403 });
    expect(answers.get(`${SFU}:40000`)?.permission).toEqual({ ok: true });
    expect(answers.get('198.51.100.7:3478')?.permission).toEqual({ ok: true });
  });
});

describe('the demo\'s coturn (allowLoopbackPeers): what the default refusal protects', () => {
  let demo: Coturn;
  beforeAll(async () => {
    demo = await Coturn.start({ secret: SECRET, realm: 'peers.test', port: 55260, relayMinPort: 55270, relayMaxPort: 55289, allowLoopbackPeers: true });
  });
  afterAll(async () => {
    await demo?.stop();
  });

  it('relays a client\'s datagram to a service on 127.0.0.1', async () => {
    const service = createSocket('udp4');
    await new Promise<void>((r) => service.bind(55299, '127.0.0.1', r));
    try {
      const relayed = new Promise<string>((r) => service.on('message', (m) => r(m.toString())));
      const answers = await ask(55260, ['127.0.0.1:55299'], Buffer.from('reach-loopback'));
      expect(answers.get('127.0.0.1:55299')?.permission).toEqual({ ok: true });
      const timeout = new Promise<string>((_, rej) => setTimeout(() => rej(new Error('nothing relayed to the loopback service')), 5000));
      expect(await Promise.race([relayed, timeout])).toBe('reach-loopback');
    } finally {
      service.close();
    }
  });
});
