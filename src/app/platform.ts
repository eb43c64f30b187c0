// The running platform around the control plane: Berth's DNS for upstream names, the ingress proxy, and
// what the deploy pipeline asks of them (IngressPort). At start it makes the proxy run, re-publishes the
// live releases' addresses (the DNS answers are in memory) and re-pushes the route table from the
// database; then it repairs drift periodically. Must never be the only copy of any state: everything it
// holds can be rebuilt from PostgreSQL and Docker.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { eq, isNotNull, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { ComponentHealth } from '../core/system/health.ts';
import { validCertificates } from '../core/certificates/certificates.ts';
import { startChallengeServer } from '../core/certificates/challenge-server.ts';
import { getInstanceSettings } from '../core/system/settings.ts';
import { apiTarget, startForwarder, type Forwarder } from './control-plane-forwarder.ts';
import { plannedHostTls } from '../core/certificates/host-settings.ts';
import { desiredDomains } from '../core/domains/routing.ts';
import type { IngressPort } from '../core/deployments/pipeline.ts';
import { Unavailable } from '../core/errors.ts';
import { Ingress } from '../core/ingress/index.ts';
import { OrphanSweep } from '../core/teardown/orphans.ts';
import { DnsProcess } from './dns-process.ts';
import type { Db } from '../db/client.ts';
import { deployments, services } from '../db/schema/index.ts';
import type { SecretBox } from '../infra/crypto/secretbox.ts';
import type { DockerGateway, Labels } from '../infra/docker/index.ts';
import { proxyDnsHost } from '../infra/proxy/index.ts';
import { INGRESS_NETWORK, upstreamName } from '../plan/app-service.ts';
import { planRoutes, type Upstream } from '../plan/routes.ts';

/** The name Berth's DNS answers with the HTTP-01 listener's address (the docker_gwbridge gateway). */
export const ACME_CHALLENGE_UPSTREAM = 'acme-challenge.berth';

/** The name Berth's DNS answers with the control plane's relay (the dashboard and API on the base domain). */
export const CONTROL_PLANE_UPSTREAM = 'control-plane.berth';

export interface PlatformOptions {
  config: Config;
  db: Db;
  docker: DockerGateway;
  log: Logger;
  /** Opens the stored certificates' keys for the proxy; absent: routes are served over HTTP only. */
  secrets?: SecretBox;
  /** Extra labels on the proxy service (tests mark theirs). */
  proxyLabels?: Labels;
  repairIntervalMs?: number;
  /** How long a Docker object of a deleted service must look orphaned before the repair loop removes it (default 60 s). */
  orphanGraceMs?: number;
}

export class Platform implements IngressPort {
  #ingress: Ingress | undefined;
  /** Every proxy instance (the primary first): each gets the same routes and certificates. */
  #proxies: Ingress[] = [];
  #dns: DnsProcess | undefined;
  #timer: NodeJS.Timeout | undefined;
  #starting: Promise<void> | undefined;
  #challengeServer: Server | undefined;
  #acmeUpstream: { upstream: Upstream; ip: string } | undefined;
  #forwarder: Forwarder | undefined;
  #controlPlaneUpstream: { upstream: Upstream; ip: string } | undefined;
  #inflight: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  /** Finishes teardowns whose Docker removal failed (core/teardown/orphans.ts). */
  readonly orphans: OrphanSweep;

  constructor(private readonly opts: PlatformOptions) {
    this.orphans = new OrphanSweep({ db: opts.db, docker: opts.docker, log: opts.log, graceMs: opts.orphanGraceMs ?? 60_000 });
  }

  get ingress(): Ingress | undefined {
    return this.#ingress;
  }

