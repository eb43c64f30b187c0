// Answers HTTP-01 challenges from the acme_challenges table, so any control-plane replica can answer
// what another one published. Caddy proxies `/.well-known/acme-challenge/` on every host here (the
// route table's acmeChallengeUpstream); it listens where the proxy's container reaches the host (the
// docker_gwbridge gateway, like the DNS process). Must never answer anything but an unexpired token.
import { createServer, type Server } from 'node:http';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { ACME_CHALLENGE_PREFIX } from '../../plan/routes.ts';

const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export async function publishChallenge(db: Db, token: string, keyAuthorization: string, ttlMs = 10 * 60_000): Promise<void> {
  const expires = new Date(Date.now() + ttlMs);
  await db.execute(sql`INSERT INTO acme_challenges (token, key_authorization, expires_at) VALUES (${token}, ${keyAuthorization}, ${expires})
    ON CONFLICT (token) DO UPDATE SET key_authorization = EXCLUDED.key_authorization, expires_at = EXCLUDED.expires_at`);
}

export async function withdrawChallenge(db: Db, token: string): Promise<void> {
  await db.execute(sql`DELETE FROM acme_challenges WHERE token = ${token} OR expires_at < now()`);
}

export async function challengeAnswer(db: Db, token: string): Promise<string | undefined> {
  if (!TOKEN.test(token)) return undefined;
  const { rows } = await db.execute<{ key_authorization: string }>(sql`SELECT key_authorization FROM acme_challenges WHERE token = ${token} AND expires_at > now()`);
  return rows[0]?.key_authorization;
}

/** Starts the listener on host:port (0 = any free port); resolves once it listens. */
export async function startChallengeServer(db: Db, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method !== 'GET' || !path.startsWith(ACME_CHALLENGE_PREFIX)) return void res.writeHead(404).end();
    challengeAnswer(db, path.slice(ACME_CHALLENGE_PREFIX.length)).then(
      (answer) => void (answer ? res.writeHead(200, { 'content-type': 'text/plain' }).end(answer) : res.writeHead(404).end()),
      () => void res.writeHead(503).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}
