// The ingress use-case: Berth owns the switch. It keeps the Caddy proxy running as a Swarm service,
// pushes the whole route table to it (only when the rendered config differs from the running one: every
// Caddy config change resets idle keep-alive connections), and moves an upstream name between releases
// by changing the answers of Berth's DNS server — publish the new addresses, wait out Caddy's refresh,
// then drain the old ones by the proxy's own request counts. A deploy never reloads the proxy.
// Must never publish an empty address set, patch the proxy's config piecemeal, or talk to Docker or
// Caddy other than through the gateway and the admin client.
import { Invalid } from '../errors.ts';
import { PLATFORM_NETWORKS, type DockerGateway, type EnsureServiceResult, type Labels, type TaskSummary } from '../../infra/docker/index.ts';
import {
  CaddyAdmin, adminSocketPath, ensureProxyDir, readStartupConfig, writeStartupConfig,
} from '../../infra/proxy/index.ts';
import { CADDY_UPSTREAM_REFRESH_MS, renderCaddyConfig, sameCaddyConfig, type JsonObject } from '../../plan/caddy.ts';
import { CADDY_HTTPS_PORT, PROXY_SERVICE_NAME, planProxyService } from '../../plan/caddy-service.ts';
import { UPSTREAM_NAME, planRoutes, type RouteTable } from '../../plan/routes.ts';
import { pause, waitForDrain } from './drain.ts';
import { ProxyNotReady } from './errors.ts';

/** What the ingress needs from Berth's DNS server (infra/dns's DnsServer is one). */
export interface UpstreamDns {
  setRecords(name: string, ipv4s: readonly string[]): void;
  removeRecords(name: string): boolean;
  /** `udp/<ip>:<port>` as the proxy's container reaches it. */
  resolverAddress(): string;
}

export interface IngressOptions {
  docker: DockerGateway;
  /** Proxy image: `caddy:2` in production (BERTH_PROXY_IMAGE); any image with caddy 2.6+ on its PATH. */
  image: string;
  /** Host directory for the admin socket and startup config, bind-mounted into the proxy (0700). */
  adminSocketDir: string;
  dns: UpstreamDns;
  /** Default `berth-proxy`. */
  serviceName?: string;
  /** Host ports published in host mode; default 80 and 443. */
  ports?: { http?: number; https?: number };
  /** Extra `<prefix>.*` labels on the proxy service (tests add `berth.test=true`). */
  labels?: Labels;
  /** How long a drain may take before DrainTimeout; default 60 s. */
  drainTimeoutMs?: number;
  /** How long ensureProxy waits for the proxy task and its admin API; default 60 s. */
  readyTimeoutMs?: number;
}

export interface EnsureProxyResult extends EnsureServiceResult {
  /** Milliseconds until the admin API answered. */
  readyMs: number;
}

export interface ApplyRoutesResult {
  action: 'loaded' | 'unchanged';
}

export interface SwitchOptions {
  /** The upstream name routes use (e.g. `<service id>.upstream.berth`). */
  name: string;
  /** The new release's healthy task addresses: never empty. */
  newIps: readonly string[];
  /** The old release's task addresses, drained after the switch (may be empty on a first deploy). */
  oldIps: readonly string[];
  signal?: AbortSignal;
  /** Overrides the ingress's drain timeout for this switch. */
  drainTimeoutMs?: number;
}

export interface SwitchResult {
  /** Publish → the proxy can no longer pick an old address (its refresh, waited out). */
  switchMs: number;
  /** Then until no old address held a request. */
  drainMs: number;
  totalMs: number;
}

/** A switch waits this much longer than Caddy's refresh: a lookup in flight at publish time is stale. */
const REFRESH_MARGIN_MS = 500;
const TASK_POLL_MS = 200;

const elapsedSince = (start: number) => Math.round(performance.now() - start);

export class Ingress {
  readonly admin: CaddyAdmin;
  private readonly options: IngressOptions;
  private table: RouteTable | undefined;

  constructor(options: IngressOptions) {
    this.options = options;
    this.admin = new CaddyAdmin({ socketPath: adminSocketPath(options.adminSocketDir) });
  }

  get serviceName(): string {
    return this.options.serviceName ?? PROXY_SERVICE_NAME;
  }

  /** The host ports the proxy publishes (http defaults to 80). */
  get ports(): { http: number; https: number } {
    return { http: this.options.ports?.http ?? 80, https: this.options.ports?.https ?? CADDY_HTTPS_PORT };
  }

  /** The config Caddy should run for `table` (what applyRoutes pushes). */
  render(table: RouteTable): JsonObject {
    return renderCaddyConfig(table, { resolver: this.options.dns.resolverAddress() });
  }