  /** Starts DNS and the proxy, restores answers and routes. Retries in the background when Docker is not ready. */
  start(): Promise<void> {
    return (this.#starting ??= this.#start().catch((err: unknown) => {
      this.#starting = undefined;
      throw err;
    }));
  }

  async #start(): Promise<void> {
    const { config, docker, log } = this.opts;
    // The DNS answers live in their own process so Caddy keeps routing while this one restarts.
    const gateway = await proxyDnsHost(docker);
    const dns = new DnsProcess({ dir: join(config.BERTH_DATA_DIR, 'dns', config.BERTH_PROXY_SERVICE), host: gateway, port: config.BERTH_DNS_PORT });
    await dns.ensure();
    const proxy = (serviceName: string, http: number, https: number) =>
      new Ingress({
        docker,
        dns: dns.records,
        image: config.BERTH_PROXY_IMAGE,
        adminSocketDir: join(config.BERTH_DATA_DIR, 'proxy', serviceName),
        serviceName,
        ports: { http, https },
        ...(this.opts.proxyLabels ? { labels: this.opts.proxyLabels } : {}),
      });
    const ingress = proxy(config.BERTH_PROXY_SERVICE, config.BERTH_PROXY_HTTP_PORT, config.BERTH_PROXY_HTTPS_PORT);
    const extra = (config.BERTH_PROXY_EXTRA_PORTS ?? '').split(',').filter(Boolean).map((pair, i) => {
      const [http, https] = pair.split(':').map(Number) as [number, number];
      return proxy(`${config.BERTH_PROXY_SERVICE}-${i + 2}`, http, https);
    });
    this.#dns = dns;
    this.#ingress = ingress;
    this.#proxies = [ingress, ...extra];
    // HTTP-01 answers: the proxy forwards /.well-known/acme-challenge/ on every host to this listener,
    // reached (like the DNS) on the docker_gwbridge gateway. Without it, routes still work over HTTP.
    try {
      this.#challengeServer = await startChallengeServer(this.opts.db, gateway, 0);
      const { port } = this.#challengeServer.address() as AddressInfo;
      this.#acmeUpstream = { upstream: { name: ACME_CHALLENGE_UPSTREAM, port }, ip: gateway };
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'ACME challenge listener not started; certificates cannot be issued');
    }
    // The dashboard and API on the base domain itself (`berth config set domain <host>`), through the proxy.
    try {
      this.#forwarder = await startForwarder(gateway, apiTarget(config));
      this.#controlPlaneUpstream = { upstream: { name: CONTROL_PLANE_UPSTREAM, port: this.#forwarder.port }, ip: gateway };
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'control-plane relay not started; the base domain does not reach the dashboard');
    }
    await this.restoreUpstreams();
    for (const p of this.#proxies) await p.ensureProxy();
    await this.reconcileRoutes();
    log.info({ dns: dns.records.resolverAddress(), proxies: this.#proxies.map((p) => ({ service: p.serviceName, ports: p.ports })) }, 'ingress ready');
    this.#timer = setInterval(() => void this.repair(), this.opts.repairIntervalMs ?? 30_000);
    this.#timer.unref();
  }

  /** Stops the repair loop. The DNS process keeps answering (see stopDns). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#forwarder?.close();
    this.#forwarder = undefined;
    const server = this.#challengeServer;
    this.#challengeServer = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections(); // the proxy keeps connections alive
    await closed;
  }

  /** Stops the DNS process too: for tests and uninstall, never on a control-plane restart. */
  async stopDns(): Promise<void> {
    await this.stop();
    await this.#dns?.stop();
  }

  #require(): Ingress {
    if (!this.#ingress) {
      throw new Unavailable(
        this.opts.config.BERTH_INGRESS ? 'the ingress is not running yet (Docker unreachable or not a Swarm manager)' : 'the ingress is disabled on this server (BERTH_INGRESS=false)',
      );
    }
    return this.#ingress;
  }

  /** The proxy instances (the primary first). */
  get proxies(): readonly Ingress[] {
    return this.#proxies;
  }

  /**
   * Renders the route table from the database and pushes it to every proxy instance (each only if it
   * changed). Calls without a transaction are coalesced: one arriving while a push runs waits for a single
   * follow-up push (which sees its change), so a burst of renewals costs the proxies two reloads, not one
   * each (every reload closes idle keep-alive connections).
   */
  reconcileRoutes(db?: Db): Promise<void> {
    if (db) return this.#reconcileNow(db);
    if (!this.#inflight) return this.#startReconcile();
    return (this.#queued ??= this.#inflight
      .catch(() => undefined)
      .then(() => {
        this.#queued = undefined;
        return this.#startReconcile();
      }));
  }

  #startReconcile(): Promise<void> {
    const run: Promise<void> = this.#reconcileNow(this.opts.db).finally(() => {
      if (this.#inflight === run) this.#inflight = undefined;
    });
    this.#inflight = run;
    return run;
  }

  async #reconcileNow(db: Db): Promise<void> {
    this.#require();
    const certificates = this.opts.secrets ? await validCertificates(db, this.opts.secrets) : [];
    const acme = this.#acmeUpstream ? { acmeChallengeUpstream: this.#acmeUpstream.upstream } : {};
    const domains = await desiredDomains(db);
    const { domain: base } = await getInstanceSettings(db);
    // The base domain itself serves the control plane, unless a domain of an app takes that host.
    if (base && this.#controlPlaneUpstream && !domains.some((d) => d.host === base)) domains.push({ host: base, upstream: this.#controlPlaneUpstream.upstream });
    const table = planRoutes({ domains, certificates, hostTls: await plannedHostTls(db), ...acme });
    await Promise.all(this.#proxies.map((p) => p.applyRoutes(table)));
  }

  async switchTo(opts: { name: string; newIps: string[]; oldIps: string[]; signal: AbortSignal }): Promise<{ drainMs: number }> {
    const ingress = this.#require();
    // Publish and wait until the DNS process answers the new set, so the refresh wait that follows counts.
    ingress.publish(opts.name, opts.newIps);
    await this.#dns!.confirm(opts.name, opts.newIps);
    // Every proxy instance drains the old addresses by its own request counts.
    const results = await Promise.all(this.#proxies.map((p) => p.switchTo(opts)));
    return { drainMs: Math.max(...results.map((r) => r.drainMs)) };
  }

  /** Stops answering a deleted service's upstream name (every proxy reads the same DNS records). */
  withdraw(name: string): void {
    this.#ingress?.withdraw(name);
  }

  /** Services with a deploy job running: their answers belong to the pipeline until it ends. */
  async #deploying(): Promise<Set<string>> {
    const { rows } = await this.opts.db.execute<{ service_id: string }>(sql`SELECT service_id FROM jobs WHERE state = 'running' AND service_id IS NOT NULL`);
    return new Set(rows.map((r) => r.service_id));
  }

  /** Publishes each live release's ingress addresses again (after a restart the DNS knows none). */
  async restoreUpstreams(): Promise<number> {
    const ingress = this.#require();
    if (this.#acmeUpstream) ingress.publish(this.#acmeUpstream.upstream.name, [this.#acmeUpstream.ip]);
    if (this.#controlPlaneUpstream) ingress.publish(this.#controlPlaneUpstream.upstream.name, [this.#controlPlaneUpstream.ip]);
    const live = await this.opts.db
      .select({ serviceId: services.id, release: deployments.releaseName })
      .from(services)
      .innerJoin(deployments, eq(deployments.id, services.currentDeploymentId))
      .where(isNotNull(deployments.releaseName));
    let published = 0;
    const deploying = await this.#deploying();
    for (const { serviceId, release } of live) {
      // Mid-deploy, the live row still names the old release: republishing it would undo a switch.
      if (deploying.has(serviceId)) continue;
      const tasks = await this.opts.docker.serviceTasks(release!).catch(() => []);
      const ips = tasks
        .filter((t) => t.desiredState === 'running' && t.state === 'running')
        .flatMap((t) => t.addresses.filter((a) => a.networkName === INGRESS_NETWORK).map((a) => a.ip));
      if (ips.length) {
        ingress.publish(upstreamName(serviceId), ips);
        published++;
      }
    }
    return published;
  }

  /** Periodic: re-publish addresses (tasks Swarm replaced) and re-push the routes if the proxy drifted. */
  async repair(): Promise<void> {
    try {
      await this.restoreUpstreams();
      for (const p of this.#proxies) await p.repairDrift();
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'ingress repair failed; will retry');
    }
    try {
      await this.orphans.run();
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'orphan sweep failed; will retry');
    }
  }

  async health(): Promise<ComponentHealth> {
    if (!this.#ingress) return { ok: false, detail: this.opts.config.BERTH_INGRESS ? 'starting: waiting for Docker/Swarm' : 'disabled (BERTH_INGRESS=false)' };
    const details: string[] = [];
    for (const p of this.#proxies) {
      try {
        await p.admin.config();
        details.push(`Caddy ${p.serviceName} on ports ${p.ports.http}/${p.ports.https}`);
      } catch (err) {
        return { ok: false, detail: `proxy ${p.serviceName} admin API: ${(err as Error).message}` };
      }
    }
    return { ok: true, detail: details.join('; ') };
  }
}
