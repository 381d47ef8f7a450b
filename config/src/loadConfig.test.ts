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

  it('picks up BOOTH_CONFIG when no files are given', () => {
    const site = file('site.json', { server: { port: 9100 } });
    expect(loadConfig({ env: { BOOTH_CONFIG: site } }).server.port).toBe(9100);
  });
});
