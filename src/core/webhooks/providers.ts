// Git hosting providers' push webhooks as data + small adapters: how each proves the sender knows the
// secret, and how its payload names the ref, the commit and the changed files. Adding a provider is one
// entry here. Must never trust a payload before `verify` passed.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Push {
  /** Full ref: refs/heads/<branch> or refs/tags/<tag>. */
  ref: string;
  commit: string | null;
  /** Files touched by the pushed commits; null when the provider does not say (deploy regardless). */
  changedFiles: string[] | null;
}

export interface Provider {
  name: string;
  /** Whether this request comes from this provider (by its event header). */
  matches(headers: Record<string, string | undefined>): boolean;
  /** Whether it is a push (other events are acknowledged and ignored). */
  isPush(headers: Record<string, string | undefined>): boolean;
  verify(opts: { headers: Record<string, string | undefined>; body: Buffer; secret: string }): boolean;
  parse(payload: unknown): Push;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const hmacHex = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');

function hmacHeader(header: string, prefix: string) {
  return ({ headers, body, secret }: { headers: Record<string, string | undefined>; body: Buffer; secret: string }) => {
    const got = headers[header];
    return typeof got === 'string' && safeEqual(got, prefix + hmacHex(secret, body));
  };
}

type Commit = { added?: string[]; modified?: string[]; removed?: string[] };
type Payload = { ref?: unknown; after?: unknown; checkout_sha?: unknown; commits?: Commit[]; head_commit?: Commit | null };

/** GitHub, GitLab and Gitea share the push payload's shape. */
function parseCommonPush(payload: unknown): Push {
  const p = (payload ?? {}) as Payload;
  const ref = typeof p.ref === 'string' ? p.ref : '';
  const commit = typeof p.checkout_sha === 'string' ? p.checkout_sha : typeof p.after === 'string' ? p.after : null;
  const commits = Array.isArray(p.commits) ? p.commits : [];
  const files = commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]).filter((f) => typeof f === 'string');
  return { ref, commit, changedFiles: commits.length ? [...new Set(files)] : null };
}

export const PROVIDERS: readonly Provider[] = [
  {
    name: 'github',
    matches: (h) => h['x-github-event'] !== undefined,
    isPush: (h) => h['x-github-event'] === 'push',
    verify: hmacHeader('x-hub-signature-256', 'sha256='),
    parse: parseCommonPush,
  },
  {
    name: 'gitea',
    matches: (h) => h['x-gitea-event'] !== undefined,
    isPush: (h) => h['x-gitea-event'] === 'push',
    verify: hmacHeader('x-gitea-signature', ''),
    parse: parseCommonPush,
  },
  {
    name: 'gitlab',
    matches: (h) => h['x-gitlab-event'] !== undefined,
    isPush: (h) => h['x-gitlab-event'] === 'Push Hook' || h['x-gitlab-event'] === 'Tag Push Hook',
    verify: ({ headers, secret }) => typeof headers['x-gitlab-token'] === 'string' && safeEqual(headers['x-gitlab-token'], secret),
    parse: parseCommonPush,
  },
  {
    name: 'bitbucket',
    matches: (h) => typeof h['x-event-key'] === 'string' && h['x-event-key'].startsWith('repo:'),
    isPush: (h) => h['x-event-key'] === 'repo:push',
    verify: hmacHeader('x-hub-signature', 'sha256='),
    parse(payload) {
      type Change = { new?: { type?: string; name?: string; target?: { hash?: string } } | null };
      const changes = ((payload as { push?: { changes?: Change[] } })?.push?.changes ?? []).filter((c) => c.new);
      const last = changes[changes.length - 1]?.new;
      const ref = last?.name ? `refs/${last.type === 'tag' ? 'tags' : 'heads'}/${last.name}` : '';
      return { ref, commit: last?.target?.hash ?? null, changedFiles: null };
    },
  },
  {
    // Any CI or script: `X-Berth-Signature: sha256=<hmac of the body>`, body { ref, commit?, changedFiles? }.
    name: 'generic',
    matches: () => true,
    isPush: () => true,
    verify: hmacHeader('x-berth-signature', 'sha256='),
    parse(payload) {
      const p = (payload ?? {}) as { ref?: unknown; branch?: unknown; commit?: unknown; changedFiles?: unknown };
      const ref = typeof p.ref === 'string' ? p.ref : typeof p.branch === 'string' ? `refs/heads/${p.branch}` : '';
      const files = Array.isArray(p.changedFiles) ? p.changedFiles.filter((f): f is string => typeof f === 'string') : null;
      return { ref, commit: typeof p.commit === 'string' ? p.commit : null, changedFiles: files };
    },
  },
];

export function providerFor(headers: Record<string, string | undefined>): Provider {
  return PROVIDERS.find((p) => p.matches(headers))!;
}
