-- Source credentials of a service: an SSH deploy key for git sources, registry credentials for image
-- sources. The key and the password are sealed with the master key (SecretBox), bound to the service
-- and the column; the registry server and username are not secret.
CREATE TABLE service_credentials (
  service_id uuid PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
  deploy_key_sealed text,
  registry_username text,
  registry_password_sealed text,
  registry_server text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
