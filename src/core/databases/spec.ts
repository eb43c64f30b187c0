// The spec of a `database` service (stored in services.spec, validated by the kind) and the create
// input. The version is checked against the engine table, with the issue under `version`.
import { z } from 'zod';
import { resourceName } from '../names.ts';
import type { DatabaseEngineId } from './engine.ts';
import { ENGINES, ENGINE_IDS } from './engines.ts';

export const engineIdSchema = z.enum(ENGINE_IDS as [DatabaseEngineId, ...DatabaseEngineId[]]);

export const databaseResourcesSchema = z
  .object({
    cpus: z.number().positive().max(256).optional(),
    memoryMb: z.number().int().min(32).max(1024 * 1024).optional(),
  })
  .strict();

/** Host ports below 1024 are the proxy's and the system's. */
export const externalPortSchema = z.number().int().min(1024).max(65535);

export const databaseSpecSchema = z
  .object({
    engine: engineIdSchema,
    version: z.string().max(20),
    resources: databaseResourcesSchema.default({}),
    externalPort: externalPortSchema.nullable().default(null).describe('published on the node in host mode; null = project network only'),
    stopGracePeriodSeconds: z.number().int().min(1).max(3600).default(30).describe('databases stop before they start again (not zero-downtime): this long to shut down cleanly'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const engine = ENGINES[spec.engine];
    if (!engine.versions[spec.version]) {
      ctx.addIssue({ code: 'custom', path: ['version'], message: `${engine.label} versions: ${Object.keys(engine.versions).join(', ')}` });
    }
  });
export type DatabaseSpec = z.output<typeof databaseSpecSchema>;

/** A database or user name: the engines' own identifier rules narrowed to one safe pattern. */
const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,30}$/, 'expected lowercase letters, digits and _ (at most 31, not starting with a digit)');

export const newDatabaseSchema = z
  .object({
    name: resourceName,
    engine: engineIdSchema,
    version: z.string().max(20).optional().describe("default: the engine's default version"),
    resources: databaseResourcesSchema.default({}),
    externalPort: externalPortSchema.optional().describe('publish on the node in host mode (off by default: reachable from the internet)'),
    stopGracePeriodSeconds: z.number().int().min(1).max(3600).default(30),
    user: identifier.refine((v) => v !== 'root', 'root is reserved').optional().describe('default: app'),
    databaseName: identifier.optional().describe("default: the service name with - as _"),
  })
  .strict();
export type NewDatabase = z.output<typeof newDatabaseSchema>;

export const updateDatabaseSchema = z
  .object({
    version: z.string().max(20).optional(),
    resources: databaseResourcesSchema.optional(),
    externalPort: externalPortSchema.nullable().optional().describe('null closes the port'),
    stopGracePeriodSeconds: z.number().int().min(1).max(3600).optional(),
  })
  .strict();
export type UpdateDatabase = z.output<typeof updateDatabaseSchema>;
