// Builds the AppContext from its parts — the same wiring for `berth server` (app/boot.ts) and for tests
// (test/support/app.ts), so tests exercise what production runs. Starts nothing: boot decides.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { CertificateIssuer, Certificates, issueCertificateJobType } from '../core/certificates/certificates.ts';
import { WildcardIssuer } from '../core/certificates/wildcard.ts';
import { Databases } from '../core/databases/databases.ts';
import { DatabaseRuntime, databaseJobType } from '../core/databases/job.ts';
import { Deploys } from '../core/deployments/deploys.ts';
import { deployJobType } from '../core/deployments/job.ts';
import { DeployPipeline } from '../core/deployments/pipeline.ts';
import { SourceCredentials } from '../core/services/credentials.ts';
import { EnvVars } from '../core/services/env-vars.ts';
import { Webhooks } from '../core/webhooks/webhooks.ts';
import { Teardown } from '../core/teardown/teardown.ts';
import { backupsModule, runtimeDatabaseResolver, swarmServiceControl } from '../core/backups/index.ts';
import { acmeDirectoryUrl, trustAcmeCa } from '../infra/acme/client.ts';
import type { Database } from '../db/client.ts';
import type { EventBus } from '../infra/bus/bus.ts';
import type { SecretBox } from '../infra/crypto/secretbox.ts';
import type { DockerGateway, Labels } from '../infra/docker/index.ts';
import { ContainerGateway } from '../infra/docker/containers.ts';
import { GitGateway } from '../infra/git/index.ts';
import { JobQueue, JobRegistry } from '../jobs/index.ts';
import { createJobsFacade } from '../jobs/facade.ts';
import type { AppContext } from './context.ts';
import { databaseExternalHost } from '../core/databases/external-host.ts';
import { Platform } from './platform.ts';
import { gatewayProbes } from './probes.ts';

export interface ComposeOptions {
  config: Config;
  database: Database;
  bus: EventBus;
  secrets: SecretBox;
  docker: DockerGateway;
  log: Logger;
  proxyLabels?: Labels;
}

export interface Composed {
  ctx: AppContext;
  queue: JobQueue;
  platform: Platform;
}

export function composeContext(o: ComposeOptions): Composed {
  const { config, database, bus, secrets, docker, log } = o;
  const envVars = new EnvVars(secrets);
  const platform = new Platform({ config, db: database.db, docker, log, secrets, ...(o.proxyLabels ? { proxyLabels: o.proxyLabels } : {}) });
  const pipeline = new DeployPipeline({
    db: database.db,
    docker,
    git: new GitGateway({ workRoot: join(config.BERTH_DATA_DIR, 'git') }),
    ingress: platform,
    envVars,
    credentials: new SourceCredentials(secrets),
    keepImages: config.BERTH_KEEP_IMAGES,
    buildLimits: { cpus: config.BERTH_BUILD_CPUS, memoryBytes: config.BERTH_BUILD_MEMORY_MB * 1024 * 1024 },
  });
  const deployJob = deployJobType((id, jobCtx) => pipeline.run(id, jobCtx));
  if (config.BERTH_ACME_CA_FILE) trustAcmeCa(readFileSync(config.BERTH_ACME_CA_FILE, 'utf8'));
  // `*.<base>` (DNS-01 through the installation's DNS provider) rides the same job and renewal loop.
  const wildcardIssuer = new WildcardIssuer({
    db: database.db,
    box: secrets,
    directoryUrl: acmeDirectoryUrl(config.BERTH_ACME_DIRECTORY),
    reconcileRoutes: async () => (platform.ingress ? platform.reconcileRoutes() : undefined),
  });
  const issuer = new CertificateIssuer({
    db: database.db,
    box: secrets,
    wildcard: (host, jobCtx) => wildcardIssuer.run(host, jobCtx),
    directoryUrl: acmeDirectoryUrl(config.BERTH_ACME_DIRECTORY),
    reconcileRoutes: async () => (platform.ingress ? platform.reconcileRoutes() : undefined),
    retryBaseSeconds: config.BERTH_CERT_RETRY_SECONDS,
  });
  const certificateJob = issueCertificateJobType((host, jobCtx) => issuer.run(host, jobCtx));
  const containers = new ContainerGateway({ socketPath: config.BERTH_DOCKER_SOCKET, labelPrefix: docker.labels.prefix });
  const databaseRuntime = new DatabaseRuntime({
    db: database.db,
    box: secrets,
    docker,
    containers,
    imageOverrides: config.BERTH_DATABASE_IMAGES ?? {},
    // Late-bound: the backups facade needs the queue, which needs every job type first.
    safetyBackup: async (serviceId, jobCtx) => void (await ctx.backups.safetyBackup(serviceId, jobCtx)),
  });
  const backups = backupsModule({
    db: database.db,
    pool: database.pool,
    bus,
    secrets,
    containers,
    databases: runtimeDatabaseResolver((id) => databaseRuntime.open(id), containers),
    services: swarmServiceControl(docker),
    toolsImage: config.BERTH_BACKUP_TOOLS_IMAGE,
  });
  const databaseJob = databaseJobType((payload, jobCtx) => databaseRuntime.run(payload, jobCtx));
  const queue = new JobQueue({ pool: database.pool, bus, registry: new JobRegistry([deployJob, certificateJob, databaseJob, ...backups.jobTypes]), defaultTimeoutSeconds: config.BERTH_JOB_TIMEOUT_SECONDS, logger: log });
  const ctx: AppContext = {
    config,
    database,
    bus,
    secrets,
    envVars,
    probes: gatewayProbes({ docker, proxy: () => platform.health() }),
    jobs: createJobsFacade({ pool: database.pool, bus }),
    deploys: new Deploys({ pool: database.pool, db: database.db, queue, jobType: deployJob }),
    webhooks: new Webhooks(secrets),
    certificates: new Certificates({
      db: database.db,
      pool: database.pool,
      queue,
      jobType: certificateJob,
      reconcileRoutes: async () => (platform.ingress ? platform.reconcileRoutes() : undefined),
      log,
    }),
    databases: new Databases({ pool: database.pool, db: database.db, box: secrets, queue, jobType: databaseJob, externalHost: () => databaseExternalHost(database.db) }),
    databaseRuntime,
    backups: backups.attach(queue),
    ingress: platform,
    teardown: new Teardown({ db: database.db, docker, ingress: platform, databases: databaseRuntime, certificates: { hostRemoved: (host) => ctx.certificates.hostRemoved(host) }, log }),
    docker,
    log,
  };
  return { ctx, queue, platform };
}
