// Dashboard sessions: an opaque token in an httpOnly cookie plus a CSRF token the SPA echoes in a
// header on every mutation. Both are stored hashed; a stolen database dump holds no usable session.
import { and, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { sessions, users } from '../../db/schema/index.ts';
import { hashToken, newToken, sameToken } from './tokens.ts';
import { userView, type UserView } from './users.ts';

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(
  db: Db,
  opts: { userId: string; ttlHours: number; ip?: string | undefined; userAgent?: string | undefined; now?: Date },
): Promise<NewSession> {
  const token = newToken('bs');
  const csrfToken = newToken('bc', 24);
  const expiresAt = new Date((opts.now ?? new Date()).getTime() + opts.ttlHours * 3600_000);
  await db.insert(sessions).values({
    tokenHash: hashToken(token),
    csrfTokenHash: hashToken(csrfToken),
    userId: opts.userId,
    ip: opts.ip ?? null,
    userAgent: opts.userAgent?.slice(0, 300) ?? null,
    expiresAt,
  });
  // Opportunistic cleanup keeps the table small without a scheduler.
  await db.delete(sessions).where(and(eq(sessions.userId, opts.userId), lt(sessions.expiresAt, new Date())));
  return { token, csrfToken, expiresAt };
}

export interface ResolvedSession {
  user: UserView;
  tokenHash: string;
  csrfTokenHash: string;
}

export async function resolveSession(db: Db, token: string): Promise<ResolvedSession | undefined> {
  const [row] = await db
    .select({ s: sessions, u: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, hashToken(token)), gt(sessions.expiresAt, new Date())))
    .limit(1);
  return row && { user: userView(row.u), tokenHash: row.s.tokenHash, csrfTokenHash: row.s.csrfTokenHash };
}

export function csrfMatches(headerValue: string | undefined, csrfTokenHash: string): boolean {
  return typeof headerValue === 'string' && headerValue.length > 0 && sameToken(headerValue, csrfTokenHash);
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}
