-- DNS-01 providers (issue 6): how Berth puts `_acme-challenge` TXT records into a zone — RFC 2136 with
-- TSIG, Cloudflare or Route 53. One row per provider, for the installation (org_id NULL: used for the
-- base domain's wildcard certificate) or for an organisation. `settings` holds only non-secret fields
-- (server, key name, zone id …); the secret ones (TSIG secret, API token, secret access key) are one
-- SecretBox value in `credentials_sealed`, bound to the row (AAD `dns_providers/<id>/credentials_sealed`).
CREATE TABLE dns_providers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('rfc2136', 'cloudflare', 'route53')),
  zone text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  credentials_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A name is unique within its scope (the installation counts as one scope).
CREATE UNIQUE INDEX dns_providers_scope_name ON dns_providers (coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid), name);
