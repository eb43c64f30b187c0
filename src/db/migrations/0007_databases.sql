-- Database services: one row per service of kind `database`, next to its `services` row (whose spec,
-- validated by the kind, holds engine, version, resources, external port). Here: the generated
-- credentials — password(s) sealed with the master key (SecretBox), bound to the service
-- and the column. `desired_state` is what the user asked for (running/stopped); `status` is what the
-- last database job achieved, with its error.
CREATE TABLE databases (
  service_id uuid PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
  user_name text NOT NULL,
  database_name text NOT NULL,
  password_sealed text NOT NULL,
  root_password_sealed text,
  desired_state text NOT NULL DEFAULT 'running' CHECK (desired_state IN ('running', 'stopped')),
  status text NOT NULL DEFAULT 'creating' CHECK (status IN ('creating', 'updating', 'running', 'stopped', 'failed', 'deleting')),
  last_error text,
  last_job_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
