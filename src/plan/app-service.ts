// Pure planner: an application service + one deployment → the Swarm service spec of that release.
// Each release is its own Swarm service (`<service>-<deployment>`): the new version starts beside the old
// one, and the ingress moves traffic only once the new tasks are healthy (see core/deployments).
// No I/O here; the exact output is snapshot-tested (plan/app-service.test.ts).
import type { AppSpec } from '../core/services/kinds.ts';
import type { ServiceSpec } from '../infra/docker/index.ts';

const NS = 1_000_000_000;
const compact = (uuid: string, n: number) => uuid.replaceAll('-', '').slice(0, n);

export const INGRESS_NETWORK = 'berth-ingress';

/** The Swarm service name of one release: short, unique, a valid DNS label. */
export function releaseName(serviceId: string, deploymentId: string): string {
  return `app-${compact(serviceId, 12)}-${compact(deploymentId, 8)}`;
}

/** The overlay network of a project: its services reach each other by service name there. */
export function projectNetworkName(projectId: string): string {
  return `berth-p-${compact(projectId, 12)}`;
}

/**
 * The subnet of a project network: a /24 in 10.64.0.0/10 derived from the project id, so it never lands
 * in the platform networks' 10.0.x.0/24 range or Swarm's default pool, whatever order networks are made
 * in. `attempt` moves to the next block when that one is taken.
 */
export function projectSubnet(projectId: string, attempt = 0): string {
  const block = (parseInt(compact(projectId, 8), 16) + attempt * 7919) % 16384;
  return `10.${64 + (block >> 8)}.${block & 255}.0/24`;
}

/** The name the ingress resolves (through Berth's DNS) to the live release's task addresses. */
export function upstreamName(serviceId: string): string {
  return `${serviceId}.upstream.berth`;
}

export interface AppReleaseInput {
  service: { id: string; name: string; projectId: string; orgId: string; environmentId: string };
  spec: AppSpec;
  deployment: { id: string; image: string };
  /** Resolved environment variables (secrets included): they go into the task spec, never into logs. */
  env: Record<string, string>;
  /** Attach to the ingress network (the service has at least one domain). */
  routed: boolean;
}

function healthcheck(spec: AppSpec): NonNullable<ServiceSpec['TaskTemplate']['ContainerSpec']['Healthcheck']> | undefined {
  const hc = spec.healthCheck;
  if (!hc) return undefined;
  const port = hc.port ?? spec.port;
  if (!port) return undefined;
  return {
    Test: ['CMD', 'curl', '--fail', '--silent', '--show-error', '--output', '/dev/null', '--max-time', String(hc.timeoutSeconds), `http://127.0.0.1:${port}${hc.path}`],
    Interval: hc.intervalSeconds * NS,
    Timeout: hc.timeoutSeconds * NS,
    Retries: hc.retries,
    StartPeriod: hc.startPeriodSeconds * NS,
  };
}

export function planAppService(input: AppReleaseInput): ServiceSpec {
  const { service, spec, deployment } = input;
  const labels = {
    'berth.service': service.id,
    'berth.deployment': deployment.id,
    'berth.project': service.projectId,
    'berth.org': service.orgId,
    'berth.kind': 'app',
  };
  const r = spec.resources;
  const hc = healthcheck(spec);
  const networks = [{ Target: projectNetworkName(service.projectId), Aliases: [service.name] }];
  if (input.routed) networks.push({ Target: INGRESS_NETWORK, Aliases: [] });
  return {
    Name: releaseName(service.id, deployment.id),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: deployment.image,
        ...(spec.command ? { Command: spec.command } : {}),
        Env: Object.entries(input.env)
          .map(([k, v]) => `${k}=${v}`)
          .sort(),
        Labels: labels,
        StopGracePeriod: spec.stopGracePeriodSeconds * NS,
        ...(hc ? { Healthcheck: hc } : {}),
        Mounts: [
          ...spec.volumes.map((v) => ({ Type: 'volume' as const, Source: v.name, Target: v.target, ReadOnly: v.readOnly, VolumeOptions: { NoCopy: false, Labels: { 'berth.managed': 'true', 'berth.service': service.id }, DriverConfig: { Name: 'local', Options: {} } } })),
          ...spec.bindMounts.map((b) => ({ Type: 'bind' as const, Source: b.source, Target: b.target, ReadOnly: b.readOnly })),
        ],
      },
      Resources: {
        Limits: { ...(r.cpus ? { NanoCPUs: Math.round(r.cpus * NS) } : {}), ...(r.memoryMb ? { MemoryBytes: r.memoryMb * 1024 * 1024 } : {}) },
        Reservations: { ...(r.reserveCpus ? { NanoCPUs: Math.round(r.reserveCpus * NS) } : {}), ...(r.reserveMemoryMb ? { MemoryBytes: r.reserveMemoryMb * 1024 * 1024 } : {}) },
      },
      RestartPolicy: { Condition: 'any', Delay: 5 * NS, MaxAttempts: 0 },
      Placement: { Constraints: spec.placement },
      Networks: networks,
    },
    Mode: { Replicated: { Replicas: spec.replicas } },
    UpdateConfig: { Parallelism: 1, Order: spec.ports.length ? 'stop-first' : 'start-first', FailureAction: 'pause' },
    // No VIP: the kernel may lack IPVS, and the ingress routes to task addresses itself.
    EndpointSpec: {
      Mode: 'dnsrr',
      Ports: spec.ports.map((p) => ({ Protocol: p.protocol, TargetPort: p.target, PublishedPort: p.published, PublishMode: 'host' as const })),
    },
  };
}
