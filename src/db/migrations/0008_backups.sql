-- Backups (issue 5): S3-compatible destinations per organisation (keys sealed with the master key,
-- bound to the row), schedules whose next run time lives here (any replica enqueues a due one, once),
-- backups of a database (logical dump) or a named volume (tar) with size, SHA-256 and the result of
-- their verification, and restores.
CREATE TABLE backup_destinations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name text NOT NULL,
  endpoint text,
  region text NOT NULL,
  bucket text NOT NULL,
  prefix text NOT NULL DEFAULT '',
  force_path_style boolean NOT NULL DEFAULT false,
  access_key_id_sealed text NOT NULL,
  secret_access_key_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);

CREATE TABLE backup_schedules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  service_id uuid NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  destination_id uuid NOT NULL REFERENCES backup_destinations(id) ON DELETE RESTRICT,
  kind text NOT NULL CHECK (kind IN ('database', 'volume')),
  volume text,
  stop_service boolean NOT NULL DEFAULT false,
  cron text NOT NULL,
  timezone text NOT NULL DEFAULT 'UTC',
  keep_count integer CHECK (keep_count IS NULL OR keep_count >= 1),
  keep_days integer CHECK (keep_days IS NULL OR keep_days >= 1),
  enabled boolean NOT NULL DEFAULT true,
  next_run_at timestamptz,
  last_run_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'volume') = (volume IS NOT NULL))
);
CREATE INDEX backup_schedules_due_idx ON backup_schedules (next_run_at) WHERE enabled;

CREATE TABLE backups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  service_id uuid REFERENCES services(id) ON DELETE SET NULL,
  destination_id uuid NOT NULL REFERENCES backup_destinations(id) ON DELETE RESTRICT,
  schedule_id uuid REFERENCES backup_schedules(id) ON DELETE SET NULL,
  kind text NOT NULL CHECK (kind IN ('database', 'volume')),
  volume text,
  stop_service boolean NOT NULL DEFAULT false,
  trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule', 'safety')),
  engine text,
  engine_version text,
  image text,
  object_key text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'verifying', 'succeeded', 'failed')),
  error text,
  size_bytes bigint,
  sha256 text,
  verification_status text NOT NULL DEFAULT 'pending' CHECK (verification_status IN ('pending', 'passed', 'failed', 'skipped')),
  verification_report jsonb,
  verification_ms integer,
  verified_at timestamptz,
  job_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  object_deleted_at timestamptz
);
CREATE INDEX backups_service_idx ON backups (service_id, created_at DESC);
CREATE INDEX backups_schedule_idx ON backups (schedule_id, created_at DESC);

CREATE TABLE backup_restores (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  backup_id uuid NOT NULL REFERENCES backups(id) ON DELETE CASCADE,
  target_service_id uuid REFERENCES services(id) ON DELETE SET NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  safety_backup_id uuid REFERENCES backups(id) ON DELETE SET NULL,
  error text,
  job_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
