// Job types: a name, a zod payload schema, a handler and its retry/timeout policy, collected in a
// registry that enqueue validates against and workers dispatch from. Must never run a handler or touch
// the database: this is the catalogue, not the machinery.
import type { z } from 'zod';
import { Invalid, NotFound } from '../core/errors.ts';
import type { JobContext } from './types.ts';

export interface JobType<Payload = unknown, Input = Payload> {
  readonly name: string;
  readonly schema: z.ZodType<Payload, Input>;
  /**
   * Attempts in all (default 1). A failed attempt — the handler threw, timed out, or its worker stopped
   * responding — is retried while attempts remain; a cancelled job never is.
   */
  readonly maxAttempts: number;
  /** Per-job timeout for this type; absent: the queue's default (BERTH_JOB_TIMEOUT_SECONDS). */
  readonly timeoutSeconds?: number;
  /** Resolves with an optional JSON result (stored in `jobs.result`). Must honour `ctx.signal`. */
  handler(payload: Payload, ctx: JobContext): Promise<unknown>;
}

export interface JobDefinition<S extends z.ZodType> {
  name: string;
  schema: S;
  handler: (payload: z.output<S>, ctx: JobContext) => Promise<unknown>;
  maxAttempts?: number;
  timeoutSeconds?: number;
}

const NAME = /^[a-z][a-z0-9_.-]{0,62}$/;

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobType<z.output<S>, z.input<S>> {
  if (!NAME.test(def.name)) throw new Error(`job type name ${JSON.stringify(def.name)} must match ${NAME}`);
  const maxAttempts = def.maxAttempts ?? 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`${def.name}: maxAttempts must be an integer ≥ 1`);
  if (def.timeoutSeconds !== undefined && !(Number.isInteger(def.timeoutSeconds) && def.timeoutSeconds > 0)) {
    throw new Error(`${def.name}: timeoutSeconds must be a positive integer`);
  }
  return {
    name: def.name,
    schema: def.schema as z.ZodType<z.output<S>, z.input<S>>,
    maxAttempts,
    timeoutSeconds: def.timeoutSeconds,
    handler: def.handler,
  };
}

export class JobRegistry {
  readonly #types = new Map<string, JobType>();

  constructor(types: Iterable<JobType> = []) {
    for (const t of types) this.register(t);
  }

  register(type: JobType): this {
    if (this.#types.has(type.name)) throw new Error(`job type ${type.name} is already registered`);
    this.#types.set(type.name, type);
    return this;
  }

  has(name: string): boolean {
    return this.#types.has(name);
  }

  get(name: string): JobType {
    const type = this.#types.get(name);
    if (!type) throw new NotFound(`unknown job type ${name}`);
    return type;
  }

  names(): string[] {
    return [...this.#types.keys()];
  }
}

/** Parses a payload with its type's schema; throws Invalid naming each field as `payload/<path>`. */
export function parsePayload<P>(type: JobType<P, unknown>, payload: unknown): P {
  const result = type.schema.safeParse(payload);
  if (result.success) return result.data;
  throw new Invalid(
    result.error.issues.map((i) => ({ path: ['payload', ...i.path.map(String)].join('/'), message: i.message })),
    { cause: result.error },
  );
}
