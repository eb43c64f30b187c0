// Push webhooks: one secret URL per service (`/api/webhooks/<token>`; the token is stored hashed for
// lookup and sealed for display) plus a signing secret (sealed). A delivery is verified with the
// provider's scheme before its payload is read; an unsigned or mis-signed one is refused (401) and
// queues nothing. Matching: the pushed branch or tag must be the service's ref, and — when watch paths
// are set and the provider lists changed files — at least one changed file must match one of them.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import picomatch from 'picomatch';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { serviceWebhooks } from '../../db/schema/index.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import { NotFound, Unauthorized } from '../errors.ts';
import { hashToken } from '../identity/tokens.ts';
import { hasDotDotSegment } from '../names.ts';
import { providerFor, type Push } from './providers.ts';

export const watchPathsSchema = z
  .array(
    z
      .string()
      .min(1)
      .max(300)
      .regex(/^[A-Za-z0-9._*?{}[\],!/-]+$/, 'expected a glob such as src/** or Dockerfile')
      .refine((v) => !hasDotDotSegment(v), 'must not contain ".." segments'),
  )
  .max(50);

export interface WebhookView {
  /** Path to give the git host: /api/webhooks/<token>. */
  path: string;
  secret: string;
  watchPaths: string[];
  lastDeliveryAt: Date | null;
}

export type Decision = { deploy: true; commit: string | null } | { deploy: false; reason: string };

/** Pure: whether a verified push should deploy a service following `ref`. */
export function decide(push: Push, opts: { ref: string; watchPaths: string[] }): Decision {
  const wanted = [`refs/heads/${opts.ref}`, `refs/tags/${opts.ref}`];
  if (!wanted.includes(push.ref)) return { deploy: false, reason: `push to ${push.ref || 'an unknown ref'} ignored: the service follows ${opts.ref}` };
  if (opts.watchPaths.length && push.changedFiles) {
    const isWatched = picomatch(opts.watchPaths, { dot: true });
    if (!push.changedFiles.some((f) => isWatched(f))) return { deploy: false, reason: 'no changed file matches the watch paths' };
  }
  return { deploy: true, commit: push.commit };
}

/** JSON, or GitHub's form encoding (`payload=<url-encoded JSON>`, its UI's default). */
function parsePayload(body: Buffer, contentType: string | undefined): unknown {
  try {
    const text = body.toString('utf8');
    if (contentType?.startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(text).get('payload');
      return form === null ? undefined : JSON.parse(form);
    }
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class Webhooks {
  constructor(private readonly box: SecretBox) {}

  #view(row: typeof serviceWebhooks.$inferSelect): WebhookView {
    return {
      path: `/api/webhooks/${this.box.open(row.tokenSealed, `webhook-token:${row.serviceId}`)}`,
      secret: this.box.open(row.secretSealed, `webhook-secret:${row.serviceId}`),
      watchPaths: row.watchPaths,
      lastDeliveryAt: row.lastDeliveryAt,
    };
  }

  /** The service's webhook, created on first use; `rotate` replaces token and secret. */
  async ensure(db: Db, opts: { serviceId: string; rotate?: boolean; watchPaths?: string[] }): Promise<WebhookView> {
    const [existing] = await db.select().from(serviceWebhooks).where(eq(serviceWebhooks.serviceId, opts.serviceId));
    if (existing && !opts.rotate && !opts.watchPaths) return this.#view(existing);
    const token = existing && !opts.rotate ? undefined : randomBytes(24).toString('base64url');
    const secret = existing && !opts.rotate ? undefined : randomBytes(24).toString('base64url');
    const values = {
      serviceId: opts.serviceId,
      ...(token ? { tokenHash: hashToken(token), tokenSealed: this.box.seal(token, `webhook-token:${opts.serviceId}`) } : {}),
      ...(secret ? { secretSealed: this.box.seal(secret, `webhook-secret:${opts.serviceId}`) } : {}),
      ...(opts.watchPaths ? { watchPaths: opts.watchPaths } : {}),
    };
    const [row] = existing
      ? await db.update(serviceWebhooks).set(values).where(eq(serviceWebhooks.serviceId, opts.serviceId)).returning()
      : await db.insert(serviceWebhooks).values(values as typeof serviceWebhooks.$inferInsert).returning();
    return this.#view(row!);
  }

  /** Verifies a delivery. Throws Unauthorized (unknown token, bad or missing signature). */
  async verify(db: Db, opts: { token: string; headers: Record<string, string | undefined>; body: Buffer }) {
    const [row] = await db.select().from(serviceWebhooks).where(eq(serviceWebhooks.tokenHash, hashToken(opts.token)));
    if (!row) throw new NotFound('unknown webhook');
    const provider = providerFor(opts.headers);
    const secret = this.box.open(row.secretSealed, `webhook-secret:${row.serviceId}`);
    if (!provider.verify({ headers: opts.headers, body: opts.body, secret })) {
      throw new Unauthorized(`the ${provider.name} signature is missing or does not match this webhook's secret`);
    }
    await db.update(serviceWebhooks).set({ lastDeliveryAt: new Date() }).where(eq(serviceWebhooks.serviceId, row.serviceId));
    const payload = parsePayload(opts.body, opts.headers['content-type']);
    return { serviceId: row.serviceId, watchPaths: row.watchPaths, provider: provider.name, isPush: provider.isPush(opts.headers), push: payload === undefined ? undefined : provider.parse(payload) };
  }
}
