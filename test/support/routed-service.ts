// A project `shop` with a web service `web` (port 8080), a stored domain `shop.example.com` and the base
// domain `apps.example.com` — for tests that need routed hosts while the ingress is off. The domain row
// is written as the API would write it (the API refuses domain changes without a running ingress).
import assert from 'node:assert/strict';
import type { TestApp } from './app.ts';
import type { Client } from './client.ts';

export async function seedRoutedService(t: TestApp, owner: Client): Promise<void> {
  assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
  const svc = await owner.post('/api/orgs/acme/projects/shop/environments/production/services', { name: 'web', kind: 'app', spec: { port: 8080 } });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  await t.db.pool.query(
    "INSERT INTO domains (org_id, service_id, host, path_prefix, port) SELECT p.org_id, s.id, 'shop.example.com', '/', 8080 FROM services s JOIN environments e ON e.id = s.environment_id JOIN projects p ON p.id = e.project_id",
  );
  assert.equal((await owner.patch('/api/settings', { domain: 'apps.example.com' })).status, 200);
}
