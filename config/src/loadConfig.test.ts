import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './loadConfig';

const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
function problemsOf(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('loads the shipped defaults', () => {
    const c = loadConfig({ files: [], env: {} });
    expect(c.server.port).toBe(8080);
    expect(c.sfu.listenIps[0]?.ip).toBe('127.0.0.1');
  });

  it('applies site files in order and environment overrides last', () => {
    const a = file('a.json', { server: { port: 9000 }, log: { level: 'debug' } });
    const b = file('b.json', { server: { port: 9001 } });
    const c = loadConfig({ files: [a, b], env: { BOOTH_SFU_WORKERS: '3', BOOTH_ANNOUNCED_IP: '203.0.113.7' } });
    expect(c.server.port).toBe(9001);
    expect(c.server.host).toBe('127.0.0.1');
    expect(c.log.level).toBe('debug');
    expect(c.sfu.numWorkers).toBe(3);
    expect(c.sfu.listenIps[0]).toEqual({ ip: '127.0.0.1', announcedIp: '203.0.113.7' });
  });

  it('names the file, the field and what was expected for a bad value', () => {
    const bad = file('bad.json', { server: { port: 'eighty' } });
    const problems = problemsOf(() => loadConfig({ files: [bad], env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ source: bad, path: '/server/port' });
    expect(problems[0]?.message).toMatch(/integer/i);
    expect(problems[0]?.message).toContain('"eighty"');
  });

  it('rejects unknown fields (typos) in the file that has them', () => {
    const typo = file('typo.json', { sfu: { numWorker: 2 } });
    const problems = problemsOf(() => loadConfig({ files: [typo], env: {} }));
    expect(problems.some((p) => p.source === typo && p.path.startsWith('/sfu'))).toBe(true);
  });

  it('lists the allowed values of an enumerated field', () => {
    const bad = file('level.json', { log: { level: 'loud' } });
    const [p] = problemsOf(() => loadConfig({ files: [bad], env: {} }));
    expect(p).toMatchObject({ source: bad, path: '/log/level' });
    expect(p?.message).toContain('"info"');
  });

  it('reports invalid JSON with the file name', () => {
    const broken = file('broken.json', '{ "server": ');
    const [p] = problemsOf(() => loadConfig({ files: [broken], env: {} }));
    expect(p?.source).toBe(broken);
    expect(p?.message).toMatch(/not valid JSON/);
  });

  it('names the environment variable when an override does not parse', () => {
    const [p] = problemsOf(() => loadConfig({ files: [], env: { BOOTH_PORT: 'abc' } }));
    expect(p).toMatchObject({ source: 'env BOOTH_PORT', path: '/server/port' });
  });

  it('rejects an RTC port range that is upside down', () => {
    const bad = file('ports.json', { sfu: { rtcMinPort: 50000, rtcMaxPort: 40000 } });
    const [p] = problemsOf(() => loadConfig({ files: [bad], env: {} }));
    expect(p).toMatchObject({ source: bad, path: '/sfu/rtcMinPort' });
  });

  it('rejects an idle session timeout longer than the absolute one, and the retired sessionTtlMinutes', () => {
    const bad = file('sessions.json', { auth: { idleTimeoutMinutes: 600, absoluteTimeoutMinutes: 480 } });
    const [p] = problemsOf(() => loadConfig({ files: [bad], env: {} }));
    expect(p).toMatchObject({ source: bad, path: '/auth/idleTimeoutMinutes' });
    const old = file('old.json', { auth: { sessionTtlMinutes: 480 } });
    const [q] = problemsOf(() => loadConfig({ files: [old], env: {} }));
    expect(q?.path).toBe('/auth/sessionTtlMinutes');
  });

  it('picks up BOOTH_CONFIG when no files are given', () => {
    const site = file('site.json', { server: { port: 9100 } });
    expect(loadConfig({ env: { BOOTH_CONFIG: site } }).server.port).toBe(9100);
  });
});

