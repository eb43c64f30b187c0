// Service kinds: each kind is one entry — a zod schema for its `spec`. Applications, databases,
// compose stacks are kinds of one `service` resource; adding a kind is one entry here.
// Everything in a spec that can reach Docker or git is validated against a strict pattern.
import { z } from 'zod';

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
    /^(?:https:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?\/[A-Za-z0-9._~/-]+|ssh:\/\/[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(?::[0-9]{1,5})?\/[A-Za-z0-9._~/-]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+|\/[A-Za-z0-9._/-]+)$/,
    'expected an https:// or ssh:// git URL, git@host:path, or an absolute path',
  )
  .refine((v) => !v.split('/').includes('..'), 'must not contain ".." segments');

const relativePath = z
  .string()
  .max(255)
  .regex(/^(?!\/)(?!-)[A-Za-z0-9._/-]+$/, 'expected a relative path')
  .refine((v) => !v.split('/').includes('..'), 'must not contain ".." segments');

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
            dockerfile: relativePath.default('Dockerfile'),
            context: relativePath.default('.'),
          })
          .strict(),
      ])
      .optional(),
    replicas: z.number().int().min(0).max(100).default(1),
    port: z.number().int().min(1).max(65535).optional().describe('the port the app listens on'),
    resources: z
      .object({
        cpus: z.number().positive().max(256).optional(),
        memoryMb: z.number().int().min(6).max(1024 * 1024).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const SERVICE_KINDS = {
  app: { spec: appSpecSchema, description: 'an application built from git or run from an image' },
} as const;

export type ServiceKind = keyof typeof SERVICE_KINDS;
export const serviceKindSchema = z.enum(Object.keys(SERVICE_KINDS) as [ServiceKind, ...ServiceKind[]]);
