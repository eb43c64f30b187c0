-- Deploys from an uploaded archive: the deployment remembers where its upload was written
-- (<data>/archives/<service>/<deployment>.tar.gz) until the pipeline has built it.

ALTER TABLE deployments
  ADD COLUMN archive_path text;
