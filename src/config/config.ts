// One zod-validated configuration, read from environment variables and an optional JSON file
// (BERTH_CONFIG_FILE, same keys as the variables; the environment wins). A bad value stops
// start-up with a message naming the variable. The README's settings table is generated from
// `SETTINGS` below (see scripts/settings-table.ts) so the two never drift.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const defaultDataDir = process.getuid?.() === 0 ? '/var/lib/berth' : join(homedir(), '.local', 'share', 'berth');

/** Every setting: variable name → schema + description. */
export const SETTINGS = {
  BERTH_HOST: { schema: z.string().min(1).default('0.0.0.0'), doc: 'Address the HTTP server binds to.' },
  BERTH_PORT: { schema: int(1, 65535).default(3000), doc: 'Port of the HTTP API and dashboard.' },
  BERTH_DATA_DIR: { schema: z.string().min(1).default(defaultDataDir), doc: 'Directory for the master key, setup token and embedded PostgreSQL data (`/var/lib/berth` as root, else `~/.local/share/berth`).' },
  DATABASE_URL: { schema: z.url({ protocol: /^postgres(ql)?$/ }).optional(), doc: 'PostgreSQL server (16; 15 is accepted). Unset: Berth runs its own embedded PostgreSQL 16 in the data directory.' },
  BERTH_EMBEDDED_PG_PORT: { schema: int(1, 65535).default(5439), doc: 'Loopback port of the embedded PostgreSQL (only without DATABASE_URL).' },
  REDIS_URL: { schema: z.url({ protocol: /^rediss?$/ }).optional(), doc: 'Redis for the event bus and rate-limit counters. Unset: in-process (single replica only).' },
  BERTH_MASTER_KEY: { schema: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'expected 32 bytes in base64').optional(), doc: 'Master key for secrets at rest (base64 of 32 bytes). Prefer BERTH_MASTER_KEY_FILE.' },
  BERTH_MASTER_KEY_FILE: { schema: z.string().min(1).optional(), doc: 'Path of the master key file (e.g. a Docker secret). Default: `<data dir>/master.key`, created 0600 at first boot.' },
  BERTH_LOG_LEVEL: { schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), doc: 'pino log level.' },
  BERTH_JOB_CONCURRENCY: { schema: int(1, 64).default(2), doc: 'Jobs this process runs at once (jobs of one service never overlap).' },
  BERTH_JOB_LEASE_SECONDS: { schema: int(2, 3600).default(30), doc: 'Lease of a running job; renewed by heartbeat. A job whose lease expired is recovered by any worker.' },
  BERTH_JOB_TIMEOUT_SECONDS: { schema: int(1, 86400).default(1800), doc: 'Default per-job timeout.' },
  BERTH_DOCKER_SOCKET: { schema: z.string().min(1).default('/var/run/docker.sock'), doc: 'Docker Engine API socket.' },
  BERTH_BUILD_CPUS: { schema: z.coerce.number().min(0.1).max(256).default(1), doc: 'CPUs one image build may use (so builds cannot starve running apps).' },
  BERTH_BUILD_MEMORY_MB: { schema: int(64, 1024 * 1024).default(2048), doc: 'Memory one image build may use.' },
  BERTH_MAX_UPLOAD_MB: { schema: int(1, 64 * 1024).default(200), doc: 'Largest source archive one upload may send (`POST …/archive`); a bigger one is refused with 413 and nothing is kept.' },
  BERTH_KEEP_IMAGES: { schema: int(1, 100).default(5), doc: 'Images kept per service for instant rollback.' },
  BERTH_PROXY_IMAGE: { schema: z.string().min(1).default('caddy:2'), doc: 'Image of the ingress proxy (tests use a locally built one).' },
  BERTH_PROXY_SERVICE: { schema: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/).default('berth-proxy'), doc: 'Swarm service name of the ingress proxy.' },
  BERTH_PROXY_HTTP_PORT: { schema: int(1, 65535).default(80), doc: 'Host port the proxy serves HTTP on (published in host mode).' },
  BERTH_PROXY_HTTPS_PORT: { schema: int(1, 65535).default(443), doc: 'Host port the proxy serves HTTPS on.' },
  BERTH_ACME_DIRECTORY: {
    schema: z.union([z.enum(['letsencrypt', 'letsencrypt-staging']), z.url({ protocol: /^https$/ })]).default('letsencrypt'),
    doc: 'ACME directory certificates are issued from: `letsencrypt`, `letsencrypt-staging` or a directory URL (https).',
  },
  BERTH_ACME_CA_FILE: { schema: z.string().min(1).optional(), doc: "PEM file of a CA to trust for the ACME directory's own HTTPS (a private CA such as step-ca or Pebble)." },
  BERTH_CERT_CHECK_SECONDS: { schema: int(1, 86_400).default(60), doc: 'How often each replica looks for certificates to issue or renew (renewal at two thirds of the lifetime).' },
  BERTH_CERT_RETRY_SECONDS: { schema: int(1, 86_400).default(60), doc: 'Wait before retrying a failed issuance; doubles with each further failure (at most a day).' },
  BERTH_PROXY_EXTRA_PORTS: {
    schema: z.string().regex(/^(?:\d{1,5}:\d{1,5})(?:,\d{1,5}:\d{1,5})*$/, 'expected http:https port pairs separated by commas, e.g. 8080:8443').optional(),
    doc: 'More proxy instances on this node (`http:https` host port pairs, comma-separated): each is its own Caddy service and gets the same routes and certificates.',
  },
  BERTH_DNS_PORT: { schema: int(0, 65535).default(5300), doc: "UDP port of Berth's DNS for upstream names, on the docker_gwbridge address (0: any free port)." },
  BERTH_INGRESS: { schema: bool.default(true), doc: 'Run the ingress (proxy + upstream DNS). Off: deploys of routed services fail with a clear reason.' },
  BERTH_BACKUP_TOOLS_IMAGE: { schema: z.string().min(1).default('debian:bookworm-slim'), doc: 'Image with tar, find and sleep for volume backups, restores and their verification (run with no network).' },
  BERTH_DATABASE_IMAGES: {
    schema: z
      .string()
      .transform((text, ctx) => {
        try {
          return z.record(z.string().min(1), z.string().min(1)).parse(JSON.parse(text));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'expected a JSON object of image names, e.g. {"postgres:16":"registry.local/postgres:16"}' });
          return z.NEVER;
        }
      })
      .optional(),
    doc: 'Database images to use instead of the official ones (unset: the official images): a JSON map from the default image (`postgres:16`) or `<engine>:<version>` to another name (tests map them to locally built images).',
  },
  BERTH_SESSION_HOURS: { schema: int(1, 24 * 90).default(24 * 7), doc: 'Lifetime of a dashboard session.' },
  BERTH_SECURE_COOKIES: { schema: bool.default(false), doc: 'Mark session cookies Secure (set when served over HTTPS).' },
  BERTH_TRUST_PROXY: { schema: bool.default(false), doc: 'Trust X-Forwarded-For from the proxy in front (client addresses in the audit log and rate limits).' },
  BERTH_CONFIG_FILE: { schema: z.string().min(1).optional(), doc: 'Optional JSON file with any of these keys; environment variables win.' },
} as const;

type Settings = typeof SETTINGS;
const shape = Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, v.schema])) as {
  [K in keyof Settings]: Settings[K]['schema'];
};
export const configSchema = z.object(shape);
export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {}

/** Reads the configuration; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  const file = env.BERTH_CONFIG_FILE;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`BERTH_CONFIG_FILE: cannot read ${file} as JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError('BERTH_CONFIG_FILE: expected a JSON object of settings');
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (!(k in SETTINGS)) throw new ConfigError(`${k}: unknown setting in ${file}`);
      raw[k] = typeof v === 'string' ? v : String(v);
    }
  }
  for (const key of Object.keys(SETTINGS)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}
