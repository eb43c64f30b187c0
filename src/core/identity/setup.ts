// First boot: nobody can create the owner without the one-time setup token. The token is printed,
// written to a 0600 file in the data directory, and stored only as a hash. Using it creates the owner
// (an instance administrator), their organisation, and burns the token — all in one transaction.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { memberships, organizations, settings, users } from '../../db/schema/index.ts';
import { Forbidden } from '../errors.ts';
import { resourceName } from '../names.ts';
import { hashPassword } from './passwords.ts';
import { hashToken, newToken, sameToken } from './tokens.ts';
import { newUserSchema, userView, type UserView } from './users.ts';

const SETTING = 'setup_token_hash';
export const setupTokenFile = (dataDir: string) => join(dataDir, 'setup-token');

export const setupSchema = newUserSchema.extend({
  token: z.string().max(200).optional(),
  organization: resourceName,
});
export type SetupInput = z.infer<typeof setupSchema>;

export async function setupRequired(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return (row?.n ?? 0) === 0;
}

/**
 * At boot: with no users yet, make sure a setup token exists (reusing the one on disk) and return it
 * so the caller can print it. With users, make sure no token file is left behind.
 */
export async function ensureSetupToken(db: Db, dataDir: string): Promise<{ token: string; file: string } | undefined> {
  const file = setupTokenFile(dataDir);
  if (!(await setupRequired(db))) {
    rmSync(file, { force: true });
    return undefined;
  }
  const [stored] = await db.select().from(settings).where(eq(settings.key, SETTING));
  const onDisk = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  if (stored && onDisk && sameToken(onDisk, String(stored.value))) return { token: onDisk, file };
  const token = newToken('setup', 24);
  await db
    .insert(settings)
    .values({ key: SETTING, value: hashToken(token) })
    .onConflictDoUpdate({ target: settings.key, set: { value: hashToken(token), updatedAt: new Date() } });
  rmSync(file, { force: true });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, file };
}

export interface SetupResult {
  user: UserView;
  organization: { id: string; name: string };
}

export async function createOwner(db: Db, input: SetupInput, opts: { dataDir: string }): Promise<SetupResult> {
  const passwordHash = await hashPassword(input.password);
  const result = await db.transaction(async (tx) => {
    // Row lock: two concurrent setups with the right token cannot both succeed.
    const [stored] = await tx.select().from(settings).where(eq(settings.key, SETTING)).for('update');
    if (!input.token || !stored || !sameToken(input.token, String(stored.value))) {
      throw new Forbidden(stored ? 'the setup token is missing or wrong' : 'setup is already complete: the setup token has been used');
    }
    const [user] = await tx.insert(users).values({ name: input.name, email: input.email, passwordHash, isInstanceAdmin: true }).returning();
    const [org] = await tx.insert(organizations).values({ name: input.organization }).returning();
    await tx.insert(memberships).values({ orgId: org!.id, userId: user!.id, role: 'owner' });
    await tx.delete(settings).where(eq(settings.key, SETTING));
    return { user: userView(user!), organization: { id: org!.id, name: org!.name } };
  });
  rmSync(setupTokenFile(opts.dataDir), { force: true });
  return result;
}
