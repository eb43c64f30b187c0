// What every use-case and transport may use: built once by app/boot.ts (or by a test), passed down,
// never imported as a global.
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/client.ts';
import type { EventBus } from '../infra/bus/bus.ts';
import type { SecretBox } from '../infra/crypto/secretbox.ts';
import type { EnvVars } from '../core/services/env-vars.ts';
import type { HealthProbes } from '../core/system/health.ts';
import type { JobsFacade } from '../core/system/jobs-facade.ts';
import type { Certificates } from '../core/certificates/certificates.ts';
import type { Deploys } from '../core/deployments/deploys.ts';
import type { Databases } from '../core/databases/databases.ts';
import type { DatabaseRuntime } from '../core/databases/job.ts';
import type { Backups } from '../core/backups/index.ts';
import type { IngressPort } from '../core/deployments/pipeline.ts';
import type { Webhooks } from '../core/webhooks/webhooks.ts';
import type { Teardown } from '../core/teardown/teardown.ts';
import type { DockerGateway } from '../infra/docker/index.ts';

export interface AppContext {
  config: Config;
  database: Database;
  bus: EventBus;
  secrets: SecretBox;
  envVars: EnvVars;
  probes: HealthProbes;
  jobs: JobsFacade;
  deploys: Deploys;
  webhooks: Webhooks;
  certificates: Certificates;
  databases: Databases;
  /** Database services in Docker: the job runner, and `open(serviceId)` for backups (engine, credentials, container). */
  databaseRuntime: DatabaseRuntime;
  backups: Backups;
  ingress: IngressPort;
  /** Deleting projects, environments and services: rows, Docker objects, routes, DNS, certificates. */
  teardown: Teardown;
  docker: DockerGateway;
  log: Logger;
}
