/** Cookies read only where asked, written straight onto the reply. */
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { clearCookie, requestCookie, setCookie } from './cookies';

describe('cookies', () => {
  it('reads one cookie among others, and nothing when it is absent or empty', async () => {
    const app = Fastify();
    app.get('/', async (request) => ({ sid: requestCookie(request, 'sid') ?? null, csrf: requestCookie(request, 'csrf') ?? null }));
    const read = async (cookie?: string) => (await app.inject({ method: 'GET', url: '/', headers: cookie === undefined ? {} : { cookie } })).json();
    expect(await read('theme=dark; sid=abc%2Fdef; csrf=x')).toEqual({ sid: 'abc/def', csrf: 'x' });
    expect(await read('theme=dark')).toEqual({ sid: null, csrf: null });
    // The name inside another cookie's value is not the cookie.
    expect(await read('note=sid')).toEqual({ sid: null, csrf: null });
    expect(await read('sid=; csrf=y')).toEqual({ sid: null, csrf: 'y' });
    expect(await read()).toEqual({ sid: null, csrf: null });
    await app.close();
  });

  it('writes each cookie as its own Set-Cookie header, with its flags', async () => {
    const app = Fastify();
    const expires = new Date('2030-01-01T00:00:00Z');
    app.get('/', async (_request, reply) => {
      setCookie(reply, 'sid', 'token', { path: '/', httpOnly: true, sameSite: 'strict', secure: true, expires });
      clearCookie(reply, 'csrf', { path: '/', httpOnly: true, sameSite: 'strict', secure: false });
      return {};
    });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.headers['set-cookie']).toEqual([
      'sid=token; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict',
      'csrf=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict',
    ]);
    await app.close();
  });
});
