// Berth's built images of a service, and their retention: the newest N are kept for instant rollback,
// older ones are removed unless something still runs them. Images are found by label
// (`berth.managed=true`, `berth.service=<id>`, `berth.deployment=<id>`).
// Must never touch an image without Berth's managed label and this service's label, never force a
// removal, and never remove an image a service or a running container uses.
import type Dockerode from 'dockerode';
import { Invalid } from '../../core/errors.ts';
import { isNotFound, toDockerError } from './errors.ts';
import type { LabelScheme } from './labels.ts';

export const DEFAULT_IMAGES_KEPT = 5;

export interface ServiceImage {
  /** `sha256:…` */
  id: string;
  tags: string[];
  deploymentId?: string;
  createdAt: Date;
  sizeBytes: number;
}

export interface PruneImagesOptions {
  serviceId: string;
  /** How many of the newest images to keep (default 5). */
  keep?: number;
}

export interface PruneImagesResult {
  kept: string[];
  removed: string[];
  /** Older than the newest N, but still used by a service or a container: left alone. */
  inUse: string[];
}

export interface RetentionPlan {
  keep: ServiceImage[];
  remove: ServiceImage[];
  inUse: ServiceImage[];
}

const LABEL_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function newestFirst(a: ServiceImage, b: ServiceImage): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id);
}

/** Pure: which images to keep, remove, or leave because they are in use (IDs or tags in `inUse`). */
export function planImageRetention(images: ServiceImage[], inUse: ReadonlySet<string>, keep: number): RetentionPlan {
  const sorted = [...images].sort(newestFirst);
  const older = sorted.slice(keep);
  const used = (image: ServiceImage) => inUse.has(image.id) || image.tags.some((tag) => inUse.has(tag));
  return { keep: sorted.slice(0, keep), remove: older.filter((image) => !used(image)), inUse: older.filter(used) };
}

/** Image references a service spec or a container may use: `sha256:…`, `repo:tag`, `repo:tag@sha256:…`. */
function referenceForms(ref: string | undefined): string[] {
  if (!ref) return [];
  const withoutDigest = ref.includes('@') && !ref.startsWith('sha256:') ? ref.slice(0, ref.indexOf('@')) : ref;
  const tagged = /:[^/]+$/.test(withoutDigest) || withoutDigest.startsWith('sha256:') ? withoutDigest : `${withoutDigest}:latest`;
  return [ref, withoutDigest, tagged];
}

async function call<T>(operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw toDockerError(operation, err);
  }
}

export class ImageStore {
  constructor(
    private readonly docker: Dockerode,
    private readonly labels: LabelScheme,
  ) {}

  /** The service's Berth-built images, newest first. */
  async listServiceImages(serviceId: string): Promise<ServiceImage[]> {
    if (!LABEL_VALUE.test(serviceId)) throw new Invalid([{ path: 'serviceId', message: 'expected a service id' }]);
    const serviceKey = `${this.labels.prefix}.service`;
    const images = await call('image.list', () =>
      this.docker.listImages({ filters: { label: this.labels.managedFilter({ [serviceKey]: serviceId }) } }),
    );
    const ours = images.filter((image) => this.labels.isManaged(image.Labels) && image.Labels?.[serviceKey] === serviceId);
    const summaries = await Promise.all(ours.map((image) => this.summarise(image)));
    return summaries.filter((image): image is ServiceImage => image !== undefined).sort(newestFirst);
  }

  /** The service ids (`<prefix>.service` labels) that have Berth-built images on this node. */
  async imageOwners(): Promise<string[]> {
    const serviceKey = `${this.labels.prefix}.service`;
    const images = await call('image.list', () => this.docker.listImages({ filters: { label: this.labels.managedFilter() } }));
    const owners = images.filter((image) => this.labels.isManaged(image.Labels)).map((image) => image.Labels?.[serviceKey]);
    return [...new Set(owners.filter((id): id is string => !!id && LABEL_VALUE.test(id)))];
  }

  /** The list gives creation times in seconds; inspect has them to the nanosecond, which orders builds. */
  private async summarise(image: Dockerode.ImageInfo): Promise<ServiceImage | undefined> {
    let created: string;
    try {
      created = (await this.docker.getImage(image.Id).inspect()).Created;
    } catch (err) {
      if (isNotFound(err)) return undefined; // removed meanwhile
      throw toDockerError('image.inspect', err);
    }
    return {
      id: image.Id,
      tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
      deploymentId: image.Labels?.[`${this.labels.prefix}.deployment`],
      createdAt: new Date(created),
      sizeBytes: image.Size,
    };
  }

  /** Keeps the newest `keep` images of the service; removes older ones nothing uses. */
  async pruneServiceImages(options: PruneImagesOptions): Promise<PruneImagesResult> {
    const keep = options.keep ?? DEFAULT_IMAGES_KEPT;
    if (!Number.isInteger(keep) || keep < 0) throw new Invalid([{ path: 'keep', message: 'expected a whole number ≥ 0' }]);
    const [images, inUse] = await Promise.all([this.listServiceImages(options.serviceId), this.imagesInUse()]);
    const plan = planImageRetention(images, inUse, keep);
    const removed: string[] = [];
    const stillUsed = plan.inUse.map((image) => image.id);
    for (const image of plan.remove) {
      if (await this.removeImage(image)) removed.push(image.id);
      else stillUsed.push(image.id);
    }
    return { kept: plan.keep.map((image) => image.id), removed, inUse: stillUsed };
  }

  /** Every image reference used by a Swarm service (any, not only Berth's) or a running container. */
  private async imagesInUse(): Promise<Set<string>> {
    const [services, containers] = await Promise.all([
      call('service.list', () => this.docker.listServices()),
      call('container.list', () => this.docker.listContainers()),
    ]);
    const refs = new Set<string>();
    for (const service of services) {
      const task = service.Spec?.TaskTemplate;
      const image = task && 'ContainerSpec' in task ? task.ContainerSpec?.Image : undefined;
      referenceForms(image).forEach((ref) => refs.add(ref));
    }
    for (const container of containers) {
      refs.add(container.ImageID);
      referenceForms(container.Image).forEach((ref) => refs.add(ref));
    }
    return refs;
  }

  /** Untags (the last untag deletes it); false when the engine refuses because something uses it. */
  private async removeImage(image: ServiceImage): Promise<boolean> {
    const names = image.tags.length > 0 ? image.tags : [image.id];
    try {
      for (const name of names) {
        // A tag may have moved to another image since the list: only untag it where it still points here.
        if (name !== image.id && (await this.docker.getImage(name).inspect()).Id !== image.id) continue;
        await this.docker.getImage(name).remove({ force: false, noprune: false });
      }
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      if ((err as { statusCode?: number }).statusCode === 409) return false;
      throw toDockerError('image.remove', err);
    }
  }
}
