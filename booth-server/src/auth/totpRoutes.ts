/**
 * A signed-in user's own second factor: enrol (the server makes the secret
 * and shows it once, as an otpauth:// URI for the QR code), confirm with a
 * first code, turn off with a code. Wrong codes count against the same
 * LoginThrottle as sign-in, so a stolen session cannot guess its way to
 * turning the factor off.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TotpCodeRequest, TotpEnrolment, SessionInfo } from '@citizen/protocol';
import { BoothError } from '../errors';
import { checkTotp, newTotpSecret, otpauthUri } from './totp';
import { ALL_STAFF } from './access';
import { sessionInfo, signInRateLimit } from './routes';
import type { LoginThrottle } from './LoginThrottle';
import type { Store, UserAccount } from '../store/Store';

/** How long a started enrolment waits for its first code. */
export const ENROLMENT_MINUTES = 10;

export interface TotpRoutesOptions {
  store: Store;
  throttle: LoginThrottle;
  issuer: string;
  /** Code attempts per client address per minute. */
  attemptsPerMinute: number;
  now: () => Date;
}

export async function totpRoutes(app: FastifyInstance, opts: TotpRoutesOptions): Promise<void> {
  const { store, throttle, issuer, now } = opts;
  /** The caller, as the auth hook read them from the store for this request. */
  const signedIn = (request: FastifyRequest): UserAccount => {
    if (request.principal?.kind !== 'user') throw new BoothError('UNAUTHENTICATED', 'not signed in');
    return request.principal.user;
  };
  const guard = (reply: FastifyReply, user: UserAccount, ip: string): void => {
    const verdict = throttle.check(user.username, ip);
    if (verdict.ok) return;
    void reply.header('retry-after', Math.ceil(verdict.retryAfterMs / 1000));
    throw new BoothError('LOGIN_THROTTLED', 'too many wrong codes; wait and try again');
  };
  const info = (request: FastifyRequest, reply: FastifyReply, user: UserAccount) => {
    if (request.principal?.kind !== 'user') throw new BoothError('UNAUTHENTICATED', 'not signed in');
    return sessionInfo(reply, user, request.principal.session);
  };

  app.post(
    '/api/auth/totp/enrol',
    {
      config: { auth: { roles: ALL_STAFF } },
      schema: {
        tags: ['auth'],
        summary: `Start enrolling an authenticator app: a new secret, shown once; confirm with a code within ${ENROLMENT_MINUTES} minutes`,
        response: { 200: TotpEnrolment },
      },
    },
    async (request) => {
      const user = signedIn(request);
      if (user.totp) throw new BoothError('TOTP_ALREADY_ENABLED', 'the second factor is on already');
      const secret = newTotpSecret();
      const expiresAt = new Date(now().getTime() + ENROLMENT_MINUTES * 60_000);
      await store.setTotpPending(user.id, { secret, expiresAt });
      request.log.info({ userId: user.id }, 'second factor enrolment started');
      return { otpauthUri: otpauthUri(issuer, user.username, secret), secret, expiresAt: expiresAt.toISOString() };
    },
  );

  app.post<{ Body: TotpCodeRequest }>(
    '/api/auth/totp/confirm',
    {
      config: { auth: { roles: ALL_STAFF }, rateLimit: signInRateLimit(opts.attemptsPerMinute) },
      schema: {
        tags: ['auth'],
        summary: 'Finish enrolling with the first code from the app; from then on sign-in asks for a code',
        body: TotpCodeRequest,
        response: { 200: SessionInfo },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      guard(reply, user, request.ip);
      const at = now();
      const pending = await store.findTotpPending(user.id, at);
      if (!pending) throw new BoothError('TOTP_NO_ENROLMENT', 'no enrolment is waiting for a code (it may have expired)');
      const check = await checkTotp(pending.secret, request.body.code, null, at);
      if (!check.ok) {
        throttle.failed(user.username, request.ip);
        throw new BoothError('TOTP_CODE_WRONG', 'wrong code');
      }
      await store.setTotp(user.id, { secret: pending.secret, lastStep: check.step });
      app.sessionCache.forgetUser(user.id);
      request.log.info({ userId: user.id }, 'second factor on');
      return info(request, reply, { ...user, totp: { secret: pending.secret, lastStep: check.step } });
    },
  );

  app.post<{ Body: TotpCodeRequest }>(
    '/api/auth/totp/disable',
    {
      config: { auth: { roles: ALL_STAFF }, rateLimit: signInRateLimit(opts.attemptsPerMinute) },
      schema: {
        tags: ['auth'],
        summary: 'Turn the second factor off, with a current code',
        body: TotpCodeRequest,
        response: { 200: SessionInfo },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      if (!user.totp) throw new BoothError('TOTP_NOT_ENABLED', 'the second factor is not on');
      guard(reply, user, request.ip);
      const check = await checkTotp(user.totp.secret, request.body.code, user.totp.lastStep, now());
      if (!check.ok || !(await store.useTotpStep(user.id, check.step))) {
        throttle.failed(user.username, request.ip);
        throw new BoothError('TOTP_CODE_WRONG', 'wrong or already used code');
      }
      await store.setTotp(user.id, null);
      app.sessionCache.forgetUser(user.id);
      request.log.info({ userId: user.id }, 'second factor off');
      return info(request, reply, { ...user, totp: null });
    },
  );
}
