// The server status an instance administrator sees on the dashboard: the health report, the Swarm's
// nodes, and the job queue across every organisation (queued jobs with their position, running jobs).
// Read-only.
import type pg from 'pg';
import type { DockerGateway } from '../../infra/docker/index.ts';
import type { SwarmNodeSummary } from '../../infra/docker/index.ts';
import { checkHealth, type HealthProbes, type HealthReport } from './health.ts';
import type { Db } from '../../db/client.ts';

export interface QueueEntry {
  id: string;
  type: string;
  state: 'queued' | 'running';
  position: number | null;
  organization: string | null;
  serviceId: string | null;
  service: string | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  runAt: Date;
  lockedBy: string | null;
}

export interface ServerStatus {
  health: HealthReport;
  nodes: SwarmNodeSummary[];
  nodesError: string | null;
  queue: { queued: number; running: number; jobs: QueueEntry[] };
}

/** Running jobs first (oldest first), then the queue in claim order, at most `limit` rows. */
export async function queueSnapshot(pool: pg.Pool, limit = 200): Promise<ServerStatus['queue']> {
  const { rows } = await pool.query<{
    id: string; type: string; state: 'queued' | 'running'; position: number | null; organization: string | null;
    service_id: string | null; service: string | null; attempts: number; created_at: Date; started_at: Date | null; run_at: Date; locked_by: string | null;
  }>(
    `SELECT j.id, j.type, j.state, j.service_id, j.attempts, j.created_at, j.started_at, j.run_at, j.locked_by,
            o.name AS organization, s.name AS service,
            CASE WHEN j.state = 'queued' THEN row_number() OVER (PARTITION BY j.state ORDER BY j.run_at, j.seq)::int END AS position
       FROM jobs j
       LEFT JOIN organizations o ON o.id = j.org_id
       LEFT JOIN services s ON s.id = j.service_id
      WHERE j.state IN ('queued', 'running')
      ORDER BY (j.state = 'queued'), j.run_at, j.seq
      LIMIT $1`,
    [limit],
  );
  const { rows: counts } = await pool.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM jobs WHERE state IN ('queued', 'running') GROUP BY state`,
  );
  const count = (s: string) => counts.find((c) => c.state === s)?.n ?? 0;
  return {
    queued: count('queued'),
    running: count('running'),
    jobs: rows.map((r) => ({
      id: r.id, type: r.type, state: r.state, position: r.position, organization: r.organization, serviceId: r.service_id,
      service: r.service, attempts: r.attempts, createdAt: r.created_at, startedAt: r.started_at, runAt: r.run_at, lockedBy: r.locked_by,
    })),
  };
}

export async function serverStatus(opts: { db: Db; pool: pg.Pool; probes: HealthProbes; docker: DockerGateway }): Promise<ServerStatus> {
  const [health, nodes, queue] = await Promise.all([
    checkHealth(opts.db, opts.probes),
    opts.docker.listNodes().then(
      (list) => ({ list, error: null }),
      (err: unknown) => ({ list: [] as SwarmNodeSummary[], error: (err as Error).message }),
    ),
    queueSnapshot(opts.pool),
  ]);
  return { health, nodes: nodes.list, nodesError: nodes.error, queue };
}
