// Users: creation and password login. A user's name is a DNS label; email is unique case-insensitively.
import { eq, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { users } from '../../db/schema/index.ts';
import { Conflict, Unauthorized } from '../errors.ts';
import { resourceName } from '../names.ts';
import { isUniqueViolation } from '../db-errors.ts';
import { hashPassword, passwordSchema, verifyPassword } from './passwords.ts';

export const newUserSchema = z.object({
  name: resourceName,
  email: z.email('expected an email address').max(254),
  password: passwordSchema,
});
export type NewUser = z.infer<typeof newUserSchema>;

export interface UserView {
  id: string;
  name: string;
  email: string;
  isInstanceAdmin: boolean;
  createdAt: Date;
}

export const userView = (u: typeof users.$inferSelect): UserView => ({
  id: u.id,
  name: u.name,
  email: u.email,
  isInstanceAdmin: u.isInstanceAdmin,
  createdAt: u.createdAt,
});

export async function createUser(db: Db, input: NewUser & { isInstanceAdmin?: boolean }): Promise<UserView> {
  const passwordHash = await hashPassword(input.password);
  try {
    const [row] = await db
      .insert(users)
      .values({ name: input.name, email: input.email, passwordHash, isInstanceAdmin: input.isInstanceAdmin ?? false })
      .returning();
    return userView(row!);
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('a user with this name or email already exists', { cause: err });
    throw err;
  }
}

export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row?.n ?? 0;
}

export async function findUser(db: Db, nameOrEmail: string): Promise<typeof users.$inferSelect | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(or(eq(users.name, nameOrEmail), sql`lower(${users.email}) = lower(${nameOrEmail})`))
    .limit(1);
  return row;
}

export async function getUser(db: Db, id: string): Promise<UserView | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row && userView(row);
}

export async function listUsers(db: Db): Promise<UserView[]> {
  return (await db.select().from(users).orderBy(users.name)).map(userView);
}

/** Verifies a login; the same error for an unknown user and a wrong password. */
export async function authenticate(db: Db, login: string, password: string): Promise<UserView> {
  const user = await findUser(db, login);
  const ok = await verifyPassword(user?.passwordHash, password);
  if (!user || !ok) throw new Unauthorized('wrong user name or password');
  return userView(user);
}
