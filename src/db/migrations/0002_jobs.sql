-- Durable job queue (src/jobs/). Jobs of one service run one at a time, oldest due first; jobs of
-- different services run in parallel. Forward-only: never edit a migration that has landed; add a new file.

CREATE TABLE jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Enqueue order, the FIFO tie-break (created_at is the transaction time, equal for one transaction's jobs).
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  type text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The serialisation key. No foreign key on purpose: a job may outlive its service (the job deleting it)
  -- and must keep the key while it does.
  service_id uuid,
  -- For authorization of job reads; no foreign key for the same reason.
  org_id uuid,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 1 CHECK (max_attempts >= 1),
  run_at timestamptz NOT NULL DEFAULT now(),
  timeout_seconds integer NOT NULL CHECK (timeout_seconds > 0),
  locked_by text,
  lease_expires_at timestamptz,
  last_error text,
  result jsonb,
  cancel_requested_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  -- +1 on every state change. job.state events carry it, since the bus may deliver a job's events out of
  -- order (enqueued in one replica, claimed in another): consumers keep the highest version.
  state_version integer NOT NULL DEFAULT 1,
  CHECK ((state = 'running') = (locked_by IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
);

-- The guarantee behind "two jobs of one service never run at once": whatever the claim query's snapshot
-- saw, the database refuses a second running row for a service.
CREATE UNIQUE INDEX jobs_one_running_per_service ON jobs (service_id) WHERE state = 'running';
-- Claim scans due queued jobs in order; the per-service head check and queue positions use the second.
CREATE INDEX jobs_queued_idx ON jobs (run_at, seq) WHERE state = 'queued';
CREATE INDEX jobs_queued_service_idx ON jobs (service_id, run_at, seq) WHERE state = 'queued';
-- Lease recovery looks only at running jobs.
CREATE INDEX jobs_lease_idx ON jobs (lease_expires_at) WHERE state = 'running';
-- Listings for the API.
CREATE INDEX jobs_service_created_idx ON jobs (service_id, created_at DESC);
CREATE INDEX jobs_org_created_idx ON jobs (org_id, created_at DESC);

CREATE TABLE job_logs (
  job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  seq integer NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  line text NOT NULL,
  PRIMARY KEY (job_id, seq)
);

-- Workers LISTEN instead of polling hard. Triggers send the notifications so that every path (an enqueue
-- inside a caller's transaction, a manual UPDATE) wakes them, and only once the change is committed.
CREATE FUNCTION berth_jobs_notify_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('berth_jobs_wake', '');
  RETURN NULL;
END $$;

CREATE FUNCTION berth_jobs_notify_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('berth_jobs_cancel', NEW.id::text);
  RETURN NULL;
END $$;

-- A new job, or a job that became queued again, may be claimable.
CREATE TRIGGER jobs_wake_on_insert AFTER INSERT ON jobs
  FOR EACH STATEMENT EXECUTE FUNCTION berth_jobs_notify_wake();
-- Any state change but a claim may make a job claimable: a job re-queued, a service freed (its running
-- job ended), a service's queue head cancelled. Claims themselves wake nobody.
CREATE TRIGGER jobs_wake_on_update AFTER UPDATE OF state ON jobs
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND NEW.state <> 'running')
  EXECUTE FUNCTION berth_jobs_notify_wake();
-- The worker running the job (in any process) aborts its handler.
CREATE TRIGGER jobs_cancel_requested AFTER UPDATE OF cancel_requested_at ON jobs
  FOR EACH ROW WHEN (OLD.cancel_requested_at IS NULL AND NEW.cancel_requested_at IS NOT NULL AND NEW.state = 'running')
  EXECUTE FUNCTION berth_jobs_notify_cancel();