describe('loadConfig: kiosk hardware', () => {
  it('ships a complete printer, card reader and receipt section', () => {
    const k = loadConfig({ files: [], env: {} }).kiosk;
    expect(k.printer).toMatchObject({ commandSet: 'epson', codePage: 'PC858_EURO', baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(k.cardReader).toMatchObject({ protocol: 'magstripe', checkDigit: 'luhn' });
    expect(k.receipt.statusPageUrl).toContain('{reference}');
    expect(k.virtualHardwarePort).toBe(8091);
  });

  it('a site file that gives only path and baud rate keeps the other serial defaults', () => {
    const site = file('serial.json', { kiosk: { printer: { path: '/dev/ttyUSB0', baudRate: 38400 }, cardReader: { usb: { vendorId: '0403', productId: '6001', serialNumber: 'A10K9' } } } });
    const k = loadConfig({ files: [site], env: { KIOSK_CARD_READER_PROTOCOL: 'rfid-em4100' } }).kiosk;
    expect(k.printer).toMatchObject({ path: '/dev/ttyUSB0', baudRate: 38400, commandSet: 'epson', parity: 'none' });
    expect(k.cardReader).toMatchObject({ protocol: 'rfid-em4100', usb: { vendorId: '0403', productId: '6001', serialNumber: 'A10K9' } });
  });

  it('names the field for a bad command set, code page, protocol or USB id', () => {
    const bad = file('hw-bad.json', {
      kiosk: { printer: { commandSet: 'zebra', codePage: 'UTF8' }, cardReader: { protocol: 'nfc', usb: { vendorId: 'xyz', productId: '6001' } } },
    });
    const problems = problemsOf(() => loadConfig({ files: [bad], env: {} }));
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['/kiosk/printer/commandSet', '/kiosk/printer/codePage', '/kiosk/cardReader/protocol', '/kiosk/cardReader/usb/vendorId']));
    expect(problems.find((p) => p.path === '/kiosk/printer/commandSet')?.message).toContain('"star"');
  });

  it('requires {reference} in the status page URL and a real time zone', () => {
    const url = file('url.json', { kiosk: { receipt: { statusPageUrl: 'https://status.example.dk/' } } });
    expect(problemsOf(() => loadConfig({ files: [url], env: {} }))[0]).toMatchObject({ source: url, path: '/kiosk/receipt/statusPageUrl' });
    const tz = file('tz.json', { kiosk: { receipt: { timeZone: 'Mars/Olympus' } } });
    expect(problemsOf(() => loadConfig({ files: [tz], env: {} }))[0]).toMatchObject({ source: tz, path: '/kiosk/receipt/timeZone' });
  });
  it('keeps the SQLite store by default and takes PostgreSQL with its URL from a file or the environment', () => {
    expect(loadConfig({ files: [], env: {} }).store).toEqual({ kind: 'sqlite', file: 'booth.sqlite' });
    const site = file('pg.json', { store: { kind: 'postgres', postgresUrl: 'postgres://booth:secret@db.example:5432/booth', postgresMaxConnections: 20 } });
    expect(loadConfig({ files: [site], env: {} }).store).toMatchObject({ kind: 'postgres', postgresUrl: 'postgres://booth:secret@db.example:5432/booth', postgresMaxConnections: 20 });
    const env = loadConfig({ files: [], env: { BOOTH_STORE_KIND: 'postgres', BOOTH_STORE_POSTGRES_URL: 'postgresql://127.0.0.1/booth' } });
    expect(env.store).toMatchObject({ kind: 'postgres', postgresUrl: 'postgresql://127.0.0.1/booth' });
  });

  it('runs one node without Redis by default and takes a site Redis from a file or the environment; a bad URL is named, never repeated', () => {
    expect(loadConfig({ files: [], env: {} }).cluster).toEqual({ redisUrl: '', keyPrefix: 'citizen:' });
    expect(loadConfig({ files: [file('redis.json', { cluster: { redisUrl: 'rediss://:pw@redis.example:6380', keyPrefix: 'aarhus:' } })], env: {} }).cluster).toEqual({
      redisUrl: 'rediss://:pw@redis.example:6380',
      keyPrefix: 'aarhus:',
    });
    expect(loadConfig({ files: [], env: { BOOTH_REDIS_URL: 'redis://127.0.0.1:6379' } }).cluster.redisUrl).toBe('redis://127.0.0.1:6379');
    const bad = problemsOf(() => loadConfig({ files: [], env: { BOOTH_REDIS_URL: 'http://user:hunter2@redis.example' } }));
    expect(bad).toEqual([{ source: 'env BOOTH_REDIS_URL', path: '/cluster/redisUrl', message: 'expected a redis:// or rediss:// URL, got a http:// one' }]);
    expect(JSON.stringify(problemsOf(() => loadConfig({ files: [], env: { BOOTH_REDIS_URL: 'not a url hunter2' } })))).not.toContain('hunter2');
    expect(problemsOf(() => loadConfig({ files: [file('p.json', { cluster: { redisUrl: '', keyPrefix: 'a b' } })], env: {} }))[0]).toMatchObject({ path: '/cluster/keyPrefix' });
  });

  it('names the store field that is wrong, without repeating a URL that may hold a password', () => {
    expect(problemsOf(() => loadConfig({ files: [], env: { BOOTH_STORE_KIND: 'mysql' } }))).toEqual([
      { source: 'env BOOTH_STORE_KIND', path: '/store/kind', message: 'expected one of "sqlite", "postgres", got "mysql"' },
    ]);
    expect(problemsOf(() => loadConfig({ files: [], env: { BOOTH_STORE_KIND: 'postgres' } }))).toEqual([
      { source: expect.any(String), path: '/store/postgresUrl', message: 'required when store.kind is "postgres"' },
    ]);
    const bad = problemsOf(() => loadConfig({ files: [], env: { BOOTH_STORE_KIND: 'postgres', BOOTH_STORE_POSTGRES_URL: 'mysql://root:hunter2@db/booth' } }));
    expect(bad).toEqual([{ source: 'env BOOTH_STORE_POSTGRES_URL', path: '/store/postgresUrl', message: 'expected a postgres:// or postgresql:// URL, got a mysql:// one' }]);
    expect(JSON.stringify(bad)).not.toContain('hunter2');
    expect(problemsOf(() => loadConfig({ files: [file('pgbad.json', { store: { kind: 'postgres', postgresUrl: 'db:5432' } })], env: {} }))[0]?.path).toBe('/store/postgresUrl');
    expect(problemsOf(() => loadConfig({ files: [file('pgmax.json', { store: { postgresMaxConnections: 0 } })], env: {} }))[0]?.path).toBe('/store/postgresMaxConnections');
  });
});
