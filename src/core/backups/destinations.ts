// Backup destinations: S3-compatible storage per organisation (endpoint, region, bucket, key prefix,
// path-style), keys sealed with the SecretBox and bound to their row. A destination is stored only
// after its "test connection" passed (write, read back, delete a probe object), so a wrong key or an
// unreachable endpoint is a 400 naming the field, and nothing is written.
// Must never return or log a key; reads say only which access key id ends how.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { backupDestinations } from '../../db/schema/index.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import { ObjectStorage, StorageError, normalisePrefix, type StorageLocation, type StorageOptions } from '../../infra/storage/index.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../db-errors.ts';
import { Conflict, Invalid, NotFound } from '../errors.ts';
import { resourceName } from '../names.ts';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,39}$/;
const PREFIX = /^[A-Za-z0-9!_.*'()/-]{0,200}$/;
const NO_SPACE = /^\S+$/;

export const destinationInputSchema = z.object({
  name: resourceName,
  endpoint: z
    .url({ protocol: /^https?$/, message: 'expected an http(s) URL, e.g. https://s3.eu-central-003.backblazeb2.com' })
    .max(300)
    .nullish()
    .describe('S3-compatible endpoint; absent = AWS S3'),
  region: z.string().regex(REGION, 'expected a region name such as us-east-1 or auto').default('us-east-1'),
  bucket: z.string().regex(BUCKET, 'expected a bucket name: 3-63 lowercase letters, digits, dots and hyphens'),
  prefix: z
    .string()
    .regex(PREFIX, "expected a key prefix of letters, digits and !_.*'()/-")
    .refine((p) => !p.split('/').includes('..'), 'must not contain a .. segment')
    .default(''),
  forcePathStyle: z.boolean().default(false).describe('path-style URLs (MinIO and most self-hosted servers need it)'),
  accessKeyId: z.string().min(1).max(128).regex(NO_SPACE, 'expected an access key id without spaces'),
  secretAccessKey: z.string().min(1).max(256).regex(NO_SPACE, 'expected a secret key without spaces'),
});
export type DestinationInput = z.input<typeof destinationInputSchema>;

export interface DestinationView {
  id: string;
  name: string;
  endpoint: string | null;
  region: string;
  bucket: string;
  prefix: string;
  forcePathStyle: boolean;
  /** The access key id's last four characters; the keys themselves are never returned. */
  accessKeyHint: string;
  createdAt: Date;
}

const aad = (id: string, column: string) => `backup_destinations/${id}/${column}`;

type Row = typeof backupDestinations.$inferSelect;

export class Destinations {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly storageOptions: StorageOptions = {},
  ) {}

  /** Tests the connection, then stores the destination. */
  async create(orgId: string, input: DestinationInput): Promise<DestinationView> {
    const d = parseInput(input);
    await this.probe(toLocation(d), 'body');
    const id = randomUUID();
    try {
      const [row] = await this.db
        .insert(backupDestinations)
        .values({
          id,
          orgId,
          name: d.name,
          endpoint: d.endpoint ?? null,
          region: d.region,
          bucket: d.bucket,
          prefix: normalisePrefix(d.prefix),
          forcePathStyle: d.forcePathStyle,
          accessKeyIdSealed: this.box.seal(d.accessKeyId, aad(id, 'access_key_id')),
          secretAccessKeySealed: this.box.seal(d.secretAccessKey, aad(id, 'secret_access_key')),
        })
        .returning();
      return this.view(row!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`a destination named "${d.name}" already exists`, { cause: err });
      throw err;
    }
  }

  /** "Test connection" for settings not stored yet. */
  async testInput(input: DestinationInput): Promise<ProbeResult> {
    return this.probe(toLocation(parseInput(input)), 'body');
  }

  /** "Test connection" of a stored destination. */
  async test(orgId: string, name: string): Promise<ProbeResult> {
    const row = await this.row(orgId, name);
    return this.probe(this.location(row), 'destination');
  }

  async list(orgId: string): Promise<DestinationView[]> {
    const rows = await this.db.select().from(backupDestinations).where(eq(backupDestinations.orgId, orgId)).orderBy(backupDestinations.name);
    return rows.map((r) => this.view(r));
  }

  /** Removes a destination no backup or schedule refers to (their objects would be orphaned). */
  async remove(orgId: string, name: string): Promise<void> {
    const row = await this.row(orgId, name);
    try {
      await this.db.delete(backupDestinations).where(eq(backupDestinations.id, row.id));
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new Conflict(`destination "${name}" still holds backups or schedules: remove those first`, { cause: err });
      throw err;
    }
  }

  /** The row of a destination by name within an organisation (404 otherwise). */
  async row(orgId: string, name: string): Promise<Row> {
    const [row] = await this.db.select().from(backupDestinations).where(and(eq(backupDestinations.orgId, orgId), eq(backupDestinations.name, name)));
    if (!row) throw new NotFound(`backup destination "${name}" not found`);
    return row;
  }

  /** A storage client for a stored destination (by id). Close it when done. */
  async storage(destinationId: string): Promise<ObjectStorage> {
    const [row] = await this.db.select().from(backupDestinations).where(eq(backupDestinations.id, destinationId));
    if (!row) throw new NotFound(`backup destination ${destinationId} not found`);
    return new ObjectStorage(this.location(row), this.storageOptions);
  }

  private location(row: Row): StorageLocation {
    return {
      endpoint: row.endpoint,
      region: row.region,
      bucket: row.bucket,
      prefix: row.prefix,
      forcePathStyle: row.forcePathStyle,
      accessKeyId: this.box.open(row.accessKeyIdSealed, aad(row.id, 'access_key_id')),
      secretAccessKey: this.box.open(row.secretAccessKeySealed, aad(row.id, 'secret_access_key')),
    };
  }

  private async probe(location: StorageLocation, pathRoot: string): Promise<ProbeResult> {
    const storage = new ObjectStorage(location, { ...this.storageOptions, maxAttempts: 1 });
    try {
      return { ok: true, ...(await storage.probe()) };
    } catch (err) {
      if (err instanceof StorageError) {
        throw new Invalid([{ path: err.field ? `${pathRoot}/${err.field}` : pathRoot, message: err.message }], { cause: err });
      }
      throw err;
    } finally {
      storage.close();
    }
  }

  private view(row: Row): DestinationView {
    const keyId = this.box.open(row.accessKeyIdSealed, aad(row.id, 'access_key_id'));
    return {
      id: row.id,
      name: row.name,
      endpoint: row.endpoint,
      region: row.region,
      bucket: row.bucket,
      prefix: row.prefix,
      forcePathStyle: row.forcePathStyle,
      accessKeyHint: `…${keyId.slice(-4)}`,
      createdAt: row.createdAt,
    };
  }
}

export interface ProbeResult {
  ok: true;
  writeMs: number;
  readMs: number;
  deleteMs: number;
}

function parseInput(input: DestinationInput): z.output<typeof destinationInputSchema> {
  const result = destinationInputSchema.safeParse(input);
  if (result.success) return result.data;
  throw new Invalid(result.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('/'), message: i.message })));
}

function toLocation(d: z.output<typeof destinationInputSchema>): StorageLocation {
  return {
    endpoint: d.endpoint ?? null,
    region: d.region,
    bucket: d.bucket,
    prefix: d.prefix,
    forcePathStyle: d.forcePathStyle,
    accessKeyId: d.accessKeyId,
    secretAccessKey: d.secretAccessKey,
  };
}
