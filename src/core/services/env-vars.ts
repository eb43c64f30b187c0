// Environment variables of a service. Secret values are sealed with the SecretBox (bound to their
// service and key) and never returned in full, except through an explicit, audited reveal.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { serviceEnvVars } from '../../db/schema/index.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import { Invalid, NotFound } from '../errors.ts';

export const envKey = z
  .string()
  .max(255)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name: letters, digits and _, not starting with a digit');

export const envVarInputSchema = z.object({
  key: envKey,
  value: z
    .string()
    .max(65536)
    .refine((v) => !v.includes('\0'), 'must not contain NUL bytes')
    .nullable()
    .describe('null keeps the current value of an existing secret'),
  secret: z.boolean().default(false),
});
export type EnvVarInput = z.infer<typeof envVarInputSchema>;

export const envVarsSchema = z.object({ vars: z.array(envVarInputSchema).max(500) });

export interface EnvVarView {
  key: string;
  secret: boolean;
  /** The value for plain variables; null for secrets. */
  value: string | null;
  /** For secrets: a fixed mask (never derived from the value). */
  masked: string | null;
  updatedAt: Date;
}

const MASK = '••••••••';
const aad = (serviceId: string, key: string) => `env:${serviceId}:${key}`;

export async function listEnvVars(db: Db, serviceId: string): Promise<EnvVarView[]> {
  const rows = await db.select().from(serviceEnvVars).where(eq(serviceEnvVars.serviceId, serviceId)).orderBy(serviceEnvVars.key);
  return rows.map((r) => ({
    key: r.key,
    secret: r.isSecret,
    value: r.isSecret ? null : r.value,
    masked: r.isSecret ? MASK : null,
    updatedAt: r.updatedAt,
  }));
}

export class EnvVars {
  constructor(private readonly box: SecretBox) {}

  /** Replaces the whole set in one transaction. `value: null` keeps an existing secret's value. */
  async replace(db: Db, serviceId: string, vars: EnvVarInput[]): Promise<void> {
    const seen = new Set<string>();
    vars.forEach((v, i) => {
      if (seen.has(v.key)) throw new Invalid([{ path: `body/vars/${i}/key`, message: `duplicate key ${v.key}` }]);
      seen.add(v.key);
    });
    await db.transaction(async (tx) => {
      const existing = new Map(
        (await tx.select().from(serviceEnvVars).where(eq(serviceEnvVars.serviceId, serviceId))).map((r) => [r.key, r]),
      );
      const rows = vars.map((v, i) => {
        const value = v.value;
        if (value === null) {
          const old = existing.get(v.key);
          if (!old?.isSecret || !v.secret) throw new Invalid([{ path: `body/vars/${i}/value`, message: 'a value is required (null keeps only an existing secret)' }]);
          return { serviceId, key: v.key, value: null, valueSealed: old.valueSealed, isSecret: true };
        }
        return v.secret
          ? { serviceId, key: v.key, value: null, valueSealed: this.box.seal(value, aad(serviceId, v.key)), isSecret: true }
          : { serviceId, key: v.key, value, valueSealed: null, isSecret: false };
      });
      await tx.delete(serviceEnvVars).where(eq(serviceEnvVars.serviceId, serviceId));
      if (rows.length) await tx.insert(serviceEnvVars).values(rows);
    });
  }

  async reveal(db: Db, serviceId: string, key: string): Promise<string> {
    const [row] = await db
      .select()
      .from(serviceEnvVars)
      .where(and(eq(serviceEnvVars.serviceId, serviceId), eq(serviceEnvVars.key, key)))
      .limit(1);
    if (!row) throw new NotFound(`variable ${key} not found`);
    return row.isSecret ? this.box.open(row.valueSealed!, aad(serviceId, key)) : row.value!;
  }

  /** All values in clear, for the release planner only (never for an API response). */
  async resolveAll(db: Db, serviceId: string): Promise<Record<string, string>> {
    const rows = await db.select().from(serviceEnvVars).where(eq(serviceEnvVars.serviceId, serviceId));
    return Object.fromEntries(rows.map((r) => [r.key, r.isSecret ? this.box.open(r.valueSealed!, aad(serviceId, r.key)) : r.value!]));
  }
}
