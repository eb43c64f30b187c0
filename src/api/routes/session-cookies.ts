// Setting and clearing the dashboard session cookies (httpOnly session + readable CSRF token).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { createSession } from '../../core/identity/sessions.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../access.ts';

export async function startSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, userId: string) {
  const session = await createSession(ctx.database.db, {
    userId,
    ttlHours: ctx.config.BERTH_SESSION_HOURS,
    ip: req.ip,
    userAgent: req.headers['user-agent'],
  });
  const common = { path: '/', sameSite: 'lax' as const, secure: ctx.config.BERTH_SECURE_COOKIES, expires: session.expiresAt };
  reply.setCookie(SESSION_COOKIE, session.token, { ...common, httpOnly: true });
  // Readable by the dashboard so it can echo it in the x-csrf-token header after a reload.
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false });
  return session;
}

export function clearSession(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}
