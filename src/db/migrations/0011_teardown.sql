-- Services and projects Berth deleted (core/teardown). The rows go in the delete's transaction and the
-- Docker objects right after; if that removal fails (engine down, volume still in use, control plane
-- killed), the orphan sweep (app/platform.ts) finishes it — but only for ids listed here, so it never
-- touches objects of another installation sharing the Swarm, nor anything when pointed at the wrong
-- database. No foreign key: the point is to outlive the deleted row.
CREATE TABLE deleted_resources (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('service', 'project')),
  deleted_at timestamptz NOT NULL DEFAULT now()
);
