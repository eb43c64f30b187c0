// The host name external connection strings show: the instance's domain when one is set, else this
// node's host name (the port is published on the node in host mode).
import { hostname } from 'node:os';
import type { Db } from '../../db/client.ts';
import { getInstanceSettings } from '../system/settings.ts';

export async function databaseExternalHost(db: Db): Promise<string> {
  return (await getInstanceSettings(db)).domain ?? hostname();
}
