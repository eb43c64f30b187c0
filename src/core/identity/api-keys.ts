// API keys for the CLI and scripts: shown once, stored as a SHA-256 hash, named, revocable,
// with a last-used time. A key acts as its user (same organisations and roles).
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { apiKeys, users } from '../../db/schema/index.ts';
import { NotFound } from '../errors.ts';
import { text } from '../names.ts';
import { hashToken, newToken } from './tokens.ts';
import { userView, type UserView } from './users.ts';

export const apiKeyNameSchema = text(100).pipe(z.string().trim().min(1, 'expected a name'));

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const view = (k: typeof apiKeys.$inferSelect): ApiKeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
});

export async function createApiKey(db: Db, opts: { userId: string; name: string }): Promise<ApiKeyView & { key: string }> {
  const key = newToken('berth');
  const [row] = await db
    .insert(apiKeys)
    .values({ userId: opts.userId, name: opts.name, prefix: key.slice(0, 12), keyHash: hashToken(key) })
    .returning();
  return { ...view(row!), key };
}

export async function listApiKeys(db: Db, userId: string): Promise<ApiKeyView[]> {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt));
  return rows.map(view);
}

export async function revokeApiKey(db: Db, opts: { userId: string; id: string }): Promise<ApiKeyView> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, opts.id), eq(apiKeys.userId, opts.userId), isNull(apiKeys.revokedAt)))
    .returning();
  if (!row) throw new NotFound('API key not found');
  return view(row);
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** The user behind a key, or undefined for an unknown or revoked key. Records last use (per minute). */
export async function resolveApiKey(db: Db, key: string): Promise<{ user: UserView; apiKeyId: string } | undefined> {
  const [row] = await db
    .select({ k: apiKeys, u: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.keyHash, hashToken(key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return undefined;
  const now = new Date();
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, row.k.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - LAST_USED_RESOLUTION_MS)))));
  return { user: userView(row.u), apiKeyId: row.k.id };
}
