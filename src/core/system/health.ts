// Health of the control plane and what it drives. The database decides liveness; Docker, Swarm and the
// proxy are reported so an operator sees at a glance what is wrong.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';

export interface ComponentHealth {
  ok: boolean;
  detail: string;
  [k: string]: unknown;
}

export interface HealthProbes {
  docker(): Promise<ComponentHealth & { swarm?: ComponentHealth }>;
  proxy(): Promise<ComponentHealth>;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  database: ComponentHealth;
  docker: ComponentHealth;
  swarm: ComponentHealth;
  proxy: ComponentHealth;
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

async function databaseHealth(db: Db): Promise<ComponentHealth> {
  const t0 = performance.now();
  try {
    const r = await within(db.execute(sql`SELECT current_setting('server_version') AS v`), 2000, 'the database');
    return { ok: true, detail: `PostgreSQL ${String(r.rows[0]?.v)}`, latencyMs: Math.round(performance.now() - t0) };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

export async function checkHealth(db: Db, probes: HealthProbes): Promise<HealthReport> {
  const failed = (err: unknown): ComponentHealth => ({ ok: false, detail: (err as Error).message });
  const [database, docker, proxy] = await Promise.all([
    databaseHealth(db),
    within(probes.docker(), 3000, 'Docker').catch((e) => ({ ...failed(e), swarm: undefined })),
    within(probes.proxy(), 3000, 'the proxy').catch(failed),
  ]);
  const { swarm = { ok: false, detail: 'unknown: the Docker engine is not reachable' }, ...dockerOnly } = docker;
  const status = !database.ok ? 'down' : docker.ok && swarm.ok && proxy.ok ? 'ok' : 'degraded';
  return { status, database, docker: dockerOnly, swarm, proxy };
}
