// The orphan sweep: finishes a teardown whose Docker removal failed after the rows were gone (engine
// down, a volume still in use past the retry window, the control plane killed). Runs in the platform's
// repair loop. It removes a Berth-labelled (`berth.managed=true`) Swarm service, volume or built image
// whose `berth.service`, or network whose `berth.project`, is recorded in deleted_resources and has no row —
// so it never touches an unlabelled object, an object of a service or project that exists, nor the
// objects of another installation (or of a database that is not this installation's) on the same Swarm.
// An object must look orphaned for `graceMs` (two passes apart) before it goes.
import { and, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { deletedResources, jobs, projects, services } from '../../db/schema/index.ts';
import type { DockerGateway, Labels } from '../../infra/docker/index.ts';
import { volumeWanted } from './teardown.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface OrphanSweepOptions {
  db: Db;
  docker: DockerGateway;
  /** Extra labels every considered object must carry (tests confine a sweep to their own objects). */
  scope?: Labels;
  /** How long an object must have looked orphaned before it is removed (default 60 s; 0: at once). */
  graceMs?: number;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export interface SweepResult {
  services: string[];
  volumes: string[];
  networks: string[];
  /** Service ids whose built images were all removed. */
  images: string[];
}

type Candidate = { kind: 'service' | 'volume' | 'network' | 'image'; name: string; owner: string };

export class OrphanSweep {
  /** First time each object looked orphaned (kind:name → ms). */
  #seen = new Map<string, number>();

  constructor(private readonly opts: OrphanSweepOptions) {}

  async run(now = Date.now()): Promise<SweepResult> {
    const { docker, scope } = this.opts;
    const owned = (labels: Labels, key: string) => (UUID.test(labels[key] ?? '') ? labels[key]! : undefined);
    const candidates: Candidate[] = [
      ...(await docker.listServices({ labels: { ...scope } })).flatMap((s) => withOwner('service', s.name, owned(s.labels, 'berth.service'))),
      ...(await docker.listVolumes({ labels: { ...scope } })).flatMap((v) => withOwner('volume', v.name, owned(v.labels, 'berth.service'))),
      ...(await docker.listNetworks({ labels: { ...scope } })).flatMap((n) => withOwner('network', n.name, owned(n.labels, 'berth.project'))),
      // Images are named by their service id (a confined sweep leaves them alone: they carry no test labels).
      // Only UUID owners: an image named by anything else is not one Berth's pipeline built.
      ...(scope ? [] : (await docker.imageOwners()).flatMap((id) => withOwner('image', id, UUID.test(id) ? id : undefined))),
    ];
    const orphans = await this.#orphaned(candidates);
    const due = orphans.filter((c) => {
      const key = `${c.kind}:${c.name}`;
      const first = this.#seen.get(key) ?? now;
      this.#seen.set(key, first);
      return now - first >= (this.opts.graceMs ?? 60_000);
    });
    // Forget what is no longer an orphan (removed, or never was).
    const current = new Set(orphans.map((c) => `${c.kind}:${c.name}`));
    for (const key of this.#seen.keys()) if (!current.has(key)) this.#seen.delete(key);
    const result: SweepResult = { services: [], volumes: [], networks: [], images: [] };
    // Services first: their volumes and networks are in use until their tasks are gone (next pass).
    for (const kind of ['service', 'volume', 'network', 'image'] as const) {
      for (const c of due.filter((d) => d.kind === kind)) {
        try {
          if (kind === 'volume' && (await volumeWanted(this.opts.db, c.name))) continue;
          if ((await this.#remove(c)) === 'removed') result[`${kind}s`].push(c.name);
        } catch (err) {
          this.opts.log.warn({ err: (err as Error).message, [kind]: c.name }, 'orphan not removed yet; next pass retries');
        }
      }
    }
    if (result.services.length + result.volumes.length + result.networks.length + result.images.length) this.opts.log.info({ ...result }, 'orphaned Docker objects of deleted services removed');
    return result;
  }

  async #remove(c: Candidate): Promise<'removed' | 'absent' | 'in use'> {
    const { docker } = this.opts;
    switch (c.kind) {
      case 'service':
        return docker.removeService(c.name);
      case 'volume':
        return docker.removeVolume(c.name);
      case 'network':
        return docker.removeNetwork(c.name);
      case 'image': {
        const pruned = await docker.pruneServiceImages({ serviceId: c.owner, keep: 0 });
        return pruned.inUse.length ? 'in use' : pruned.removed.length ? 'removed' : 'absent';
      }
    }
  }

  /** Candidates whose owner Berth deleted (tombstone) and that has no row and no unfinished job. */
  async #orphaned(candidates: Candidate[]): Promise<Candidate[]> {
    const ids = [...new Set(candidates.map((c) => c.owner))];
    if (!ids.length) return [];
    const { db } = this.opts;
    const [dead, liveServices, liveProjects, busy] = await Promise.all([
      db.select({ id: deletedResources.id }).from(deletedResources).where(inArray(deletedResources.id, ids)),
      db.select({ id: services.id }).from(services).where(inArray(services.id, ids)),
      db.select({ id: projects.id }).from(projects).where(inArray(projects.id, ids)),
      db.select({ id: jobs.serviceId }).from(jobs).where(and(inArray(jobs.serviceId, ids), inArray(jobs.state, ['queued', 'running']))),
    ]);
    const deleted = new Set(dead.map((r) => r.id));
    const alive = new Set([...liveServices, ...liveProjects, ...busy].map((r) => r.id));
    return candidates.filter((c) => deleted.has(c.owner) && !alive.has(c.owner));
  }
}

function withOwner(kind: Candidate['kind'], name: string, owner: string | undefined): Candidate[] {
  return owner ? [{ kind, name, owner }] : [];
}
