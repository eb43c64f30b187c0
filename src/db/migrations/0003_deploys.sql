-- Deploys: a deployment is carried out by a job; it records what was built and how long each step took.
-- A service points at its live deployment. Webhooks: one secret URL per service.

ALTER TABLE deployments
  ADD COLUMN job_id uuid,
  ADD COLUMN kind text NOT NULL DEFAULT 'deploy' CHECK (kind IN ('deploy', 'rollback')),
  ADD COLUMN rollback_of uuid REFERENCES deployments(id) ON DELETE SET NULL,
  ADD COLUMN image_id text,
  ADD COLUMN release_name text,
  ADD COLUMN steps jsonb NOT NULL DEFAULT '{}'::jsonb;
CREATE INDEX deployments_job_idx ON deployments (job_id);

ALTER TABLE services
  ADD COLUMN current_deployment_id uuid REFERENCES deployments(id) ON DELETE SET NULL;

-- The URL token is a bearer secret (stored hashed); the signing secret must be readable to verify
-- HMACs, so it is sealed with the master key.
CREATE TABLE service_webhooks (
  service_id uuid PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  token_sealed text NOT NULL,
  secret_sealed text NOT NULL,
  watch_paths text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_delivery_at timestamptz
);

-- The routing table is global: one host + path goes to one service, whichever organisation asks.
CREATE UNIQUE INDEX domains_host_path_key ON domains (host, path_prefix);