  /**
   * Creates or updates the proxy's Swarm service (idempotent: `unchanged` when it already matches) and
   * waits until its admin API answers. The startup config is written first, so a new task starts with
   * the last applied routes (or a 404-only config when none were applied yet).
   */
  async ensureProxy(options: { signal?: AbortSignal } = {}): Promise<EnsureProxyResult> {
    const started = performance.now();
    const { docker, adminSocketDir } = this.options;
    await docker.ensureNetwork(PLATFORM_NETWORKS.ingress);
    await ensureProxyDir(adminSocketDir);
    if (this.table || (await readStartupConfig(adminSocketDir)) === undefined) {
      await writeStartupConfig(adminSocketDir, this.render(this.table ?? planRoutes({ domains: [] })));
    }
    const { swarm } = await docker.info();
    const result = await docker.ensureService(planProxyService({
      name: this.serviceName,
      image: this.options.image,
      adminSocketDir,
      ports: this.ports,
      nodeId: swarm.nodeId,
      network: PLATFORM_NETWORKS.ingress.name,
      labels: { ...this.options.labels, [`${docker.labels.prefix}.kind`]: 'proxy' },
    }));
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    await this.waitForProxyTask(timeoutMs, options.signal);
    await this.admin.waitUntilReady({ timeoutMs, signal: options.signal });
    return { ...result, readyMs: elapsedSince(started) };
  }

  /**
   * Makes the proxy run exactly `table`: renders it, keeps it as the startup config, and loads it only
   * when the running config differs. Call it when the route topology changes and at boot (a restarted
   * control plane re-pushes what the database says; an unchanged proxy is left alone).
   */
  async applyRoutes(table: RouteTable, options: { signal?: AbortSignal } = {}): Promise<ApplyRoutesResult> {
    const config = this.render(table);
    this.table = table;
    await writeStartupConfig(this.options.adminSocketDir, config);
    const running = await this.admin.config({ signal: options.signal });
    if (sameCaddyConfig(running, config)) return { action: 'unchanged' };
    await this.admin.load(config, { signal: options.signal });
    return { action: 'loaded' };
  }

  /** Re-pushes the last applied table when the running config drifted (someone else changed it, or a restart). */
  async repairDrift(options: { signal?: AbortSignal } = {}): Promise<ApplyRoutesResult | { action: 'no-table' }> {
    if (!this.table) return { action: 'no-table' };
    return this.applyRoutes(this.table, options);
  }

  /** Points `name` at exactly these addresses. Refuses an empty set (Caddy would answer 503). */
  publish(name: string, ips: readonly string[]): void {
    if (!UPSTREAM_NAME.test(name)) throw new Invalid([{ path: 'name', message: `"${name}" is not an upstream name` }]);
    if (ips.length === 0) throw new Invalid([{ path: 'ips', message: `refusing to publish no addresses for ${name}: the proxy would answer 503` }]);
    this.options.dns.setRecords(name, ips);
  }

  /** Forgets `name`. Only once no route uses it any more (applyRoutes first). */
  withdraw(name: string): boolean {
    return this.options.dns.removeRecords(name);
  }

  /**
   * Moves `name` to the new release: publish the new addresses, wait longer than Caddy's refresh (after
   * that no request can pick an old address), then wait until no old address holds a request. The old
   * tasks may be stopped when this resolves. DrainTimeout (new addresses stay published) or an abort
   * rejects it.
   */
  async switchTo(options: SwitchOptions): Promise<SwitchResult> {
    const started = performance.now();
    this.publish(options.name, options.newIps);
    await pause(CADDY_UPSTREAM_REFRESH_MS + REFRESH_MARGIN_MS, options.signal);
    const switchMs = elapsedSince(started);
    const fresh = new Set(options.newIps);
    await waitForDrain({
      upstreams: (o) => this.admin.upstreams(o),
      name: options.name,
      ips: options.oldIps.filter((ip) => !fresh.has(ip)),
      timeoutMs: options.drainTimeoutMs ?? this.options.drainTimeoutMs ?? 60_000,
      signal: options.signal,
    });
    const totalMs = elapsedSince(started);
    return { switchMs, drainMs: totalMs - switchMs, totalMs };
  }

  /** Waits until the service's current task runs and no superseded task does (host ports: stop-first). */
  private async waitForProxyTask(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let tasks: TaskSummary[] = [];
    for (;;) {
      tasks = await this.options.docker.serviceTasks(this.serviceName);
      const current = tasks.filter((task) => task.desiredState === 'running');
      const superseded = tasks.filter((task) => task.desiredState !== 'running' && task.state === 'running');
      if (current.some((task) => task.state === 'running') && superseded.length === 0) return;
      if (Date.now() > deadline) break;
      await pause(TASK_POLL_MS, signal);
    }
    const last = tasks[0];
    const why = last ? `${last.state}${last.error ? `: ${last.error}` : last.message ? `: ${last.message}` : ''}` : 'no task';
    throw new ProxyNotReady(`proxy service ${this.serviceName} has no running task after ${timeoutMs} ms (${why})`);
  }
}
