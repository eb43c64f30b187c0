// Renews the leases of the jobs a worker is running and reports, in the same round trip, which of them
// were asked to cancel and which are no longer this worker's (recovered by another after a stall).
// Must never change a job's state: it only extends leases of rows the worker still owns.
import type { Queryable } from './types.ts';

export interface HeartbeatOptions {
  db: Queryable;
  workerId: string;
  jobIds: readonly string[];
  leaseSeconds: number;
}

export interface HeartbeatResult {
  /** Still ours and asked to cancel. */
  cancelRequested: string[];
  /** Not ours any more: abort them and write nothing. */
  lost: string[];
}

export async function renewLeases(opts: HeartbeatOptions): Promise<HeartbeatResult> {
  if (opts.jobIds.length === 0) return { cancelRequested: [], lost: [] };
  const { rows } = await opts.db.query<{ id: string; cancel_requested: boolean }>(
    `UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $3)
     WHERE id = ANY($1::uuid[]) AND locked_by = $2 AND state = 'running'
     RETURNING id, cancel_requested_at IS NOT NULL AS cancel_requested`,
    [opts.jobIds, opts.workerId, opts.leaseSeconds],
  );
  const kept = new Set(rows.map((r) => r.id));
  return {
    cancelRequested: rows.filter((r) => r.cancel_requested).map((r) => r.id),
    lost: opts.jobIds.filter((id) => !kept.has(id)),
  };
}
