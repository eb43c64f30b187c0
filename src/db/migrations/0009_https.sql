-- HTTPS per host (issue 6): whether a host with a certificate is served over HTTPS, whether its plain
-- HTTP redirects there (on by default), and an optional HSTS max-age. One row per host, written only
-- when a setting differs from the defaults; hosts without a row use them (automatic hosts included).
CREATE TABLE host_tls_settings (
  host text PRIMARY KEY,
  https boolean NOT NULL DEFAULT true,
  redirect_http boolean NOT NULL DEFAULT true,
  hsts_max_age integer CHECK (hsts_max_age IS NULL OR hsts_max_age BETWEEN 0 AND 63072000),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Renewal scheduling reads due rows by next attempt; custom certificates are never renewed.
CREATE INDEX certificates_next_attempt ON certificates (next_attempt_at) WHERE source = 'acme';
