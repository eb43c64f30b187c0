-- HTTPS (issue 6, HTTP-01). The installation's ACME account key (sealed, bound to its directory URL);
-- pending HTTP-01 answers any control-plane replica serves; certificates per host with their status.
CREATE TABLE acme_accounts (
  directory_url text PRIMARY KEY,
  key_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE acme_challenges (
  token text PRIMARY KEY,
  key_authorization text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE certificates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  host text NOT NULL UNIQUE,
  hosts text[] NOT NULL,
  source text NOT NULL DEFAULT 'acme' CHECK (source IN ('acme', 'custom')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'valid', 'renewing', 'failed')),
  chain_pem text,
  key_sealed text,
  not_before timestamptz,
  not_after timestamptz,
  last_error text,
  failures integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
