// Service kinds: each kind is one entry — a zod schema for its `spec`. Applications, databases,
// compose stacks are kinds of one `service` resource; adding a kind is one entry here.
// Everything in a spec that can reach Docker or git is validated against a strict pattern.
import { z } from 'zod';
import { hasDotDotSegment, text } from '../names.ts';

/** A Docker image reference: [registry[:port]/]path[:tag][@sha256:digest], no whitespace or shell syntax. */
export const imageRef = z
  .string()
  .max(255)
  .regex(
    /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    'expected a Docker image reference such as nginx:1.27 or registry.example.com/team/app:v1',
  );

/** A git ref (branch or tag): git-check-ref-format rules, and never an option (`-…`). */
export const gitRef = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)(?!.*\/$)(?!.*\.$)[A-Za-z0-9._/-]+$/, 'expected a branch or tag name (letters, digits, . _ / -)');

/** https:// or ssh:// URLs, scp-style git@host:path, or an absolute local path. Never an option. */
export const gitRepository = z
  .string()
  .max(500)
  .regex(
    /^(?:https:\/\/[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]{1,5})?\/[A-Za-z0-9._~][A-Za-z0-9._~/-]*|ssh:\/\/[A-Za-z0-9_][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]{1,5})?\/[A-Za-z0-9._~][A-Za-z0-9._~/-]*|[A-Za-z0-9_][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9.-]*:[A-Za-z0-9._~][A-Za-z0-9._~/-]*|\/[A-Za-z0-9._/-]+)$/,
    'expected an https:// or ssh:// git URL, git@host:path, or an absolute path (no part may start with "-")',
  )
  .refine((v) => !v.split('/').includes('..'), 'must not contain ".." segments');

const relativePath = z
  .string()
  .max(255)
  .regex(/^(?!\/)(?!-)[A-Za-z0-9._/-]+$/, 'expected a relative path')
  .refine((v) => !v.split('/').includes('..'), 'must not contain ".." segments');

const absolutePath = z
  .string()
  .max(4096)
  .regex(/^\/[A-Za-z0-9._@:+=,/-]*$/, 'expected an absolute path of letters, digits and . _ @ : + = , / -')
  .refine((v) => !v.split('/').includes('..'), 'must not contain ".." segments');

/** Swarm placement constraints: `node.role==manager`, `node.labels.db==primary`, `node.hostname!=a`. */
const placementConstraint = z
  .string()
  .max(200)
  .regex(/^(node\.(id|hostname|role|platform\.os|platform\.arch)|node\.labels\.[A-Za-z0-9._-]+|engine\.labels\.[A-Za-z0-9._-]+)\s*(==|!=)\s*[A-Za-z0-9._-]+$/, 'expected a constraint such as node.role==manager or node.labels.db==primary');

export const httpHealthCheckSchema = z
  .object({
    path: z
      .string()
      .max(500)
      .regex(/^\/[A-Za-z0-9._~/-]*(?:\?[A-Za-z0-9._~=&-]*)?$/, 'expected a path such as /healthz (letters, digits and . _ ~ / -, an optional ?query)')
      .refine((v) => !hasDotDotSegment(v.split('?')[0]!), 'must not contain ".." segments')
      .default('/'),
    port: z.number().int().min(1).max(65535).optional().describe('defaults to the service port'),
    intervalSeconds: z.number().min(1).max(300).default(2),
    timeoutSeconds: z.number().min(1).max(60).default(2),
    retries: z.number().int().min(1).max(20).default(3),
    startPeriodSeconds: z.number().min(0).max(600).default(0),
  })
  .strict();

export const appSpecSchema = z
  .object({
    source: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('image'), image: imageRef }).strict(),
        z
          .object({
            type: z.literal('git'),
            repository: gitRepository,
            ref: gitRef.default('main'),
            dockerfile: relativePath.default('Dockerfile').describe('relative to the context directory'),
            context: relativePath.default('.').describe('relative to the repository root'),
            buildArgs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a build argument name').max(255), text(4096)).default({}),
            target: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'expected a build stage name').optional(),
          })
          .strict(),
        z.object({ type: z.literal('archive'), dockerfile: relativePath.default('Dockerfile'), context: relativePath.default('.') }).strict(),
      ])
      .optional(),
    replicas: z.number().int().min(0).max(100).default(1),
    port: z.number().int().min(1).max(65535).optional().describe('the port the app listens on'),
    command: z.array(text(4096)).max(100).optional().describe('argv overriding the image CMD (never run through a shell)'),
    healthCheck: httpHealthCheckSchema.optional().describe("HTTP check run in the container with curl; without it the image's HEALTHCHECK is used"),
    resources: z
      .object({
        cpus: z.number().positive().max(256).optional(),
        memoryMb: z.number().int().min(6).max(1024 * 1024).optional(),
        reserveCpus: z.number().positive().max(256).optional(),
        reserveMemoryMb: z.number().int().min(6).max(1024 * 1024).optional(),
      })
      .strict()
      .default({}),
    volumes: z
      .array(z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'expected a volume name'), target: absolutePath, readOnly: z.boolean().default(false) }).strict())
      .max(20)
      .default([]),
    bindMounts: z
      .array(z.object({ source: absolutePath, target: absolutePath, readOnly: z.boolean().default(true) }).strict())
      .max(20)
      .default([])
      .describe('host paths mounted into the tasks: instance administrators only (a host path can give root on the node)'),
    ports: z
      .array(
        z
          .object({ published: z.number().int().min(1).max(65535), target: z.number().int().min(1).max(65535), protocol: z.enum(['tcp', 'udp']).default('tcp') })
          .strict(),
      )
      .max(20)
      .default([])
      .describe('ports published on the node in host mode (the ingress needs none)'),
    placement: z.array(placementConstraint).max(20).default([]),
    stopGracePeriodSeconds: z.number().int().min(0).max(3600).default(10),
  })
  .strict();
export type AppSpec = z.output<typeof appSpecSchema>;

export const SERVICE_KINDS = {
  app: { spec: appSpecSchema, description: 'an application built from git or run from an image' },
  // Its spec is core/databases/spec.ts's, but credentials and Docker objects come with it: the generic
  // service routes cannot create or change one (400 naming body/spec), the …/databases routes do.
  database: {
    spec: z.unknown().superRefine((_, ctx) => ctx.addIssue({ code: 'custom', message: 'databases are created and changed through …/environments/:env/databases (POST, PATCH)' })),
    description: 'a managed database (PostgreSQL, MySQL, MariaDB, MongoDB, Redis): create it through …/databases',
  },
} as const;

export type ServiceKind = keyof typeof SERVICE_KINDS;
export const serviceKindSchema = z.enum(Object.keys(SERVICE_KINDS) as [ServiceKind, ...ServiceKind[]]);
