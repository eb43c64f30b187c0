// What a backup needs to know about the thing it backs up, behind two small ports so this room does not
// reach into the databases room's tables: a database service resolved to its engine, credentials and
// running container; and a service stopped (scaled to zero) for a consistent volume copy.
import type { DatabaseCredentials, DatabaseEngine } from '../databases/engine.ts';

export interface DatabaseSubject {
  serviceId: string;
  engine: DatabaseEngine;
  version: string;
  credentials: DatabaseCredentials;
  /** The running container of the database on this node (dumps and restores exec into it). */
  containerId: string;
  /** The image the database runs (an ID when known): verification restores into exactly this image. */
  image: string;
}

export interface DatabaseResolver {
  /** The database behind a service; throws NotFound/Invalid when it is not a running database. */
  resolve(serviceId: string): Promise<DatabaseSubject>;
}

export interface ServiceControl {
  /** Scales the service's Swarm service(s) to zero and waits; resolves with the function that brings them back. */
  stop(serviceId: string, signal?: AbortSignal): Promise<() => Promise<void>>;
}

/** A resolver for installations without database services yet: every call says so. */
export const noDatabases: DatabaseResolver = {
  resolve: async () => {
    const { Invalid } = await import('../errors.ts');
    throw new Invalid([{ path: 'service', message: 'this service is not a database' }]);
  },
};
